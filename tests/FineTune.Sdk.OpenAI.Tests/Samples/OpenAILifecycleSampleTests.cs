namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAILifecycleSampleTests
{
    [Fact]
    public void Sample02_Offline_RunsTheWholeLifecycleAndExitsZero()
    {
        var entryPoint = typeof(Program).Assembly.EntryPoint!;

        var exitCode = entryPoint.Invoke(null, [new[] { "--offline" }]);

        exitCode.Should().Be(0);
    }
}
