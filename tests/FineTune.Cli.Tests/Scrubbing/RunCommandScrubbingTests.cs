using FineTune.Tests;

namespace FineTune.Cli.Tests.Scrubbing;

/// <summary>
/// <c>finetune run</c> against a provider whose every answer is a 401 echoing secrets: the upload fails, and neither
/// stdout, stderr nor any file the pipeline wrote (state, report.json/md/html) carries a secret.
/// </summary>
public sealed class RunCommandScrubbingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-scrub-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task Run_UploadRefusedWithABodyHoldingKeys_NoSecretInOutputOrReports()
    {
        await using var server = new CannedHttpServer(_ => ProviderErrorScrubbingTests.OpenAIError(401));
        var quickstart = Path.Combine(RepoPaths.Root, "samples", "quickstart");
        var pipeline = Path.Combine(_dir, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, $"""
            name: scrub-test
            provider: openai
            endpoint: {server.Endpoint}/v1
            baseModel: gpt-4o-mini-2024-07-18
            dataset: {Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl")}
            split: {"{"}validation: 0.1, holdout: 0.15, seed: 7{"}"}
            goldenSet: {Path.Combine(quickstart, "golden.jsonl")}
            scorers: [exact]
            output: out
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["run", pipeline], TextWriter.Synchronized(output), TextWriter.Synchronized(error));

        code.Should().NotBe(CliApp.Success, output.ToString() + error.ToString());
        server.Requests.Should().BeGreaterThan(0, "the upload reached the provider");
        (output.ToString() + error.ToString()).Should().Contain("[REDACTED]", "the provider's refusal is reported, scrubbed");
        var outDir = Path.Combine(_dir, "out");
        SecretLeaks.AssertNone(
            files: Directory.Exists(outDir) ? SecretLeaks.FilesUnder(outDir) : [],
            texts: [("stdout", output.ToString()), ("stderr", error.ToString())]);
    }
}
