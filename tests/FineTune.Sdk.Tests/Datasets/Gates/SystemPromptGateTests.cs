using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class SystemPromptGateTests
{
    [Fact]
    public void Complete_MoreDistinctPromptsThanAllowed_WarnsOnceForTheFile()
    {
        var options = new SystemPromptGateOptions { MaxDistinctPrompts = 2 };
        var findings = Run(new SystemPromptGate(options, new RowFingerprints()),
            Chat("a", "b", system: "Prompt one."),
            Chat("c", "d", system: "prompt   ONE."),
            Chat("e", "f", system: "Prompt two."),
            Chat("g", "h", system: "Prompt three."));

        var finding = findings.Findings.Should().ContainSingle(f => f.Code == SystemPromptGate.DistinctCode).Subject;
        finding.Line.Should().Be(0);
        finding.Message.Should().Contain("3 distinct system prompts");
    }

    [Fact]
    public void Complete_RowsMissingThePromptMostHave_NamesTheirLines()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", "a", system: i is 3 or 7 ? null : "You are terse.")).ToArray();

        var findings = Run(new SystemPromptGate(new SystemPromptGateOptions { MissingPromptMajority = 0.8 }, new RowFingerprints()), rows);

        findings.Findings.Where(f => f.Code == SystemPromptGate.MissingCode).Select(f => f.Line).Should().Equal(4, 8);
    }

    [Fact]
    public void Complete_HalfTheRowsWithoutPrompt_IsNotFlagged()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", "a", system: i % 2 == 0 ? null : "You are terse.")).ToArray();

        Run(new SystemPromptGate(new SystemPromptGateOptions(), new RowFingerprints()), rows).Findings.Should().BeEmpty();
    }
}
