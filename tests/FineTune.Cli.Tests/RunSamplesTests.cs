using System.Diagnostics;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

/// <summary>
/// The offline samples of the pipeline work (05-07), run as the README says (<c>dotnet run --project</c>; without a
/// rebuild when the solution build already built them, as in CI), output pinned.
/// </summary>
[Collection(ChildBuilds.Name)]
public sealed class RunSamplesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-samples-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 600_000)]
    public async Task Sample05_Pipeline_RunsTheQuickstartFileFromCSharp()
    {
        var (code, stdout, stderr) = await RunSampleAsync("05-Pipeline", _dir);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("StepCompleted  Validate").And.Contain("StepCompleted  Report")
            .And.Contain("Outcome: Completed; passed: True; registered: True\n")
            .And.Contain("Model: ft:gpt-4o-mini-2024-07-18:emulator:support-triage:");
        File.Exists(Path.Combine(_dir, "report.html")).Should().BeTrue();
        File.Exists(Path.Combine(_dir, "registry.json")).Should().BeTrue();
    }

    [Fact(Timeout = 600_000)]
    public async Task Sample06_CostEstimate_PricesTheDatasetAndChecksTheCap()
    {
        var (code, stdout, stderr) = await RunSampleAsync("06-CostEstimate");

        code.Should().Be(0, stderr);
        stdout.Should().Contain("support-tickets.jsonl: 70 examples, 9,561 billed tokens (o200k_base), 0 errors\n")
            .And.Contain("  gpt-4o-mini-2024-07-18    auto=3 epochs     28,683 tokens  $  0.1033  within the $0.50 cap\n")
            .And.Contain("  gpt-4o-2024-08-06         auto=3 epochs     28,683 tokens  $  0.8605  OVER the $0.50 cap\n")
            .And.Contain("  Billed tokens           28,683\n");
    }

    [Fact(Timeout = 600_000)]
    public async Task Sample07_EvalCompare_CustomScorerAndPolicyPass()
    {
        var (code, stdout, stderr) = await RunSampleAsync("07-EvalCompare", _dir);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("Golden set: 30 cases, 0 findings\n")
            .And.Contain("intent: base 40.0 % -> candidate 96.7 % (18 improved, 1 regressed)\n")
            .And.Contain("  pass  exact-match-lift: +70.0 points (26.7% -> 96.7%)\n")
            .And.Contain("  pass  bucket-drop: worst -16.7 points in 'refund_request'\n")
            .And.Contain("PASS\n");
        File.Exists(Path.Combine(_dir, "compare.html")).Should().BeTrue();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunSampleAsync(string sample, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var built = Directory.Exists(Path.Combine(RepoPaths.Root, "samples", sample, "bin", "Debug", "net10.0"));
        foreach (var arg in new[] { "run", "--project", Path.Combine("samples", sample) }.Concat(built ? ["--no-build"] : []).Append("--").Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout).Replace("\r\n", "\n", StringComparison.Ordinal), await stderr);
    }
}

/// <summary>Tests that start <c>dotnet build</c> or <c>dotnet run</c> run one at a time (two builds of one project at once collide).</summary>
[CollectionDefinition(Name)]
public sealed class ChildBuilds
{
    public const string Name = "child dotnet builds";
}
