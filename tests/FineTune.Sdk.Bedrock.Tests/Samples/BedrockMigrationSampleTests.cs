namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockMigrationSampleTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("bedrock-compare-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Sample04_Offline_MigratesTrainsAndTheAcceptancePolicyAcceptsTheCustomModel()
    {
        var entryPoint = typeof(Program).Assembly.EntryPoint!;

        var exitCode = entryPoint.Invoke(null, [new[] { "--offline", "--out", _out }]);

        exitCode.Should().Be(0);
        var report = ComparisonReportWriter.FromJson(File.ReadAllText(Path.Combine(_out, "compare.json")));
        report.Decision.Passed.Should().BeTrue();
        report.Baseline.ModelId.Should().Be("amazon.nova-micro-v1:0");
        report.Candidate.ModelId.Should().StartWith("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/");
        var exact = report.Scorers.Single(s => s.Scorer == "exact");
        exact.CandidatePassRate.Should().Be(1.0, "the custom model answers its trained prompts exactly");
        exact.BaselinePassRate.Should().BeLessThan(1.0, "the base model is right on about 60 % of known prompts");
        report.PairedCases.Should().Be(exact.Cases);
        File.Exists(Path.Combine(_out, "compare.md")).Should().BeTrue();
        File.Exists(Path.Combine(_out, "compare.html")).Should().BeTrue();
    }
}
