using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class ContradictionGateTests
{
    [Fact]
    public void Observe_SameInputDifferentAnswer_ReportsLaterLineWithFirstLine()
    {
        var findings = Run(new ContradictionGate(new RowFingerprints()),
            Chat("Is the store open on Sunday?", "Yes, from 10 to 4."),
            Chat("Where are you located?", "Main Street 5."),
            Chat("is the store  OPEN on sunday?", "yes, from 10 to 4."),
            Chat("Is the store open on Sunday?", "No, we are closed on Sundays."));

        var found = findings.Findings.Where(f => f.Code == ContradictionGate.Code).ToList();
        found.Select(f => f.Line).Should().Equal(4);
        found[0].Message.Should().Contain("line 1");
        found[0].Path.Should().Be("$.messages[2].content");
        found[0].Message.Should().NotContain("Sunday");
    }

    [Fact]
    public void Observe_SameUserDifferentSystemPrompt_IsNotAContradiction()
    {
        var findings = Run(new ContradictionGate(new RowFingerprints()),
            Chat("Translate: hello", "Bonjour", system: "Translate to French."),
            Chat("Translate: hello", "Hola", system: "Translate to Spanish."));

        findings.Findings.Should().BeEmpty();
    }

    [Fact]
    public void Observe_PastMaxTrackedInputs_ReportsContradictionsOfUntrackedInputsWithoutLine()
    {
        var findings = Run(new ContradictionGate(new RowFingerprints(), new ContradictionGateOptions { MaxTrackedInputs = 1 }),
            Chat("Is the store open on Sunday?", "Yes."),
            Chat("Where are you located?", "Main Street 5."),
            Chat("Where are you located?", "Main Street 5."),
            Chat("Where are you located?", "Harbour Road 2."),
            Chat("Is the store open on Sunday?", "No."));

        var found = findings.Findings.Where(f => f.Code == ContradictionGate.Code).ToList();
        found.Select(f => f.Line).Should().Equal(4, 5);
        found[0].Message.Should().Contain("as an earlier row");
        found[1].Message.Should().Contain("as line 1", "inputs first seen within the table keep their line");
    }
}
