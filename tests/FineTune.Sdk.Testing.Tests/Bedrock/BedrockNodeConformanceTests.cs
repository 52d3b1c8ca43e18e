using System.Text.Json;
using Xunit.Abstractions;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// The official AWS SDK for JavaScript v3 clients (@aws-sdk/client-s3, client-bedrock, client-bedrock-runtime, pinned
/// in Conformance/bedrock-conformance/package-lock.json) drive the loopback emulator through upload → create → get →
/// list → stop → completed → custom model → provisioned throughput → deployment → Converse/ConverseStream, and a wrong
/// secret key is refused. In CI (CI=true) a missing node/npm fails the test; locally it is reported and the test returns.
/// </summary>
public sealed class BedrockNodeConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OfficialAwsJsClients_FullLifecycle_AllChecksPass()
    {
        var node = NodeConformanceTests.FindExecutable("node");
        var npm = NodeConformanceTests.FindExecutable(OperatingSystem.IsWindows() ? "npm.cmd" : "npm");
        if (node is null || npm is null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("node and npm are required for the Bedrock conformance run in CI (CI=true), but were not found on PATH.");
            }

            output.WriteLine("SKIPPED: node/npm not found on PATH (the conformance run is mandatory only when CI=true).");
            return;
        }

        var workDir = await NodeConformanceTests.PrepareAsync(npm, Path.Combine("Conformance", "bedrock-conformance"), "conformance-node-bedrock");
        await using var emulator = new BedrockEmulator(new BedrockEmulatorOptions { Speed = 10, MaxClockSkew = TimeSpan.FromMinutes(5) });
        var endpoint = await emulator.StartAsync();

        var (exitCode, stdout, stderr) = await NodeConformanceTests.RunAsync(node, workDir, TimeSpan.FromMinutes(3), "bedrock-conformance.mjs", endpoint.ToString().TrimEnd('/'));
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        var summaryLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "{}";
        using var summary = JsonDocument.Parse(summaryLine);
        var failures = summary.RootElement.TryGetProperty("failures", out var f) ? f.EnumerateArray().Select(x => x.GetString()).ToList() : ["no summary"];
        failures.Should().BeEmpty();
        summary.RootElement.GetProperty("ok").GetBoolean().Should().BeTrue();
        summary.RootElement.GetProperty("checks").GetInt32().Should().BeGreaterThanOrEqualTo(80);
        exitCode.Should().Be(0, stderr);
        emulator.GetRequestLog().Should().Contain(line => line.StartsWith("POST /model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aprovisioned-model%2F", StringComparison.Ordinal));
    }
}
