using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary><c>finetune run</c> in-process against the OpenAI emulator on loopback (provider openai with an endpoint).</summary>
public sealed class RunCommandTests : IAsyncDisposable
{
    private readonly LoopbackPipelineHost _host = new("ft-run-");

    private string Dir => _host.Dir;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact(Timeout = 120_000)]
    public async Task Run_OverBudget_StopsBeforeAnyUploadWithTheFigures()
    {
        var pipeline = await WritePipelineAsync("budgetUsd: 0.01\nrecommendedExamples: 100\n");

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Failed, stderr);
        stdout.Should().Contain("STOPPED at estimate: the estimate $0.0716 exceeds the budget cap $0.01 (budgetUsd): 6,631 tokens per epoch × 3 epochs = 19,893 billed tokens at $3 per 1M = $0.0716 (retry buffer included). Nothing was uploaded.");
        (await EmulatorCountsAsync()).Should().Be((0, 0), "nothing is uploaded or started over budget");
        using var report = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Dir, "out", "report.json")));
        report.RootElement.GetProperty("status").GetString().Should().Be("stopped");
        report.RootElement.GetProperty("stoppedAt").GetString().Should().Be("estimate");
        report.RootElement.GetProperty("estimate").GetProperty("totalUsd").GetDecimal().Should().Be(0.0716148m);
        report.RootElement.TryGetProperty("upload", out _).Should().BeFalse();
        report.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).Should().Contain("the dataset has 70 rows; 100 or more are recommended (recommendedExamples).");
        File.Exists(Path.Combine(Dir, "out", "report.html")).Should().BeTrue();
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_Json_OneEventPerLineEveryStepThenTheResult_AndARerunSkipsEverything()
    {
        var pipeline = await WritePipelineAsync(string.Empty);

        var (code, stdout, stderr) = await RunAsync(pipeline, "--json");

        code.Should().Be(CliApp.Success, stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        events.Where(e => e.GetProperty("event").GetString() == "step-completed").Select(e => e.GetProperty("step").GetString())
            .Should().Equal("validate", "redact", "split", "estimate", "upload", "start", "watch", "diagnose", "compare", "register", "report");
        events.Any(e => e.GetProperty("event").GetString() == "metric" && e.TryGetProperty("trainLoss", out _)).Should().BeTrue("metrics carry their loss");
        events.Should().Contain(e => e.GetProperty("event").GetString() == "eval-progress" && e.GetProperty("casesDone").GetInt32() == e.GetProperty("cases").GetInt32());
        var result = events[^1];
        result.GetProperty("event").GetString().Should().Be("result");
        result.GetProperty("outcome").GetString().Should().Be("completed");
        result.GetProperty("passed").GetBoolean().Should().BeTrue();
        result.GetProperty("report").GetString().Should().Be(Path.Combine(Dir, "out", "report.html"));

        var (again, stdout2, _) = await RunAsync(pipeline, "--json");

        again.Should().Be(CliApp.Success);
        stdout2.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("event").GetString())
            .Where(e => e is not ("result" or "completed")).Should().HaveCount(11).And.AllBe("step-skipped");
        (await EmulatorCountsAsync()).Should().Be((2, 1));
        var registry = await File.ReadAllTextAsync(Path.Combine(Dir, "out", "registry.json"));
        registry.Should().Contain("\"status\": \"Registered\"").And.NotContain("\"Promoted\"");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_StoppedOverBudgetThenCapRaised_ResumesAtEstimate()
    {
        var pipeline = await WritePipelineAsync("budgetUsd: 0.01\n");
        (await RunAsync(pipeline)).Code.Should().Be(CliApp.Failed);
        await File.WriteAllTextAsync(pipeline, (await File.ReadAllTextAsync(pipeline)).Replace("budgetUsd: 0.01", "budgetUsd: 1", StringComparison.Ordinal));

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Success, stderr);
        stdout.Should().Contain("[validate] done earlier, skipped\n").And.Contain("[split] done earlier, skipped\n").And.Contain("[estimate] started\n");
        (await EmulatorCountsAsync()).Should().Be((2, 1));
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_DatasetChangedSinceTheRunStarted_IsRefused()
    {
        var dataset = Path.Combine(Dir, "tickets.jsonl");
        File.Copy(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"), dataset);
        var pipeline = await WritePipelineAsync("budgetUsd: 0.01\n");
        await File.WriteAllTextAsync(pipeline, (await File.ReadAllTextAsync(pipeline)).Replace(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"), dataset, StringComparison.Ordinal));
        (await RunAsync(pipeline)).Code.Should().Be(CliApp.Failed);
        await File.AppendAllLinesAsync(dataset, [(await File.ReadAllLinesAsync(dataset))[0]]);

        var (code, _, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.UsageError);
        stderr.Should().Contain("holds run run-test-").And.Contain("of another version of the dataset").And.Contain("choose another output folder");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_GoldenSetCopiedFromTrainingTickets_IsFlaggedAsLeakage()
    {
        // samples/quickstart/golden.jsonl holds training tickets as {id, input, expected}: no system message, same user text.
        var pipeline = await WritePipelineAsync($"goldenSet: {Path.Combine(RepoPaths.Root, "samples", "quickstart", "golden.jsonl")}\n");

        var (code, _, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Success, stderr);
        var warnings = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.json")))!["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        warnings.Where(w => w.StartsWith("golden set FT3006: ", StringComparison.Ordinal)).Should().NotBeEmpty()
            .And.AllSatisfy(w => w.Should().EndWith("also appears in the training file (same normalized user prompt, whatever the system message): its score would be inflated."));
    }

    [Fact]
    public async Task Run_BadPipelineFile_ExitsTwoNamingFileLineAndField()
    {
        var pipeline = Path.Combine(Dir, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, "provider: emulator\nbaseModel: m\ndataset: d.jsonl\nsplit:\n  holdout: -1\n");

        var (code, stdout, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.UsageError);
        stdout.Should().BeEmpty();
        stderr.Trim().Should().Be("error: finetune.yaml line 5: split.holdout must be a number from 0 to 0.5 (it was '-1').");
    }

    [Fact]
    public async Task Run_DatasetMissing_ExitsTwo()
    {
        var pipeline = Path.Combine(Dir, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, "provider: emulator\nbaseModel: gpt-4o-mini-2024-07-18\ndataset: nowhere.jsonl\n");

        var (code, _, stderr) = await RunAsync(pipeline);

        code.Should().Be(CliApp.UsageError);
        stderr.Should().Contain("dataset 'nowhere.jsonl' not found");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_TooFewRows_StopsAtValidate()
    {
        var lines = (await File.ReadAllLinesAsync(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"))).Take(12);
        await File.WriteAllLinesAsync(Path.Combine(Dir, "small.jsonl"), lines);
        var pipeline = Path.Combine(Dir, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, $"provider: openai\nendpoint: {await EndpointAsync()}\nbaseModel: gpt-4o-mini-2024-07-18\ndataset: small.jsonl\nminimumExamples: 20\noutput: out\n");

        var (code, stdout, _) = await RunAsync(pipeline);

        code.Should().Be(CliApp.Failed);
        stdout.Should().Contain("STOPPED at validate: the dataset has 12 rows; at least 20 are needed (minimumExamples).");
        (await EmulatorCountsAsync()).Should().Be((0, 0));
    }

    private Task<string> WritePipelineAsync(string extra) => _host.WritePipelineAsync("run-test", extra);

    private Task<Uri> EndpointAsync() => _host.EndpointAsync();

    private Task<(int Files, int Jobs)> EmulatorCountsAsync() => _host.CountsAsync();

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["run", .. args], TextWriter.Synchronized(output), TextWriter.Synchronized(error));
        return (code, output.ToString(), error.ToString());
    }
}
