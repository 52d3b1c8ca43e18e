using System.Text;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Bedrock.Tests;

/// <summary>
/// The signer against AWS's two published SigV4 suites and the Bedrock vectors. Applicable = header signing with
/// AWS4-HMAC-SHA256. Not applicable, and so not run: the <c>query-*</c> (presigned URL) outputs of every
/// v4-aws-c-auth case, because the adapter signs headers only; there are no SigV4a cases in either suite.
/// </summary>
public sealed class SigV4SignerTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly SigV4Credentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    private static string Suite => Path.Combine(RepoPaths.Shared, "reference", "sigv4-test-suite");

    public static TheoryData<string> ClassicCases()
    {
        var data = new TheoryData<string>();
        foreach (var req in Directory.GetFiles(Path.Combine(Suite, "classic-botocore"), "*.req", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Path.Combine(Suite, "classic-botocore"), Path.GetDirectoryName(req)!));
        }

        return data;
    }

    public static TheoryData<string> AwsCAuthCases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(Suite, "v4-aws-c-auth")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    public static TheoryData<string> BedrockCases()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(BedrockVectorsPath));
        foreach (var item in doc.RootElement.GetProperty("cases").EnumerateObject())
        {
            data.Add(item.Name);
        }

        return data;
    }

    private static string BedrockVectorsPath => Path.Combine(Suite, "bedrock-vectors", "bedrock-sigv4-vectors.json");

    [Fact]
    public void Suites_AreAllPresent()
    {
        ClassicCases().Should().HaveCount(34);
        AwsCAuthCases().Should().HaveCount(38);
        BedrockCases().Should().HaveCount(4);
    }

    [Theory]
    [MemberData(nameof(ClassicCases))]
    public void Sign_ClassicSuiteCase_MatchesCanonicalRequestStringToSignAndAuthorization(string relative)
    {
        var dir = Path.Combine(Suite, "classic-botocore", relative);
        var name = Path.GetFileName(dir);
        var request = RawRequest.Parse(File.ReadAllText(Path.Combine(dir, name + ".req")));
        var expectedCreq = File.ReadAllText(Path.Combine(dir, name + ".creq"));
        var headers = request.Headers.ToList();

        // get-vanilla-with-session-token signs a token its .req leaves out; the signed request (.sreq) carries it.
        if (expectedCreq.Contains("x-amz-security-token:", StringComparison.Ordinal) && !headers.Any(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)))
        {
            var signed = RawRequest.Parse(File.ReadAllText(Path.Combine(dir, name + ".sreq")));
            headers.Add(signed.Headers.Single(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)));
        }

        var result = SigV4Signer.Sign(Example, new SigV4Scope("us-east-1", "service"), SuiteTime, request.Method, request.Path, request.Query, headers, Sha256Hex(request.Body));

        result.CanonicalRequest.Should().Be(expectedCreq);
        result.StringToSign.Should().Be(File.ReadAllText(Path.Combine(dir, name + ".sts")));
        result.Authorization.Should().Be(File.ReadAllText(Path.Combine(dir, name + ".authz")).Trim());
    }

    [Theory]
    [MemberData(nameof(AwsCAuthCases))]
    public void Sign_AwsCAuthSuiteHeaderCase_MatchesCanonicalRequestAndSignature(string name)
    {
        var dir = Path.Combine(Suite, "v4-aws-c-auth", name);
        using var context = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "context.json")));
        var root = context.RootElement;
        var credentials = root.GetProperty("credentials");
        var token = credentials.TryGetProperty("token", out var t) ? t.GetString() : null;
        var omitToken = root.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean();
        var time = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var request = RawRequest.Parse(File.ReadAllText(Path.Combine(dir, "request.txt")));
        var payloadHash = Sha256Hex(request.Body);
        var headers = request.Headers.ToList();
        headers.Add(new("X-Amz-Date", SigV4Signer.FormatAmzDate(time)));
        if (token is not null && !omitToken)
        {
            headers.Add(new("X-Amz-Security-Token", token));
        }

        if (root.GetProperty("sign_body").GetBoolean())
        {
            headers.Add(new("x-amz-content-sha256", payloadHash));
        }

        var result = SigV4Signer.Sign(
            new SigV4Credentials(credentials.GetProperty("access_key_id").GetString()!, credentials.GetProperty("secret_access_key").GetString()!, token),
            new SigV4Scope(root.GetProperty("region").GetString()!, root.GetProperty("service").GetString()!),
            time,
            request.Method,
            request.Path,
            request.Query,
            headers,
            payloadHash,
            normalizePath: root.GetProperty("normalize").GetBoolean());

        result.CanonicalRequest.Should().Be(File.ReadAllText(Path.Combine(dir, "header-canonical-request.txt")));
        result.StringToSign.Should().Be(File.ReadAllText(Path.Combine(dir, "header-string-to-sign.txt")));
        result.Signature.Should().Be(File.ReadAllText(Path.Combine(dir, "header-signature.txt")).Trim());
    }

    [Theory]
    [MemberData(nameof(BedrockCases))]
    public void Sign_BedrockVector_MatchesCanonicalRequestAndAuthorization(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(BedrockVectorsPath));
        var vector = doc.RootElement.GetProperty("cases").GetProperty(name);
        var request = vector.GetProperty("request");
        var headers = request.GetProperty("headers").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!)).ToList();
        var token = headers.FirstOrDefault(h => h.Key == "x-amz-security-token").Value;

        var result = SigV4Signer.Sign(
            Example with { SessionToken = token },
            new SigV4Scope("us-east-1", "bedrock"),
            SuiteTime,
            request.GetProperty("method").GetString()!,
            request.GetProperty("path").GetString()!,
            request.GetProperty("query").GetString()!,
            headers,
            Sha256Hex(Encoding.UTF8.GetBytes(request.GetProperty("body").GetString()!)));

        result.CanonicalRequest.Should().Be(vector.GetProperty("canonical_request").GetString());
        result.StringToSign.Should().Be(vector.GetProperty("string_to_sign").GetString());
        result.Authorization.Should().Be(vector.GetProperty("authorization").GetString());
    }

    [Fact]
    public void SignRequest_JobArnInPath_SignsTheDoublyEncodedSentPathWithHostPortAndToken()
    {
        var arn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.titan-text-express-v1:0:8k/abcdef123456";
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:4566/model-customization-jobs/" + Uri.EscapeDataString(arn));

        SigV4Signer.SignRequest(request, [], Example with { SessionToken = "TOKEN123" }, new SigV4Scope("us-east-1", "bedrock"), SuiteTime);

        request.Headers.Host.Should().Be("127.0.0.1:4566");
        request.Headers.GetValues("x-amz-security-token").Should().Equal("TOKEN123");
        request.Headers.GetValues("x-amz-content-sha256").Should().Equal(SigV4Signer.EmptyBodySha256);
        var expected = SigV4Signer.Sign(
            Example,
            new SigV4Scope("us-east-1", "bedrock"),
            SuiteTime,
            "GET",
            "/model-customization-jobs/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-customization-job%2Famazon.titan-text-express-v1%3A0%3A8k%2Fabcdef123456",
            string.Empty,
            [new("host", "127.0.0.1:4566"), new("x-amz-date", "20150830T123600Z"), new("x-amz-content-sha256", SigV4Signer.EmptyBodySha256), new("x-amz-security-token", "TOKEN123")],
            SigV4Signer.EmptyBodySha256);
        expected.CanonicalRequest.Should().Contain("arn%253Aaws%253Abedrock");
        request.Headers.GetValues("Authorization").Single().Should().Be(expected.Authorization);
    }

    [Fact]
    public void SigningKey_DocumentationExample_MatchesPublishedKey()
        => SigV4Signer.Hex(SigV4Signer.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam"))
            .Should().Be("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");

    [Fact]
    public void Credentials_ToString_HidesSecretAndToken()
    {
        var text = new SigV4Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "TOKEN123").ToString();
        text.Should().Contain("AKIDEXAMPLE").And.NotContain("wJalr").And.NotContain("TOKEN123");
    }

    internal static string Sha256Hex(byte[] body) => SigV4Signer.Hex(System.Security.Cryptography.SHA256.HashData(body));

    /// <summary>A request file of the suites: request line (paths may hold raw spaces), folded headers, body.</summary>
    internal sealed record RawRequest(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
    {
        public static RawRequest Parse(string text)
        {
            var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var requestLine = lines[0];
            var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
            var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(' ')];
            var question = target.IndexOf('?', StringComparison.Ordinal);
            var headers = new List<KeyValuePair<string, string>>();
            var index = 1;
            for (; index < lines.Length && lines[index].Length > 0; index++)
            {
                var line = lines[index];
                if (line[0] is ' ' or '\t')
                {
                    var last = headers[^1];
                    headers[^1] = new(last.Key, last.Value + "\n" + line);
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add(new(line[..colon], line[(colon + 1)..]));
            }

            var body = index + 1 < lines.Length ? string.Join('\n', lines[(index + 1)..]) : string.Empty;
            return new RawRequest(
                method,
                question < 0 ? target : target[..question],
                question < 0 ? string.Empty : target[(question + 1)..],
                headers,
                Encoding.UTF8.GetBytes(body));
        }
    }
}
