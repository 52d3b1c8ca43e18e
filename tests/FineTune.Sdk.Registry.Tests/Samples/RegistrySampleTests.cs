namespace FineTune.Sdk.Registry.Tests.Samples;

public sealed class RegistrySampleTests
{
    [Fact]
    public void Sample03_Offline_RegistersPromotesRollsOutRollsBackAndPrintsHistory()
    {
        var entryPoint = typeof(Program).Assembly.EntryPoint!;
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        object? exitCode;
        try
        {
            exitCode = entryPoint.Invoke(null, [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        exitCode.Should().Be(0);

        // The emulator is seeded (RandomSeed 1) and the sample prints no times or paths, so the whole output is fixed.
        output.ToString().Should().Be("""
            Trained ft:gpt-4o-mini-2024-07-18:emulator:tickets:O2dSHHWd (job ftjob-XxKxTz2isrA9x1DfgQ9qXapp)
            Manifest: support-tickets.jsonl 1.0.0, 70 rows, sha256 8cf493617ec3...
            Comparison: PASS, json 57% -> 100% on 70 cases
            Rollout 10%: 1027 of 10000 keys resolve to ft:gpt-4o-mini-2024-07-18:emulator:tickets:O2dSHHWd
            Rolled back: 0 keys resolve to it; customer-42 gets gpt-4o-mini-2024-07-18
            History:
              v1 alice register base: baseline
              v2 alice register ft-tickets [support-tickets.jsonl 1.0.0, job ftjob-XxKxTz2isrA9x1DfgQ9qXapp]: trained on support-tickets 1.0.0
              v3 bob promote ft-tickets: comparison passed
              v4 bob rollout ft-tickets: canary
              v5 bob rollback -: rollback drill

            """.ReplaceLineEndings("\n"));
    }
}
