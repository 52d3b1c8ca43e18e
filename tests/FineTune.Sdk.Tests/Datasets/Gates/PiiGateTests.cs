using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class PiiGateTests
{
    [Fact]
    public void Observe_PiiAndSecrets_ReportKindCodeLineAndPathButNeverTheValue()
    {
        var findings = Run(new PiiGate(new PiiGateOptions()),
            Chat("What is the weather?", "Sunny."),
            Chat("Email me at jane@example.com or jane@example.org", "Will do."),
            """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"call","arguments":"{\"key\":\"sk-abcdefghijklmnopqrstuvwxyz123456\"}"}}]}]}""");

        var email = findings.Findings.Single(f => f.Code == "FT1160");
        email.Line.Should().Be(2);
        email.Path.Should().Be("$.messages[1].content");
        email.Severity.Should().Be(FindingSeverity.Warning);
        email.Message.Should().Contain("2 values, each an email address").And.NotContain("jane");
        var key = findings.Findings.Single(f => f.Code == "FT1166");
        key.Line.Should().Be(3);
        key.Path.Should().Be("$.messages[1].tool_calls[0].function.arguments");
        key.Severity.Should().Be(FindingSeverity.Error);
        key.Message.Should().NotContain("sk-");
    }

    [Fact]
    public void Observe_IpDetectionDisabled_SkipsIps()
    {
        var findings = Run(new PiiGate(new PiiGateOptions { DetectIpAddresses = false }), Chat("host 10.1.2.3 is slow", "Restart it."));

        findings.Findings.Should().BeEmpty();
    }
}
