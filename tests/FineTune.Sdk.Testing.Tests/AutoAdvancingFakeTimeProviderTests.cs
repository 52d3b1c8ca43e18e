namespace FineTune.Sdk.Testing.Tests;

public sealed class AutoAdvancingFakeTimeProviderTests
{
    [Fact]
    public void NewInstance_StartsAtDocumentedInstantWithAutoAdvanceOn()
    {
        var clock = new AutoAdvancingFakeTimeProvider();
        clock.GetUtcNow().Should().Be(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        clock.Start.Should().Be(clock.GetUtcNow());
        clock.AutoAdvance.Should().BeTrue();
        clock.ScheduledDelays.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvance_TaskDelay_CompletesAndMovesTheClockByTheDelay()
    {
        var clock = new AutoAdvancingFakeTimeProvider();

        await Task.Delay(TimeSpan.FromMinutes(5), clock);
        await Task.Delay(TimeSpan.FromMinutes(3), clock);

        clock.GetUtcNow().Should().Be(clock.Start.AddMinutes(8));
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(3));
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvanceOff_TaskDelay_IsRecordedAndCompletesOnlyWhenTheClockPassesItsDueTime()
    {
        var clock = new AutoAdvancingFakeTimeProvider { AutoAdvance = false };
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(9));
        delay.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        await delay;
        clock.GetUtcNow().Should().Be(clock.Start.AddSeconds(10));
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvance_PeriodicTimer_FirstTickArrivesAtOnce()
    {
        var clock = new AutoAdvancingFakeTimeProvider();
        using var periodic = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);

        (await periodic.WaitForNextTickAsync()).Should().BeTrue();

        clock.GetUtcNow().Should().Be(clock.Start.AddSeconds(30));
    }

    [Fact]
    public void DisposedTimer_NeverFires()
    {
        var clock = new AutoAdvancingFakeTimeProvider { AutoAdvance = false };
        var count = 0;
        var timer = clock.CreateTimer(_ => Interlocked.Increment(ref count), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Dispose();

        clock.Advance(TimeSpan.FromSeconds(10));

        count.Should().Be(0);
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(1));
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvance_PollingLoopAgainstTheEmulator_ReachesSucceededInSimulatedTime()
    {
        var clock = new AutoAdvancingFakeTimeProvider();
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 5 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var file = (await client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(file);

        var polls = 0;
        string status;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(5), clock);
            status = (await client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString()!;
            polls++;
        }
        while (status is not ("succeeded" or "failed" or "cancelled") && polls < 1000);

        status.Should().Be("succeeded");
        polls.Should().Be(24, "10 s validating + 10 s queued + 96 one-second steps = 116 s, polled every 5 s");
        (clock.GetUtcNow() - clock.Start).Should().Be(TimeSpan.FromSeconds(120));
    }
}
