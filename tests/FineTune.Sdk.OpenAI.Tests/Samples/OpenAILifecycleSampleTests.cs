namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAILifecycleSampleTests
{
    [Fact]
    public void Sample02_Offline_RunsTheWholeLifecycleAndExitsZero()
    {
        var entryPoint = typeof(Program).Assembly.EntryPoint!;
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        object? exitCode;
        try
        {
            exitCode = entryPoint.Invoke(null, [new[] { "--offline" }]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        exitCode.Should().Be(0);

        // The sample's emulator is seeded (RandomSeed 1), so ids, counts and answers are fixed; its status lines depend on
        // real-time polling (Speed 50), so only the final one is pinned.
        var text = output.ToString();
        text.Should().Contain("  status -> succeeded\n");
        text.Should().Contain("Model ft:gpt-4o-mini-2024-07-18:emulator:tickets:O2dSHHWd: 1809 trained tokens, 3 epochs, ");
        text.Should().Contain("  checkpoint step 36: ft:gpt-4o-mini-2024-07-18:emulator:tickets:O2dSHHWd (train loss 0.083)\n")
            .And.Contain("  checkpoint step 24: ").And.Contain("  checkpoint step 12: ");
        text.Should().Contain("  metrics: 36 steps, train loss 1.76 -> 0.083\n");
        text.Should().Contain("  ft:gpt-4o-mini-2024-07-18:emulator:tickets:O2dSHHWd: {\"label\":\"technical\"}  (41 in / 5 out, ");
        text.Should().Contain("No retirement date is published for its base model yet.");
    }
}
