using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// Maps Bedrock's restJson1 errors onto <see cref="FineTuneException"/>: the type from <c>x-amzn-ErrorType</c>
/// (name before <c>:</c>) or the body's <c>__type</c> (name after <c>#</c>), the body's <c>message</c>, the
/// <c>x-amzn-RequestId</c>, <c>Retry-After</c>, and whether repeating may help. Never puts a credential, a signature
/// or a request body in a message.
/// </summary>
internal static class BedrockErrors
{
    public const string Provider = "bedrock";

    private static readonly HashSet<string> TransientTypes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "ServiceUnavailableException", "InternalServerException", "ModelNotReadyException",
        "ModelTimeoutException", "TooManyRequestsException", "RequestTimeoutException",
    };

    /// <summary>Builds the exception for a non-success response.</summary>
    public static FineTuneException FromResponse(int status, HttpResponseHeaders headers, ReadOnlySpan<byte> body, string operation, TimeProvider time)
    {
        string? type = null;
        if (headers.TryGetValues("x-amzn-ErrorType", out var values) && values.FirstOrDefault() is { Length: > 0 } header)
        {
            type = header.Split(':')[0];
        }

        string? message = null;
        if (!body.IsEmpty)
        {
            try
            {
                var parsed = JsonSerializer.Deserialize(body, BedrockJsonContext.Default.ErrorBody);
                message = parsed?.Message ?? parsed?.UpperMessage;
                if (type is null && parsed?.Type is { Length: > 0 } bodyType)
                {
                    var hash = bodyType.LastIndexOf('#');
                    type = hash >= 0 ? bodyType[(hash + 1)..] : bodyType;
                }
            }
            catch (JsonException)
            {
                // not a JSON error body; the status speaks alone
            }
        }

        var requestId = Header(headers, "x-amzn-RequestId") ?? Header(headers, "x-amz-request-id");
        return Create(status, type, message, requestId, RetryAfter(headers, time), operation);
    }

    /// <summary>Builds the exception for an error carried inside an event stream (<c>:message-type exception</c>).</summary>
    public static FineTuneException FromStreamException(string? type, ReadOnlySpan<byte> payload, string operation)
    {
        string? message = null;
        try
        {
            message = JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ErrorBody)?.Message;
        }
        catch (JsonException)
        {
            // keep the type alone
        }

        var status = type switch
        {
            "throttlingException" or "ThrottlingException" => 429,
            "validationException" or "ValidationException" => 400,
            "serviceUnavailableException" or "ServiceUnavailableException" => 503,
            "modelStreamErrorException" or "ModelStreamErrorException" => 424,
            _ => 500,
        };
        var name = type is { Length: > 0 } ? char.ToUpperInvariant(type[0]) + type[1..] : null;
        return Create(status, name, message, requestId: null, retryAfter: null, operation);
    }

    /// <summary>Wraps a transport failure (no response arrived) as transient.</summary>
    public static FineTuneException Transport(Exception exception, string operation)
        => new($"Bedrock {operation} failed in transport: {exception.Message}", exception) { Provider = Provider, IsTransient = true };

    private static FineTuneException Create(int status, string? type, string? message, string? requestId, TimeSpan? retryAfter, string operation)
    {
        var text = $"Bedrock {operation} failed: HTTP {status} ({type ?? "UnknownError"}). {message ?? ReasonPhrase(status)}"
            + (requestId is null ? string.Empty : $" (request id {requestId})");
        var transient = type is not null ? TransientTypes.Contains(type) || (status >= 500 && type != "ModelErrorException") : FineTuneException.IsTransientStatus(status);
        return new FineTuneException(text)
        {
            Provider = Provider,
            StatusCode = status,
            ProviderCode = type,
            RequestId = requestId,
            RetryAfter = retryAfter,
            IsTransient = transient,
        };
    }

    private static string ReasonPhrase(int status) => Enum.IsDefined(typeof(HttpStatusCode), status) ? ((HttpStatusCode)status).ToString() : "error";

    private static string? Header(HttpResponseHeaders headers, string name)
        => headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    private static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider time)
    {
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return Header(headers, "Retry-After") is { } raw && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}
