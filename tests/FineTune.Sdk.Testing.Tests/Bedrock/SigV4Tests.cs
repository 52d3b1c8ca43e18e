using System.Text;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The emulator's server-side SigV4 against AWS's published suite and the Bedrock vectors (shared/reference).</summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly string Suite = Path.Combine(RepoPaths.Shared, "reference", "sigv4-test-suite");

    public static TheoryData<string> BedrockCases() => ["get-job-by-arn", "post-create-loopback", "list-jobs-query", "get-job-session-token"];

    public static TheoryData<string> ClassicCases() =>
    [
        "get-vanilla", "get-vanilla-query", "get-vanilla-empty-query-key", "get-vanilla-query-order-encoded", "get-vanilla-query-order-key-case",
        "get-vanilla-query-order-value", "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-unreserved", "get-utf8",
        "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order", "get-header-value-trim",
        "post-vanilla", "post-vanilla-query", "post-vanilla-empty-query-value", "post-header-key-case", "post-header-key-sort", "post-header-value-case",
        "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
        "normalize-path/get-relative", "normalize-path/get-relative-relative", "normalize-path/get-slash", "normalize-path/get-slash-dot-slash",
        "normalize-path/get-slash-pointless-dot", "normalize-path/get-slashes", "normalize-path/get-space", "normalize-path/get-special-character",
        "post-sts-token/post-sts-header-before",
    ];

    [Theory]
    [MemberData(nameof(BedrockCases))]
    public void BedrockVector_CanonicalRequestStringToSignAndSignature_MatchTheVector(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Suite, "bedrock-vectors", "bedrock-sigv4-vectors.json")));
        var vector = document.RootElement.GetProperty("cases").GetProperty(name);
        var request = vector.GetProperty("request");
        var headers = request.GetProperty("headers").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!)).ToList();
        var signedHeaders = headers.Select(h => h.Key).Order(StringComparer.Ordinal).ToList();
        var canonicalHeaders = SigV4.CanonicalHeaders(headers, signedHeaders)!;
        var body = Encoding.UTF8.GetBytes(request.GetProperty("body").GetString()!);

        var canonical = SigV4.CanonicalRequest(
            request.GetProperty("method").GetString()!,
            SigV4.CanonicalUri(request.GetProperty("path").GetString()!, s3: false),
            SigV4.CanonicalQuery(request.GetProperty("query").GetString()!),
            canonicalHeaders,
            signedHeaders,
            SigV4.Sha256Hex(body));
        var stringToSign = SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/bedrock/aws4_request", canonical);
        var signature = SigV4.Sign(SigV4.SigningKey(Secret, "20150830", "us-east-1", "bedrock"), stringToSign);

        canonical.Should().Be(vector.GetProperty("canonical_request").GetString());
        stringToSign.Should().Be(vector.GetProperty("string_to_sign").GetString());
        signature.Should().Be(vector.GetProperty("signature").GetString());
        SigV4.ParseAuthorization(vector.GetProperty("authorization").GetString())!.Signature.Should().Be(signature);
    }

    [Theory]
    [MemberData(nameof(ClassicCases))]
    public void ClassicSuite_RequestFromReqFile_GivesTheSuitesCanonicalRequestAndAuthorization(string name)
    {
        var folder = Path.Combine(Suite, "classic-botocore", name);
        var stem = Path.Combine(folder, Path.GetFileName(name));
        var (method, path, query, headers, body) = ParseReq(File.ReadAllText(stem + ".req"));
        var auth = SigV4.ParseAuthorization(File.ReadAllText(stem + ".authz").Trim())!;
        var amzDate = headers.First(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value;

        var canonical = SigV4.CanonicalRequest(method, SigV4.CanonicalUri(path, s3: false), SigV4.CanonicalQuery(query), SigV4.CanonicalHeaders(headers, auth.SignedHeaders)!, auth.SignedHeaders, SigV4.Sha256Hex(body));
        var stringToSign = SigV4.StringToSign(amzDate, auth.Scope, canonical);
        var signature = SigV4.Sign(SigV4.SigningKey(Secret, auth.Date, auth.Region, auth.Service), stringToSign);

        canonical.Should().Be(File.ReadAllText(stem + ".creq").ReplaceLineEndings("\n"));
        stringToSign.Should().Be(File.ReadAllText(stem + ".sts").ReplaceLineEndings("\n"));
        signature.Should().Be(auth.Signature);
    }

    [Fact]
    public void SigningKey_DocumentationExample_MatchesPublishedKey()
    {
        Convert.ToHexString(SigV4.SigningKey(Secret, "20150830", "us-east-1", "iam")).ToLowerInvariant()
            .Should().Be("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    }

    [Fact]
    public void CanonicalUri_S3Path_IsSignedAsSentWithoutNormalizing()
    {
        SigV4.CanonicalUri("/bucket/a//b/../c%3Ad.jsonl", s3: true).Should().Be("/bucket/a//b/../c%3Ad.jsonl");
        SigV4.CanonicalUri("/model/arn%3Aaws%3Abedrock/converse", s3: false).Should().Be("/model/arn%253Aaws%253Abedrock/converse");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer abc")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/bedrock, SignedHeaders=host, Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/bedrock/aws4_request, Signature=00")]
    public void ParseAuthorization_MalformedHeader_ReturnsNull(string? header) => SigV4.ParseAuthorization(header).Should().BeNull();

    /// <summary>Parses a suite <c>.req</c> file: request line, headers (folded continuation lines joined), blank line, body.</summary>
    private static (string Method, string Path, string Query, List<KeyValuePair<string, string>> Headers, byte[] Body) ParseReq(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var first = lines[0];
        var method = first[..first.IndexOf(' ', StringComparison.Ordinal)];
        var target = first[(method.Length + 1)..first.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (char.IsWhiteSpace(lines[i][0]) && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + " " + lines[i].Trim());
                continue;
            }

            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..]));
        }

        var body = i + 1 < lines.Length ? string.Join('\n', lines[(i + 1)..]) : string.Empty;
        return (method, question >= 0 ? target[..question] : target, question >= 0 ? target[(question + 1)..] : string.Empty, headers, Encoding.UTF8.GetBytes(body));
    }
}
