using System.Globalization;
using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class ClassBalanceGateTests
{
    private static string[] Labeled(params (string Label, int Count)[] classes) =>
        classes.SelectMany(c => Enumerable.Range(0, c.Count).Select(i => Chat(string.Create(CultureInfo.InvariantCulture, $"message {c.Label} {i}"), $"{{\"intent\": \"{c.Label}\", \"confidence\": 0.9}}"))).ToArray();

    [Fact]
    public void Complete_JsonLabelField_ReportsPerClassCountsAndMinority()
    {
        var findings = Run(new ClassBalanceGate(new ClassBalanceGateOptions()), Labeled(("refund", 60), ("shipping", 38), ("fraud", 2)));

        var counts = findings.Findings.Single(f => f.Code == ClassBalanceGate.CountsCode);
        counts.Severity.Should().Be(FindingSeverity.Info);
        counts.Line.Should().Be(0);
        counts.AdditionalProperties!["classes"].Should().BeEquivalentTo(new Dictionary<string, long> { ["refund"] = 60, ["shipping"] = 38, ["fraud"] = 2 });
        var minority = findings.Findings.Single(f => f.Code == ClassBalanceGate.MinorityCode);
        minority.Severity.Should().Be(FindingSeverity.Warning);
        minority.AdditionalProperties!["class"].Should().Be("fraud");
        minority.Message.Should().Contain("2 of 100").And.NotContain("fraud");
    }

    [Fact]
    public void Complete_PlainShortLabelsWithConfiguredField_CountsThem()
    {
        var options = new ClassBalanceGateOptions { MinClassShare = 0.25 };
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"text {i}", i < 8 ? "positive" : "Negative")).ToArray();

        var findings = Run(new ClassBalanceGate(options), rows);

        findings.Findings.Where(f => f.Code == ClassBalanceGate.MinorityCode).Should().ContainSingle()
            .Which.AdditionalProperties!["class"].Should().Be("negative");
    }

    [Fact]
    public void Complete_FreeTextAnswers_ReportsNothing()
    {
        var rows = Enumerable.Range(0, 20).Select(i => Chat($"question {i}", $"A long, free-text answer number {i} that explains things in detail.")).ToArray();

        Run(new ClassBalanceGate(new ClassBalanceGateOptions()), rows).Findings.Should().BeEmpty();
    }

    [Fact]
    public void Complete_BalancedClasses_ReportsOnlyCounts()
    {
        var findings = Run(new ClassBalanceGate(new ClassBalanceGateOptions()), Labeled(("a", 10), ("b", 10)));

        findings.Findings.Select(f => f.Code).Should().Equal(ClassBalanceGate.CountsCode);
    }
}
