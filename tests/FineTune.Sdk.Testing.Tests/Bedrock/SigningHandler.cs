using System.Globalization;
using System.Net.Http.Headers;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// A test-only SigV4 signer for Bedrock requests (service <c>bedrock</c>), built on the verified <see cref="SigV4"/>
/// pieces: signs exactly what is sent (the escaped path, the query, host with port, content hash). The independent proof
/// that the emulator accepts real signatures is the Node conformance run with the official AWS clients.
/// </summary>
internal sealed class SigningHandler(HttpMessageHandler inner, string accessKey = "AKIDEXAMPLE", string secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    : DelegatingHandler(inner)
{
    /// <summary>Gets or sets an action that alters the request after it was signed (to test tampering).</summary>
    public Action<HttpRequestMessage>? AfterSigning { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var uri = request.RequestUri!;
        var now = DateTimeOffset.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        var hash = SigV4.Sha256Hex(body);
        request.Headers.Host = host;
        request.Headers.Remove("x-amz-date");
        request.Headers.Remove("x-amz-content-sha256");
        request.Headers.Add("x-amz-date", amzDate);
        request.Headers.Add("x-amz-content-sha256", hash);
        var headers = new List<KeyValuePair<string, string>> { new("host", host), new("x-amz-date", amzDate), new("x-amz-content-sha256", hash) };
        var signed = new List<string> { "host", "x-amz-content-sha256", "x-amz-date" };
        if (request.Content?.Headers.ContentType is { } type)
        {
            headers.Add(new("content-type", type.ToString()));
            signed.Insert(0, "content-type");
        }

        var canonical = SigV4.CanonicalRequest(request.Method.Method, SigV4.CanonicalUri(uri.AbsolutePath, s3: false), SigV4.CanonicalQuery(uri.Query), SigV4.CanonicalHeaders(headers, signed)!, signed, hash);
        var scope = $"{amzDate[..8]}/us-east-1/bedrock/aws4_request";
        var signature = SigV4.Sign(SigV4.SigningKey(secretKey, amzDate[..8], "us-east-1", "bedrock"), SigV4.StringToSign(amzDate, scope, canonical));
        request.Headers.Authorization = new AuthenticationHeaderValue("AWS4-HMAC-SHA256", $"Credential={accessKey}/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
        AfterSigning?.Invoke(request);
        return await base.SendAsync(request, cancellationToken);
    }
}
