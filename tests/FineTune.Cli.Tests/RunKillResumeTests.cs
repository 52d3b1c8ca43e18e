using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using FineTune.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Cli.Tests;

/// <summary>
/// The kill-and-resume proof: <c>finetune run</c> as a real child process against <c>finetune emulate openai</c> (another
/// child process, so the emulator's state survives the kills), killed at every step boundary and in the middle of every
/// step, then rerun: exactly one upload of each file and one job per run, and the same final report as a run never killed.
/// </summary>
public sealed class RunKillResumeTests : IDisposable
{
    private static readonly string[] Steps = ["validate", "redact", "split", "estimate", "upload", "start", "watch", "diagnose", "compare", "register", "report"];
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 600_000)]
    public async Task Run_KilledAtEveryBoundaryAndMidStep_ResumesWithOneUploadOneJobAndTheSameReport()
    {
        var reference = await RunScenarioAsync("reference", _ => null);

        // Killed right after each step completed (the state file already says so). A kill lands a moment after the
        // event is read, so a quick next step may finish first; then the next kill is at the first boundary after it.
        var boundaries = await RunScenarioAsync("boundaries", step => e =>
            (Event(e) is "step-completed" or "step-skipped" && Index(e) >= Index(step)) || (Event(e) == "step-started" && Index(e) > Index(step)));

        // Killed inside each step: as it starts, and for the long ones once it is under way (a metric, an evaluated case).
        var midStep = await RunScenarioAsync("mid-step", step => e => (step, Event(e)) switch
        {
            ("watch", "metric") or ("compare", "eval-progress") => true,
            ("watch" or "compare", "step-started") => Index(e) > Index(step),
            (_, "step-started") => Index(e) >= Index(step),
            _ => false,
        });

        boundaries.Kills.Should().BeGreaterThanOrEqualTo(Steps.Length - 2, "one kill per step boundary up to compare");
        midStep.Kills.Should().BeGreaterThanOrEqualTo(Steps.Length - 2, "one kill inside every step up to compare (register and report may finish first)");
        foreach (var scenario in new[] { reference, boundaries, midStep })
        {
            scenario.Files.Should().Be(2, $"{scenario.Name}: the train and validation files are uploaded once each");
            scenario.Jobs.Should().Be(1, $"{scenario.Name}: one job per run");
            scenario.RegisteredCandidates.Should().Be(1, $"{scenario.Name}: the candidate is registered once");
        }

        boundaries.Report.Should().Be(reference.Report);
        midStep.Report.Should().Be(reference.Report);
    }

    [Fact(Timeout = 600_000)]
    public async Task Run_SweepKilledAtStartWatchAndCompare_ResumesWithoutStartingAGridJobTwice()
    {
        // Three grid jobs, at most two at once: the third starts during watch, when a slot frees up.
        const string Sweep = "sweep: {epochs: [1, 2, 3], maxConcurrentJobs: 2}";
        var reference = await RunScenarioAsync("sweep-reference", _ => null, Sweep);
        var killed = await RunScenarioAsync("sweep-killed", step => step switch
        {
            // As the first grid jobs start; after the first started; at the first status change; once the third (started by
            // watch when a slot freed up) is seen; as compare starts.
            "start" => e => Event(e) == "step-started" && Index(e) >= Index("start"),
            "upload" => e => Event(e) == "info" && e["step"]!.GetValue<string>() == "start",
            "watch" => e => Event(e) == "job-status",
            "diagnose" => e => Event(e) is "info" or "job-status" && e["message"]!.GetValue<string>().StartsWith("grid job #2 ", StringComparison.Ordinal) && Index(e) >= Index("watch"),
            "compare" => e => Event(e) == "step-started" && Index(e) >= Index("compare"),
            _ => null,
        }, Sweep);

        killed.Kills.Should().Be(5);
        foreach (var scenario in new[] { reference, killed })
        {
            scenario.Files.Should().Be(2, $"{scenario.Name}: the train and validation files are uploaded once each");
            scenario.Jobs.Should().Be(3, $"{scenario.Name}: one job per grid point, never a second one");
            scenario.RegisteredCandidates.Should().Be(1, $"{scenario.Name}: only the winner is registered");
        }

        killed.Report.Should().Be(reference.Report);
    }

    [Fact(Timeout = 600_000)]
    public async Task Run_BedrockKilledAtEveryBoundaryMidUploadAndMidHosting_ResumesWithOneUploadOneJobOneThroughput()
    {
        // The child process drives the emulator in this process over loopback (our SigV4 client, every answer checked
        // against the API models); the hosting is kept so the throughput can be counted after the run.
        await using var host = new BedrockPipelineHost("ft-kill-bedrock-", speed: 200);
        await host.WriteTicketsAsync();
        var pipeline = await host.WritePipelineAsync(hosting: "{mode: provisioned, modelUnits: 1, keep: true}");
        var kills = new List<string>();
        foreach (var step in Steps)
        {
            var run = await ChildProcess.RunPipelineAsync(pipeline, e => (Event(e) is "step-completed" or "step-skipped" && Index(e) >= Index(step)) || (Event(e) == "step-started" && Index(e) > Index(step)));
            if (!run.Killed && run.ExitCode == 0 && Index(step) >= Index("register"))
            {
                continue; // register and report may finish before the signal lands (see above)
            }

            run.Killed.Should().BeTrue($"the run should reach the boundary after '{step}' (exit {run.ExitCode}); stderr: {run.Stderr}");
            kills.Add("after " + step);
        }

        host.Count().ThroughputCreates.Should().BeGreaterThan(0, "the boundary runs got as far as the hosting");

        // A fresh output folder for the mid-step kills: after the train file's upload and as the throughput is created.
        Directory.Delete(Path.Combine(host.Dir, "out"), recursive: true);
        var before = host.Count();
        foreach (var (name, condition) in new (string, Func<JsonNode, bool>)[]
        {
            ("mid-upload", e => Event(e) == "info" && e["message"]!.GetValue<string>().StartsWith("train.bedrock.jsonl -> s3://", StringComparison.Ordinal)),
            ("mid-hosting", e => Event(e) == "info" && e["message"]!.GetValue<string>().StartsWith("hosting: created provisioned-throughput ", StringComparison.Ordinal)),
        })
        {
            var run = await ChildProcess.RunPipelineAsync(pipeline, condition);
            run.Killed.Should().BeTrue($"{name}: the run should reach its kill point (exit {run.ExitCode}); stderr: {run.Stderr}");
            kills.Add(name);
        }

        var final = await ChildProcess.RunPipelineAsync(pipeline, null);
        final.ExitCode.Should().Be(0, final.Stderr);
        final.Events.Select(e => e["message"]?.GetValue<string>()).Should().Contain(m => m != null && m.StartsWith("hosting: re-attached to provisioned-throughput ", StringComparison.Ordinal));
        kills.Should().HaveCountGreaterThanOrEqualTo(Steps.Length - 2 + 2);

        // Two runs in all (the boundary run's output folder, then the mid-step one's): each created exactly one job, one
        // throughput, and the same two content-addressed objects (the second run's uploads are the same keys).
        var after = host.Count();
        host.Emulator.JobCount.Should().Be(2, "one job per run, whatever the kill points");
        var (objects, throughputs) = await ListAsync(await host.EndpointAsync());
        objects.Should().Be(2, "the train and validation files, stored once each under their SHA-256");
        throughputs.Should().Be(2, "one provisioned throughput per run, kept as the file asks");
        (after.Uploads - before.Uploads).Should().BeInRange(2, 3, "the second run uploads each file once (a kill between an upload and its record may repeat one PUT of the same key)");
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(host.Dir, "out", "report.json")))!;
        report["status"]!.GetValue<string>().Should().Be("completed");
        report["hosting"]!["kept"]!.GetValue<bool>().Should().BeTrue();
        report["comparison"]!["passed"]!.GetValue<bool>().Should().BeTrue();
    }

    /// <summary>The objects under the data prefix and the provisioned throughputs, listed through our own Bedrock client.</summary>
    private static async Task<(int Objects, int Throughputs)> ListAsync(Uri endpoint)
    {
        var services = new ServiceCollection();
        BedrockCommandLine.AddBedrock(services.AddFineTuning(), endpoint.ToString().TrimEnd('/'), "us-east-1", o => o.UploadS3Uri = $"s3://{BedrockPipelineHost.Bucket}/runs/tickets/data/");
        await using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<IFineTuneProvider>();
        var objects = 0;
        await foreach (var _ in provider.ListFilesAsync())
        {
            objects++;
        }

        var throughputs = 0;
        await foreach (var _ in provider.GetService<BedrockModelManagement>()!.ListProvisionedThroughputsAsync())
        {
            throughputs++;
        }

        return (objects, throughputs);
    }

    private async Task<Scenario> RunScenarioAsync(string name, Func<string, Func<JsonNode, bool>?> killWhen, string extra = "")
    {
        var root = Path.Combine(_dir, name);
        Directory.CreateDirectory(root);
        using var emulator = await ChildProcess.StartEmulatorAsync();
        var pipeline = Path.Combine(root, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, $"""
            name: kill-test
            provider: openai
            endpoint: {emulator.Endpoint}
            baseModel: gpt-4o-mini-2024-07-18
            dataset: {Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl")}
            redact: true
            split: {"{"}validation: 0.1, holdout: 0.15, seed: 7{"}"}
            scorers: [exact, json-valid]
            acceptance: {"{"}disabledRules: [latency-p95]{"}"}
            output: out
            {extra}
            """);

        var kills = 0;
        foreach (var step in Steps)
        {
            if (killWhen(step) is not { } condition)
            {
                continue;
            }

            var run = await ChildProcess.RunPipelineAsync(pipeline, condition);
            if (!run.Killed && run.ExitCode == 0 && Index(step) >= Index("register"))
            {
                // register and report are local file writes of a few milliseconds: the signal sent when their start is
                // read may land after the run has finished. Every step before them takes long enough to be hit.
                continue;
            }

            run.Killed.Should().BeTrue($"{name}: the run should reach the kill point of '{step}' (exit {run.ExitCode}); stderr: {run.Stderr}");
            kills++;
        }

        var final = await ChildProcess.RunPipelineAsync(pipeline, null);
        final.ExitCode.Should().Be(0, $"{name}: the last run completes; stderr: {final.Stderr}");
        final.Events[^1]["event"]!.GetValue<string>().Should().Be("result");

        using var http = new HttpClient();
        using var files = JsonDocument.Parse(await http.GetStringAsync(emulator.Endpoint + "/files?purpose=fine-tune"));
        using var jobs = JsonDocument.Parse(await http.GetStringAsync(emulator.Endpoint + "/fine_tuning/jobs?limit=100"));
        var registry = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "out", "registry.json")))!;
        var candidates = registry["features"]!.AsArray().SelectMany(f => f!["variants"]!.AsArray()).Count(v => v!["name"]!.GetValue<string>().StartsWith("ft-", StringComparison.Ordinal));
        return new Scenario(name, kills, files.RootElement.GetProperty("data").GetArrayLength(), jobs.RootElement.GetProperty("data").GetArrayLength(), candidates,
            Normalize(await File.ReadAllTextAsync(Path.Combine(root, "out", "report.json"))));
    }

    private static string Event(JsonNode e) => e["event"]!.GetValue<string>();

    private static int Index(JsonNode e) => Index(e["step"]!.GetValue<string>());

    private static int Index(string step) => Array.IndexOf(Steps, step);

    /// <summary>The report without what differs between two runs of the same file (ids, hashes of timestamped files, reuse flags).</summary>
    private static string Normalize(string reportJson)
    {
        var report = JsonNode.Parse(reportJson)!.AsObject();
        report.Remove("runId");
        report.Remove("upload");
        var job = report["job"]!.AsObject();
        job.Remove("id");
        job.Remove("idempotencyKey");
        job.Remove("fineTunedModel");
        report["comparison"]!.AsObject().Remove("reportSha256");
        foreach (var entry in report["sweep"]?["jobs"]?.AsArray() ?? [])
        {
            entry!.AsObject().Remove("idempotencyKey");
            var gridJob = entry["job"]!.AsObject();
            gridJob.Remove("id");
            gridJob.Remove("idempotencyKey");
            gridJob.Remove("fineTunedModel");
        }

        report["registration"]!.AsObject().Remove("variant");
        report["registration"]!.AsObject().Remove("store");
        return report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private sealed record Scenario(string Name, int Kills, int Files, int Jobs, int RegisteredCandidates, string Report);
}

/// <summary>Child processes of the <c>finetune</c> tool built next to the tests.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public static string ToolPath => Path.Combine(AppContext.BaseDirectory, "finetune.dll");

    public static async Task<ChildProcess> StartEmulatorAsync()
    {
        var process = Start(["emulate", "openai", "--port", "0", "--speed", "200", "--seed", "1"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the emulator exited: " + await process.StandardError.ReadToEndAsync());
        line.Should().StartWith("Listening on ");
        _ = process.StandardError.ReadToEndAsync();
        return new ChildProcess(process, line["Listening on ".Length..]);
    }

    /// <summary>Runs <c>finetune run FILE --json</c>; kills the process (whole tree) at the first event matching <paramref name="killWhen"/>.</summary>
    public static async Task<PipelineRun> RunPipelineAsync(string pipeline, Func<JsonNode, bool>? killWhen)
    {
        using var process = Start(["run", pipeline, "--json"]);
        var stderr = process.StandardError.ReadToEndAsync();
        var events = new List<JsonNode>();
        var killed = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var e = JsonNode.Parse(line)!;
            events.Add(e);
            if (killWhen?.Invoke(e) == true)
            {
                process.Kill(entireProcessTree: true);
                killed = true;
                break;
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        return new PipelineRun(killed, process.ExitCode, events, await stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static Process Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    internal sealed record PipelineRun(bool Killed, int ExitCode, IReadOnlyList<JsonNode> Events, string Stderr);
}
