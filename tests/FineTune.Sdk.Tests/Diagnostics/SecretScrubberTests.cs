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
    public void Scrub_SecretShapes_NoneSurvives(string text, string secret)
    {
        var scrubbed = SecretScrubber.Scrub(text);

        scrubbed.Should().NotContain(secret).And.Contain(SecretScrubber.Redacted);
    }

    [Theory]
    [InlineData("The job ftjob-abc123 failed: rate limited (HTTP 429).")]
    [InlineData("sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 and sha256 of the file")]
    [InlineData("https://api.openai.com/v1/fine_tuning/jobs?limit=20&after=ftjob-1")]
    [InlineData("")]
    public void Scrub_TextWithoutSecrets_IsUnchanged(string text) =>
        SecretScrubber.Scrub(text).Should().Be(text);

    [Fact]
    public void FineTuneException_MessageWithAKey_IsScrubbed()
    {
        var exception = new FineTuneException("Provider said: Incorrect API key provided: " + OpenAIKey, new InvalidOperationException());

        exception.Message.Should().NotContain(OpenAIKey).And.Contain(SecretScrubber.Redacted);
        new FineTuneException("x " + AwsAccessKey).Message.Should().NotContain(AwsAccessKey);
    }
}
