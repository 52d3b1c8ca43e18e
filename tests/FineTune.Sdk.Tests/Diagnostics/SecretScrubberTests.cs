namespace FineTune.Sdk.Tests;

public sealed class SecretScrubberTests
{
    // Real-shaped, not real: the shapes of the PII gate's API keys, AWS keys, and what providers echo back.
    private const string OpenAIKey = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f";
    private const string AwsAccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string AwsSessionKey = "ASIAY34FZKBOKMUTVV7A";
    private const string AwsSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string GitHubToken = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";

    [Theory]
    [InlineData("Incorrect API key provided: " + OpenAIKey + ".", OpenAIKey)]
    [InlineData("Incorrect API key provided: sk-proj-********************************************abcd. You can find your API key at …", "abcd")]
    [InlineData("key " + AwsAccessKey + " denied", AwsAccessKey)]
    [InlineData("session " + AwsSessionKey + " expired", AwsSessionKey)]
    [InlineData("aws_secret_access_key=" + AwsSecretKey, AwsSecretKey)]
    [InlineData("token " + GitHubToken, GitHubToken)]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA")]
    [InlineData("\"Authorization\": \"AWS4-HMAC-SHA256 Credential=AKIA/2026/us-east-1\"", "Credential=AKIA/2026")]
    [InlineData("The endpoint https://user:hunter2@api.example.com/v1 is not absolute", "hunter2")]
    [InlineData("Endpoint 'https://api.example.com/v1?api-key=abc123secret&x=1' is invalid", "abc123secret")]
    [InlineData("https://bucket.s3.amazonaws.com/f?X-Amz-Signature=deadbeef99&X-Amz-Credential=AKIAX%2F2026", "deadbeef99")]
    [InlineData("GET /v1/files?access_token=tok_98765 failed", "tok_98765")]
    [InlineData("Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")]
    [InlineData("Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host", "IOSFODNN7")]
    [InlineData("GET\n/model/x/converse\nX-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Date=20260101T000000Z\nhost:bedrock\nx-amz-security-token:IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ", "IQoJb3JpZ2luX2VjEJr")]
    [InlineData("GET\n/model/x/converse\nX-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Date=20260101T000000Z", "AKIDEXAMPLE")]
    [InlineData("proxy said Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl was rejected", "eyJzdWIiOiIxMjM0NTY3ODkwIn0")]
    [InlineData("token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl expired", "eyJzdWIiOiIxMjM0NTY3ODkwIn0")]
    [InlineData("{\"error\":{\"message\":\"bad request\",\"api_key\":\"my-own-key-123\"}}", "my-own-key-123")]
    [InlineData("{\"AccessKeyId\":\"AKIDNOTSHAPED\",\"SecretAccessKey\":\"short/secret+key\"}", "short/secret+key")]
    [InlineData("x-api-key: 0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef")]
    [InlineData("Host=db;Username=ft;Password=hunter2;Database=registry", "hunter2")]
    [InlineData("https://login.example.com/callback?state=1&code=authcode-42", "authcode-42")]
    [InlineData("https://blob.example.com/c/f.jsonl?sv=2024&sig=AbCdEf%2Bg", "AbCdEf%2Bg")]
    [InlineData("https://vault.example.com/x?secret=s3cr3t-value", "s3cr3t-value")]
    [InlineData("https://storage.example.com/o?X-Amz-Security-Token=FwoGZXIvYXdzEFAaDH", "FwoGZXIvYXdzEFAaDH")]
    [InlineData("https://admin:p%40ss@registry.example.com/v2?x=1", "p%40ss")]
    public void Scrub_SecretShapes_NoneSurvives(string text, string secret)
    {
        var scrubbed = SecretScrubber.Scrub(text);

        scrubbed.Should().NotContain(secret).And.Contain(SecretScrubber.Redacted);
    }

    [Theory]
    [InlineData("The job ftjob-abc123 failed: rate limited (HTTP 429).")]
    [InlineData("sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 and sha256 of the file")]
    [InlineData("https://api.openai.com/v1/fine_tuning/jobs?limit=20&after=ftjob-1")]
    [InlineData("Uploaded file file-abc (train.jsonl) and started ftjob-abc123 on ft:gpt-4o-mini:org::id.")]
    [InlineData("ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9bQx7Zc1")]
    [InlineData("Created Bedrock customization job arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.titan-text-lite-v1:0:4k/abc123def456 on amazon.titan-text-lite-v1.")]
    [InlineData("role arn:aws:iam::123456789012:role/BedrockFineTune and s3://my-bucket/data/train.jsonl")]
    [InlineData("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 of the manifest")]
    [InlineData("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")]
    [InlineData("Credential should be scoped to a valid region, not 'us-west-9'. Signature expired: 20260101T000000Z is now earlier.")]
    [InlineData("Bearer authentication failed; max_tokens: 256, token count 1200, password policy unchanged.")]
    [InlineData("OpenAI chat.complete failed: HTTP 429 (rate_limit_exceeded: no code). Slow down (request id req_8f2a1c9e0b7d4e3f9a1b2c3d4e5f6a7b)")]
    [InlineData("")]
    public void Scrub_TextWithoutSecrets_IsUnchanged(string text) =>
        SecretScrubber.Scrub(text).Should().Be(text);

    [Fact]
    public void FailureText_ProviderErrorWithKeys_IsScrubbedByTheScrubber()
    {
        var exception = new InvalidOperationException("Incorrect API key provided: sk-proj-****************************wXy4. Authorization: Bearer " + GitHubToken + " on " + AwsAccessKey);

        var text = FailureText.Describe(exception);

        text.Should().Be("InvalidOperationException: Incorrect API key provided: [REDACTED]. Authorization: Bearer [REDACTED] on [REDACTED]");
    }

    [Fact]
    public void FineTuneException_MessageWithAKey_IsScrubbed()
    {
        var exception = new FineTuneException("Provider said: Incorrect API key provided: " + OpenAIKey, new InvalidOperationException());

        exception.Message.Should().NotContain(OpenAIKey).And.Contain(SecretScrubber.Redacted);
        new FineTuneException("x " + AwsAccessKey).Message.Should().NotContain(AwsAccessKey);
    }
}
