using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// The official npm <c>openai</c> client (pinned in package-lock.json) drives the loopback emulator through the whole
/// lifecycle. If the official client accepts our answers, the emulator speaks OpenAI. In CI (CI=true) a missing
/// node/npm fails the test; locally it is reported and the test returns.
/// </summary>
public sealed class NodeConformanceTests(ITestOutputHelper output)
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    [Fact]
    public async Task OfficialNodeClient_FullLifecycle_AllChecksPass()
    {
        var node = FindExecutable("node");
        var npm = FindExecutable(OperatingSystem.IsWindows() ? "npm.cmd" : "npm");
        if (node is null || npm is null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("node and npm are required for the OpenAI conformance run in CI (CI=true), but were not found on PATH.");
            }

            output.WriteLine("SKIPPED: node/npm not found on PATH (the conformance run is mandatory only when CI=true).");
            return;
        }

        var workDir = await PrepareAsync(npm);
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 200 });
        var baseUrl = await emulator.StartAsync();

        var (exitCode, stdout, stderr) = await RunAsync(node, workDir, TimeSpan.FromMinutes(3), "openai-conformance.mjs", baseUrl.ToString());
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        var summaryLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "{}";
        using var summary = JsonDocument.Parse(summaryLine);
        var failures = summary.RootElement.TryGetProperty("failures", out var f) ? f.EnumerateArray().Select(x => x.GetString()).ToList() : ["no summary"];
        failures.Should().BeEmpty();
        summary.RootElement.GetProperty("ok").GetBoolean().Should().BeTrue();
        summary.RootElement.GetProperty("checks").GetInt32().Should().BeGreaterThanOrEqualTo(52);
        exitCode.Should().Be(0, stderr);
    }

    /// <summary>Copies the script and lock file to the output folder and runs <c>npm ci</c> once per lock-file content.</summary>
    /// <param name="npm">The npm executable.</param>
    /// <param name="sourceFolder">The folder below the output directory holding package.json, package-lock.json and the scripts.</param>
    /// <param name="workFolder">The folder below the output directory to install into.</param>
    internal static async Task<string> PrepareAsync(string npm, string sourceFolder = "Conformance", string workFolder = "conformance-node")
    {
        var source = Path.Combine(AppContext.BaseDirectory, sourceFolder);
        var workDir = Path.Combine(AppContext.BaseDirectory, workFolder);
        await InstallGate.WaitAsync();
        try
        {
            Directory.CreateDirectory(workDir);
            foreach (var file in Directory.EnumerateFiles(source).Where(p => p.EndsWith(".json", StringComparison.Ordinal) || p.EndsWith(".mjs", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(workDir, Path.GetFileName(file)), overwrite: true);
            }

            var lockHash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(workDir, "package-lock.json"))));
            var stamp = Path.Combine(workDir, "node_modules", ".finetune-installed");
            if (File.Exists(stamp) && File.ReadAllText(stamp) == lockHash)
            {
                return workDir;
            }

            using (var crossProcess = await AcquireFileLockAsync(Path.Combine(workDir, ".npm-ci.lock")))
            {
                if (!(File.Exists(stamp) && File.ReadAllText(stamp) == lockHash))
                {
                    var (exitCode, stdout, stderr) = await RunAsync(npm, workDir, TimeSpan.FromMinutes(5), "ci", "--ignore-scripts", "--no-audit", "--no-fund");
                    exitCode.Should().Be(0, $"npm ci must succeed.\n{stdout}\n{stderr}");
                    File.WriteAllText(stamp, lockHash);
                }
            }

            return workDir;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(500);
            }
        }
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, string workDir, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
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
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', args)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    internal static string? FindExecutable(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
