using System.Diagnostics;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>The README's first command, exactly as written there, as a child process from the repository root.</summary>
[Collection(ChildBuilds.Name)]
public sealed class QuickstartTests
{
    private const string Command = "dotnet run --project src/FineTune.Cli -- run samples/quickstart/finetune.yaml";

    [Fact(Timeout = 600_000)]
    public async Task ReadmeFirstCommand_OfflineUnderAMinute_ExitsZeroWritesTheReportAndRegistersTheCandidate()
    {
        (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md"))).Should().Contain("    " + Command + "\n", "the README shows this command first");
        var output = Path.Combine(RepoPaths.Root, "artifacts", "quickstart");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        // Build first (a fresh clone builds once); the minute is the run's own.
        await RunAsync("dotnet build src/FineTune.Cli --nologo -v q", TimeSpan.FromMinutes(8));
        var started = Stopwatch.StartNew();
        var (code, stdout, stderr) = await RunAsync(Command, TimeSpan.FromMinutes(3), environment: new() { ["OPENAI_API_KEY"] = null });
        started.Stop();

        code.Should().Be(0, stderr);
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the README promises the whole lifecycle in under a minute on two cores");
        var report = Path.Combine(output, "report.html");
        stdout.Should().Contain("Report: " + report);
        File.Exists(report).Should().BeTrue();
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(output, "report.json")));
        json.RootElement.GetProperty("status").GetString().Should().Be("completed");
        var comparison = json.RootElement.GetProperty("comparison");
        comparison.GetProperty("passed").GetBoolean().Should().BeTrue();
        comparison.GetProperty("goldenSet").GetString().Should().Be("holdout.jsonl", "the golden set is the holdout split, never trained on");
        comparison.GetProperty("cases").GetInt32().Should().Be(14);
        comparison.GetProperty("baselinePassRate").GetDouble().Should().Be(0);
        comparison.GetProperty("candidatePassRate").GetDouble().Should().Be(3 / 14.0);
        comparison.GetProperty("rules").EnumerateArray().Select(r => (r.GetProperty("rule").GetString(), r.GetProperty("passed").GetBoolean(), r.GetProperty("figure").GetString()))
            .Should().Equal(("exact-match-lift", true, "+21.4 points (0.0% -> 21.4%)"), ("json-valid-rate", true, "0.0% -> 100.0%"), ("bucket-drop", true, "worst +21.4 points in '(all)'"), ("regression-rate", true, "0 of 14 (0.0%)"));
        json.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).Should().NotContain(w => w!.Contains("FT3006"), "no golden case leaks from the training split");
        using var registry = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(output, "registry.json")));
        var feature = registry.RootElement.GetProperty("features").EnumerateArray().Single();
        feature.GetProperty("name").GetString().Should().Be("support-triage");
        feature.GetProperty("defaultVariant").GetString().Should().Be("base", "registering never promotes the candidate");
        var candidate = feature.GetProperty("variants").EnumerateArray().Single(v => v.GetProperty("name").GetString()!.StartsWith("ft-", StringComparison.Ordinal));
        candidate.GetProperty("status").GetString().Should().Be("Registered");
        candidate.GetProperty("modelId").GetString().Should().StartWith("ft:gpt-4o-mini-2024-07-18:emulator:support-triage:");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string commandLine, TimeSpan timeout, Dictionary<string, string?>? environment = null)
    {
        var parts = commandLine.Split(' ');
        var start = new ProcessStartInfo(parts[0]) { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var part in parts.Skip(1))
        {
            start.ArgumentList.Add(part);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{commandLine}' did not finish in {timeout}; stdout: {await stdout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
