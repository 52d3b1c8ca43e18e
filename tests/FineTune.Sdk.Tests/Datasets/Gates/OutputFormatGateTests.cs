using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class OutputFormatGateTests
{
    [Fact]
    public void Complete_MostAnswersJson_NamesTheLinesThatAreNot()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", i switch
        {
            2 => "Sorry, I cannot do that.",
            6 => "{\"status\": \"ok\"",
            _ => $"{{\"status\": \"ok\", \"n\": {i}}}",
        })).ToArray();

        var findings = Run(new OutputFormatGate(new OutputFormatGateOptions()), rows);

        var found = findings.Findings.Where(f => f.Code == OutputFormatGate.Code).ToList();
        found.Select(f => f.Line).Should().Equal(3, 7);
        found.Should().OnlyContain(f => f.Path == "$.messages[2].content" && f.Message.Contains("80.0%"));
    }

    [Fact]
    public void Complete_MostlyPlainText_ReportsNothing()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Chat($"q{i}", i == 0 ? "{\"a\":1}" : "plain text")).ToArray();

        Run(new OutputFormatGate(new OutputFormatGateOptions()), rows).Findings.Should().BeEmpty();
    }

    [Fact]
    public void Complete_MostAnswersToolCalls_DoesNotFlagTheTextAnswers()
    {
        const string call = """{"messages":[{"role":"user","content":"find ORD-1234"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"find","arguments":"{}"}}]}]}""";
        var rows = Enumerable.Range(0, 10).Select(i => i < 8 ? call : Chat($"q{i}", "Plain text answer.")).ToArray();

        Run(new OutputFormatGate(new OutputFormatGateOptions()), rows).Findings.Should().BeEmpty();
    }
}
