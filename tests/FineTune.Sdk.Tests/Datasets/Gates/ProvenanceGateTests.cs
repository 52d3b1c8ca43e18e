using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class ProvenanceGateTests
{
    [Fact]
    public void Observe_UnknownSource_ReportsTheLineAndPath()
    {
        var findings = Run(new ProvenanceGate(new ProvenanceGateOptions()),
            Chat("a", "b", source: "human"),
            Chat("c", "d", source: "scraped"),
            Chat("e", "f"));

        var finding = findings.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(ProvenanceGate.UnknownCode);
        finding.Line.Should().Be(2);
        finding.Path.Should().Be("$.metadata.source");
        finding.Message.Should().NotContain("scraped");
    }

    [Fact]
    public void Complete_SyntheticShareAboveCap_IsAnErrorByDefault()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", "a", source: i < 4 ? "synthetic" : i < 8 ? "human" : "prod_sample")).ToArray();

        var findings = Run(new ProvenanceGate(new ProvenanceGateOptions()), rows);

        var finding = findings.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(ProvenanceGate.SyntheticCode);
        finding.Severity.Should().Be(FindingSeverity.Error);
        finding.Message.Should().Contain("40.0%").And.Contain("4 of 10");
    }

    [Fact]
    public void Complete_SyntheticShareAtCapOrConfiguredAsWarning_Behaves()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", "a", source: i < 3 ? "synthetic" : "human")).ToArray();
        Run(new ProvenanceGate(new ProvenanceGateOptions()), rows).Findings.Should().BeEmpty("30% is at the cap, not above it");

        var options = new ProvenanceGateOptions { MaxSyntheticShare = 0.2, SyntheticShareSeverity = FindingSeverity.Warning };
        Run(new ProvenanceGate(options), rows).Findings.Should().ContainSingle().Which.Severity.Should().Be(FindingSeverity.Warning);
    }
}
