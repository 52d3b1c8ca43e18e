using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Sdk.Testing;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>Ctrl+C on <c>finetune run</c> with the embedded emulator: a clean stop that says how to resume, then a resume on the same job.</summary>
public sealed class RunInterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-sigint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 300_000)]
    public async Task Run_CtrlCWhileTraining_StopsCleanlyAndTheRerunFinishesTheSameJob()
    {
        var pipeline = Path.Combine(_dir, "finetune.yaml");
        await File.WriteAllTextAsync(pipeline, $"""
            provider: emulator
            baseModel: gpt-4o-mini-2024-07-18
            dataset: {Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl")}
            acceptance: {"{"}disabledRules: [latency-p95]{"}"}
            output: out
            """);

        // Slow enough (about 15 s of training) that the interrupt lands while the job runs.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { ChildProcess.ToolPath, "run", pipeline, "--json", "--speed", "10" })
        {
            start.ArgumentList.Add(arg);
        }

        string? jobId = null;
        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var e = JsonNode.Parse(line)!;
                if (e["event"]!.GetValue<string>() == "metric")
                {
                    using var interrupt = Process.Start("kill", [InterruptSignal(), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                    await interrupt.WaitForExitAsync(timeout.Token);
                    break;
                }
            }

            _ = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(RunCommand.Interrupted, await stderr);
            (await stderr).Should().Contain("Stopped. The run state is saved; resume with: finetune run " + pipeline);
            using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir, "out", "run-state.json")));
            state.RootElement.GetProperty("completedSteps").EnumerateArray().Select(s => s.GetString()).Should().Equal("validate", "redact", "split", "estimate", "upload", "start");
            jobId = state.RootElement.GetProperty("job").GetProperty("id").GetString();
        }

        var rerun = await ChildProcess.RunPipelineAsync(pipeline, null);

        rerun.ExitCode.Should().Be(0, rerun.Stderr);
        rerun.Events[^1]["jobId"]!.GetValue<string>().Should().Be(jobId);
        rerun.Events.Count(e => e["event"]!.GetValue<string>() == "step-skipped").Should().Be(6);
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { StatePath = Path.Combine(_dir, "out", "emulator-state.json") });
        using var http = new HttpClient(emulator.CreateHttpMessageHandler());
        using var jobs = JsonDocument.Parse(await http.GetStringAsync(OpenAIEmulator.InProcessEndpoint + "/fine_tuning/jobs"));
        jobs.RootElement.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).Should().Equal(jobId);
        using var files = JsonDocument.Parse(await http.GetStringAsync(OpenAIEmulator.InProcessEndpoint + "/files?purpose=fine-tune"));
        files.RootElement.GetProperty("data").GetArrayLength().Should().Be(2);
    }

    /// <summary>
    /// SIGINT, unless this process ignores it: a shell without job control starts background jobs with SIGINT ignored, the
    /// child inherits that (POSIX), and .NET then leaves it ignored. The command stops the same way on SIGTERM, so the test
    /// sends that instead (a CI runner started as a background job must not fail this test for its own signal mask).
    /// </summary>
    private static string InterruptSignal()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var ignored = line is not null && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var mask) && (mask & 0x2) != 0;
        return ignored ? "-TERM" : "-INT";
    }
}
