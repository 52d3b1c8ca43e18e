using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// The hyperparameter sweep (<c>sweep:</c> in a pipeline file) against the OpenAI emulator on loopback: the whole grid's
/// estimate under the budget cap, one upload, never more than <c>maxConcurrentJobs</c> active jobs (observed on the
/// emulator), the winner by final validation loss, near-ties broken by the comparison, a crash between a job's creation
/// and the saved state resumed without a second job.
/// </summary>
public sealed class RunSweepTests : IAsyncDisposable
{
    private readonly LoopbackPipelineHost _host = new("ft-sweep-");

    private string Dir => _host.Dir;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact(Timeout = 120_000)]
    public async Task Run_SweepOverBudget_StopsBeforeAnyUploadWithTheWholeGridsFigures()
    {
        // One job of 3 epochs costs $0.0716 (RunCommandTests); the grid 1, 2, 4 epochs × 2 multipliers is 14 epochs.
        var pipeline = await WritePipelineAsync("budgetUsd: 0.2\nsweep:\n  epochs: [1, 2, 4]\n  learningRateMultiplier: [0.9, 1.8]\n  maxConcurrentJobs: 2\n");

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(["run", pipeline], TextWriter.Synchronized(output), TextWriter.Synchronized(error));

        code.Should().Be(CliApp.Failed, error.ToString());
        output.ToString().Should().Contain(
            "STOPPED at estimate: the estimate $0.3342 for the whole sweep exceeds the budget cap $0.2 (budgetUsd): grid of 6 jobs ("
            + "#0 epochs 1 lr× 0.9 $0.0239, #1 epochs 1 lr× 1.8 $0.0239, #2 epochs 2 lr× 0.9 $0.0477, "
            + "#3 epochs 2 lr× 1.8 $0.0477, #4 epochs 4 lr× 0.9 $0.0955, #5 epochs 4 lr× 1.8 $0.0955): "
            + "6,631 tokens per epoch × 14 epochs = 92,834 billed tokens at $3 per 1M = $0.3342 (retry buffer included). Nothing was uploaded.");
        (await EmulatorCountsAsync()).Should().Be((0, 0), "nothing is uploaded or started when the grid is over budget");
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.json")))!;
        report["estimate"]!["billedTokens"]!.GetValue<long>().Should().Be(92_834);
        report["sweep"]!["jobs"]!.AsArray().Should().HaveCount(6);
    }

    [Fact(Timeout = 300_000)]
    public async Task Pipeline_SweepGrid_AtMostMaxConcurrentJobsOnTheEmulator_WinnerIsTheExpectedPoint()
    {
        var pipeline = await WritePipelineAsync("sweep:\n  epochs: [1, 2, 4]\n  learningRateMultiplier: [0.9, 1.8]\n  maxConcurrentJobs: 2\n");
        var probe = await TargetAsync(failAfterStart: 0);

        var result = await new FineTunePipeline().RunAsync(await FineTunePipelineDefinition.LoadAsync(pipeline), probe.Target);

        result.Outcome.Should().Be(FineTunePipelineOutcome.Completed, result.StopReason);
        probe.Starts.Should().Be(6);
        probe.MostActiveAtAStart.Should().Be(2, "the emulator never holds more than maxConcurrentJobs unfinished jobs, and the limit is used");
        (await EmulatorCountsAsync()).Should().Be((2, 6), "one upload of each file, one job per grid point");

        // docs/emulator.md: validation loss ≈ 0.05 + 1.9 e^(-4 s p) + 0.08 + o·max(0, pE - 3) ± noise, s = min(1, E/2 × m/1.8);
        // E=2, m=1.8 is the only point with s = 1 and no overfitting term. Final = the mean over the last 10% of the steps.
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.json")))!;
        var sweep = report["sweep"]!;
        var jobs = sweep["jobs"]!.AsArray();
        jobs.Select(j => j!["finalValidLoss"]!.GetValue<double>()).Should().Equal(0.86235, 0.41343, 0.40268, 0.16243, 0.24177, 0.32341);
        sweep["winner"]!.GetValue<int>().Should().Be(3);
        sweep["tieBroken"]!.GetValue<bool>().Should().BeFalse();
        sweep["winnerRule"]!.GetValue<string>().Should().Be("the lowest final validation loss (0.16243); no other job within 2% of it");
        jobs.Select(j => (j!["epochs"]!.GetValue<int>(), j["learningRateMultiplier"]!.GetValue<double>())).Should().Equal((1, 0.9), (1, 1.8), (2, 0.9), (2, 1.8), (4, 0.9), (4, 1.8));
        jobs.Select(j => j!["job"]!["idempotencyKey"]!.GetValue<string>()).Should().OnlyHaveUniqueItems().And.AllSatisfy(k => k.Should().StartWith("ftpipe-" + result.RunId + "-g"));
        jobs[5]!["diagnosis"]!.AsArray().Select(f => f!["kind"]!.GetValue<string>()).Should().Contain("Overfitting", "4 epochs on 52 rows overfit (the others' diagnostics are in the report too)");
        report["job"]!["id"]!.GetValue<string>().Should().Be(jobs[3]!["job"]!["id"]!.GetValue<string>(), "the winner is the run's job");
        result.FineTunedModel.Should().Be(jobs[3]!["job"]!["fineTunedModel"]!.GetValue<string>());
        report["trainedTokens"]!.GetValue<long>().Should().Be(jobs.Sum(j => j!["job"]!["trainedTokens"]!.GetValue<long>()), "the actual cost covers the whole grid");

        var registry = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", "registry.json")))!;
        var candidates = registry["features"]!.AsArray().SelectMany(f => f!["variants"]!.AsArray()).Where(v => v!["name"]!.GetValue<string>().StartsWith("ft-", StringComparison.Ordinal)).ToList();
        candidates.Should().ContainSingle("only the winner is registered").Which!["modelId"]!.GetValue<string>().Should().Be(result.FineTunedModel);
        var html = await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.html"));
        html.Should().Contain("<table id=\"sweep\">").And.Contain("<td>3 (winner)</td>");
        (await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.md"))).Should().Contain("| 3 (winner) | 2 | 1.8 |");
    }

    [Fact(Timeout = 300_000)]
    public async Task Pipeline_SweepNearTie_IsBrokenByTheComparisonThenTheCheaperJob()
    {
        // 2 epochs at multipliers 1.8 and 3.6 (ρ = 1 and 2): both reach the full budget s = 1, neither overfits (2 epochs)
        // nor spikes (ρ ≤ 2), and the noise is the seed's and the step's: the two curves are the same, an exact tie.
        var pipeline = await WritePipelineAsync("sweep:\n  epochs: [2]\n  learningRateMultiplier: [1.8, 3.6]\n");
        var probe = await TargetAsync(failAfterStart: 0);

        var result = await new FineTunePipeline().RunAsync(await FineTunePipelineDefinition.LoadAsync(pipeline), probe.Target);

        result.Outcome.Should().Be(FineTunePipelineOutcome.Completed, result.StopReason);
        var sweep = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", "report.json")))!["sweep"]!;
        sweep["maxConcurrentJobs"]!.GetValue<int>().Should().Be(3, "the default for the OpenAI API");
        sweep["tieBroken"]!.GetValue<bool>().Should().BeTrue();
        var jobs = sweep["jobs"]!.AsArray();
        jobs.Select(j => j!["finalValidLoss"]!.GetValue<double>()).Distinct().Should().ContainSingle();
        jobs.Select(j => j!["tieBreakPassRate"]!.GetValue<double>()).Distinct().Should().ContainSingle("both candidates learned the same rows");
        sweep["winner"]!.GetValue<int>().Should().Be(0, "equal pass rates and billed tokens: the first in grid order wins");
        sweep["winnerRule"]!.GetValue<string>().Should().StartWith("near-tie on final validation loss (within 2% of 0.16243) between grid jobs #0, #1, broken by the comparison against the base on holdout.jsonl: exact pass rate #0 21.4%, #1 21.4%")
            .And.EndWith("; still equal, so the fewest billed tokens, then grid order");
        result.JobId.Should().Be(jobs[0]!["job"]!["id"]!.GetValue<string>());
    }

    [Fact(Timeout = 300_000)]
    public async Task Pipeline_SweepCrashAfterAJobWasCreatedBeforeItsIdWasSaved_RerunStartsNoJobTwice()
    {
        var pipeline = await WritePipelineAsync("sweep:\n  epochs: [1, 2, 4]\n  maxConcurrentJobs: 2\n");
        var definition = await FineTunePipelineDefinition.LoadAsync(pipeline);
        var crashing = await TargetAsync(failAfterStart: 2);

        var crash = () => new FineTunePipeline().RunAsync(definition, crashing.Target);

        (await crash.Should().ThrowAsync<IOException>()).WithMessage("simulated crash after start 2");
        (await EmulatorCountsAsync()).Jobs.Should().Be(2, "the second job exists on the provider; its id never reached the state file");
        var state = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, "out", FineTunePipeline.StateFileName)))!;
        state["sweep"]!["jobs"]![1]!["startRequested"]!.GetValue<bool>().Should().BeTrue();
        state["sweep"]!["jobs"]![1]!["job"].Should().BeNull();

        var probe = await TargetAsync(failAfterStart: 0);
        var result = await new FineTunePipeline().RunAsync(definition, probe.Target);

        result.Outcome.Should().Be(FineTunePipelineOutcome.Completed, result.StopReason);
        result.ResumedSteps.Should().Equal(FineTunePipelineStep.Validate, FineTunePipelineStep.Redact, FineTunePipelineStep.Split, FineTunePipelineStep.Estimate, FineTunePipelineStep.Upload);
        (await EmulatorCountsAsync()).Should().Be((2, 3), "the rerun found the second job by its key instead of starting it again");
        probe.MostActiveAtAStart.Should().BeLessThanOrEqualTo(2);
    }

    private Task<string> WritePipelineAsync(string extra) => _host.WritePipelineAsync("sweep-test", extra);

    private Task<Uri> EndpointAsync() => _host.EndpointAsync();

    private Task<(int Files, int Jobs)> EmulatorCountsAsync() => _host.CountsAsync();

    /// <summary>The provider as <c>finetune run</c> composes it, wrapped in a probe that counts the emulator's unfinished jobs at every start.</summary>
    private async Task<StartProbe> TargetAsync(int failAfterStart)
    {
        var options = new OpenAIFineTuneProviderOptions { Endpoint = (await EndpointAsync()).ToString(), ApiKey = "test" };
        var provider = new OpenAIFineTuneProvider(options).AsBuilder().UseStandardPolicies(options.Resilience).Build();
        var probe = new StartProbe(provider, await EndpointAsync(), failAfterStart);
        probe.Target = new FineTunePipelineTarget(probe, OpenAIChatClients.Create(options))
        {
            Polling = new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(200) },
        };
        return probe;
    }

    /// <summary>
    /// Before each start, reads the emulator's unfinished jobs: only the pipeline creates jobs, so that count + 1 bounds the
    /// active jobs right after the start. Optionally throws after the Nth start returned (a crash before the id is saved).
    /// </summary>
    private sealed class StartProbe(IFineTuneProvider inner, Uri endpoint, int failAfterStart) : DelegatingFineTuneProvider(inner)
    {
        private static readonly string[] Terminal = ["succeeded", "failed", "cancelled"];

        public FineTunePipelineTarget Target { get; set; } = null!;

        public int Starts { get; private set; }

        public int MostActiveAtAStart { get; private set; }

        public override async Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
        {
            using var http = new HttpClient();
            var list = await http.GetFromJsonAsync<JsonElement>(endpoint.ToString().TrimEnd('/') + "/fine_tuning/jobs?limit=100", cancellationToken);
            var active = list.GetProperty("data").EnumerateArray().Count(j => !Terminal.Contains(j.GetProperty("status").GetString()));
            var known = list.GetProperty("data").EnumerateArray().Any(j => j.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == request.IdempotencyKey));
            var job = await base.StartJobAsync(request, cancellationToken);
            Starts++;
            MostActiveAtAStart = Math.Max(MostActiveAtAStart, known ? active : active + 1);
            if (Starts == failAfterStart)
            {
                throw new IOException($"simulated crash after start {Starts}");
            }

            return job;
        }
    }
}
