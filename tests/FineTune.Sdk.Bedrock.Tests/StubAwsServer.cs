using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;

namespace FineTune.Sdk.Bedrock.Tests;

/// <summary>
/// A loopback HTTP server for adapter tests until the Bedrock emulator is on main: answers through a callback,
/// records every request, and checks every Bedrock (non-S3) request's SigV4 signature server-side from the raw
/// request target, the signed headers it names and the body — a mismatch is answered 403 InvalidSignatureException.
/// </summary>
internal sealed class StubAwsServer : IAsyncDisposable
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Func<StubRequest, StubResponse> _handler;

    public StubAwsServer(Func<StubRequest, StubResponse> handler)
    {
        _handler = handler;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    public static AWSOptions AwsOptions(string secret = SecretKey) => new()
    {
        Credentials = new BasicAWSCredentials(AccessKey, secret),
        Region = RegionEndpoint.USEast1,
    };

    public BedrockFineTuneProviderOptions ProviderOptions() => new()
    {
        ServiceUrl = Url,
        Region = "us-east-1",
        RoleArn = "arn:aws:iam::123456789012:role/BedrockFineTune",
        OutputS3Uri = "s3://finetune-bucket/output/",
        UploadS3Uri = "s3://finetune-bucket/data/",
        MultipartThresholdBytes = 5L * 1024 * 1024,
    };

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }

        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in context.Request.Headers.AllKeys)
            {
                headers[key!] = context.Request.Headers[key]!;
            }

            var request = new StubRequest(context.Request.HttpMethod, context.Request.RawUrl!, headers, body.ToArray());
            Requests.Enqueue(request);
            StubResponse response;
            try
            {
                response = request.IsS3 || VerifySignature(request) ? _handler(request) : StubResponse.Error(403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
            }
            catch (Exception ex)
            {
                response = StubResponse.Error(500, "InternalServerException", "stub failed: " + ex.Message);
            }

            context.Response.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength64 = response.Body.Length;
            await context.Response.OutputStream.WriteAsync(response.Body);
            context.Response.Close();
        }
    }

    private static bool VerifySignature(StubRequest request)
    {
        if (!request.Headers.TryGetValue("Authorization", out var authorization) || !request.Headers.TryGetValue("x-amz-date", out var amzDate))
        {
            return false;
        }

        var signedHeaders = authorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        var time = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        var token = request.Headers.TryGetValue("x-amz-security-token", out var t) ? t : null;
        var expected = SigV4Signer.Sign(
            new SigV4Credentials(AccessKey, SecretKey, token),
            new SigV4Scope("us-east-1", "bedrock"),
            time,
            request.Method,
            request.RawPath,
            request.RawQuery,
            signedHeaders.Select(h => new KeyValuePair<string, string>(h, request.Headers[h])),
            SigV4Signer.Hex(SHA256.HashData(request.Body)));
        return expected.Authorization == authorization;
    }
}

internal sealed record StubRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string RawPath => RawTarget.Split('?')[0];

    public string RawQuery => RawTarget.Contains('?', StringComparison.Ordinal) ? RawTarget[(RawTarget.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;

    /// <summary>Gets the path with each segment decoded once (what the service routes on).</summary>
    public string[] Segments => RawPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();

    public bool IsS3 => Headers.TryGetValue("Authorization", out var a) && a.Contains("/s3/aws4_request", StringComparison.Ordinal);

    public string Text => Encoding.UTF8.GetString(Body);

    public string? Query(string name) => RawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .Where(p => Uri.UnescapeDataString(p[0]) == name)
        .Select(p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty)
        .FirstOrDefault();
}

internal sealed record StubResponse(int Status, string ContentType, byte[] Body)
{
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public static StubResponse Json(int status, string json) => new(status, "application/json", Encoding.UTF8.GetBytes(json));

    public static StubResponse Error(int status, string type, string message, string requestId = "req-1234")
    {
        var response = Json(status, $"{{\"message\":\"{message}\"}}");
        response.Headers.Add(new("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/"));
        response.Headers.Add(new("x-amzn-RequestId", requestId));
        return response;
    }
}
