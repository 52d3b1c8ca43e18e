using System.Text;

namespace FineTune.Sdk.Testing;

/// <summary>A transport-neutral HTTP response; <see cref="DropConnection"/> asks the transport to fail instead.</summary>
internal sealed class EmulatorResponse
{
    public EmulatorResponse(int statusCode, string contentType, byte[] body)
    {
        StatusCode = statusCode;
        ContentType = contentType;
        Body = body;
    }

    public int StatusCode { get; }

    public string ContentType { get; }

    public byte[] Body { get; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>Gets a value indicating whether the transport must drop the connection (HTTP) or throw (handler).</summary>
    public bool DropConnection { get; private init; }

    /// <summary>Gets a delay the transport waits before answering (slow-response fault), on <see cref="DelayClock"/>.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Gets the clock <see cref="Delay"/> runs on; <see langword="null"/> for the real clock.</summary>
    public TimeProvider? DelayClock { get; set; }

    /// <summary>Gets a value indicating whether the server processed the request and the answer is lost mid-flight:
    /// the HTTP server sends the start of a response, then resets, so no client can retry it transparently.</summary>
    public bool AfterPartialResponse { get; private init; }

    public static EmulatorResponse Dropped() => new(0, "text/plain", []) { DropConnection = true };

    public static EmulatorResponse LostInFlight() => new(0, "text/plain", []) { DropConnection = true, AfterPartialResponse = true };

    public static EmulatorResponse Json(int statusCode, byte[] body) => new(statusCode, "application/json", body);

    public static EmulatorResponse Text(int statusCode, string contentType, string body) => new(statusCode, contentType, Encoding.UTF8.GetBytes(body));

    public static EmulatorResponse Bytes(string contentType, byte[] body) => new(200, contentType, body);

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
}
