using System.Text.Json;

namespace FineTune.Cli.Tests.Scrubbing;

/// <summary>
/// <c>finetune eval</c> with secrets in the way: a judge endpoint failing with a body that holds keys, and an endpoint
/// option carrying user-info and <c>?api_key=</c>. Stderr, the exit code and every file written are checked.
/// </summary>
public sealed class EvalCommandScrubbingTests : IDisposable
{
    private const string ChatAnswer = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764763200,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    private readonly string _dir = Directory.CreateTempSubdirectory("ft-scrub-cli-").FullName;

    public EvalCommandScrubbingTests() =>
        File.WriteAllText(Golden, "{\"id\":\"c1\",\"input\":\"hello\",\"expected\":\"hi\"}\n{\"id\":\"c2\",\"input\":\"bye\",\"expected\":\"hi\"}\n");

    private string Golden => Path.Combine(_dir, "golden.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Compare_JudgeFailsWithABodyHoldingKeys_NoSecretInStderrOrAnyReport()
    {
        await using var server = new CannedHttpServer(request => request.Body.Contains("\"model\":\"judge-model\"", StringComparison.Ordinal)
            ? ProviderErrorScrubbingTests.OpenAIError(500)
            : new CannedResponse(200, "application/json", ChatAnswer));
        var outDir = Path.Combine(_dir, "out");

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", Golden, "--base", "base-model", "--candidate", "tuned-model",
            "--scorer", "exact", "--scorer", "judge", "--judge-model", "judge-model", "--endpoint", server.Endpoint + "/v1", "--retries", "0", "--concurrency", "1", "--out", outDir);

        code.Should().Be(CliApp.Failed, output + error);
        error.Should().NotContain("   at ", "no stack trace");
        var runFile = await File.ReadAllTextAsync(Path.Combine(outDir, "run.jsonl"));
        runFile.Should().Contain("Judge call failed: FineTuneException: HTTP 500 (upstream_error): OpenAI chat.complete failed: HTTP 500").And.Contain("[REDACTED]");
        SecretLeaks.FilesUnder(outDir).Select(Path.GetFileName).Should().Contain(["run.jsonl", "compare.json", "compare.md", "compare.html"]);
        SecretLeaks.AssertNone(files: SecretLeaks.FilesUnder(outDir), texts: [("stdout", output), ("stderr", error)]);
    }

    [Fact]
    public async Task Compare_EndpointWithUserInfoAndApiKey_StderrShowsItRedacted()
    {
        var endpoint = $"ftp://svc:{SecretLeaks.UrlPassword}@proxy.example.com/v1?api_key={SecretLeaks.QueryKey}";

        var (code, output, error) = await RunAsync("eval", "compare", "--golden", Golden, "--base", "base-model", "--candidate", "tuned-model",
            "--endpoint", endpoint, "--out", Path.Combine(_dir, "out"));

        code.Should().Be(CliApp.UsageError, output + error);
        error.Should().Contain("OpenAI.Endpoint must be an absolute http or https address; it was 'ftp://[REDACTED]@proxy.example.com/v1?api_key=[REDACTED]'.").And.NotContain("   at ");
        SecretLeaks.AssertNone(texts: [("stdout", output), ("stderr", error)]);
    }

    [Fact]
    public async Task Stderr_AnyMessageWithASecret_IsScrubbedByTheCliWriter()
    {
        using var inner = new StringWriter();
        using var writer = new ScrubbingTextWriter(inner);

        await writer.WriteLineAsync("error: " + SecretLeaks.EchoingEverything);
        writer.Write("warning: key " + SecretLeaks.OpenAIKey);

        inner.ToString().Should().StartWith("error: Incorrect API key provided: [REDACTED]. Authorization: Bearer [REDACTED]");
        SecretLeaks.AssertNone(texts: [("stderr", inner.ToString())]);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
