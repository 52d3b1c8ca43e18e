namespace FineTune.Sdk.Tests;

public sealed class FineTuneJobStatusTests
{
    [Fact]
    public void Equals_DifferentCase_AreEqual()
    {
        new FineTuneJobStatus("RUNNING").Should().Be(FineTuneJobStatus.Running);
        (new FineTuneJobStatus("Paused") == FineTuneJobStatus.Paused).Should().BeTrue();
        new FineTuneJobStatus("RUNNING").GetHashCode().Should().Be(FineTuneJobStatus.Running.GetHashCode());
    }

    [Theory]
    [InlineData("succeeded", true)]
    [InlineData("failed", true)]
    [InlineData("cancelled", true)]
    [InlineData("paused", false)]
    [InlineData("validating", false)]
    [InlineData("something_new", false)]
    public void IsTerminal_KnownAndUnknownValues(string value, bool terminal)
        => new FineTuneJobStatus(value).IsTerminal.Should().Be(terminal);

    [Fact]
    public void Method_OpenSet_KeepsUnknownValues()
    {
        var method = new FineTuneMethod("reinforcement");

        method.Value.Should().Be("reinforcement");
        method.Should().NotBe(FineTuneMethod.Supervised);
        new FineTuneMethod("DPO").Should().Be(FineTuneMethod.Dpo);
        default(FineTuneMethod).Should().Be(FineTuneMethod.Supervised);
    }
}
