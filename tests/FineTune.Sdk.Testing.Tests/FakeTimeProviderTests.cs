namespace FineTune.Sdk.Testing.Tests;

public sealed class FakeTimeProviderTests
{
    [Fact]
    public void GetUtcNow_NewInstance_StartsAtDocumentedInstant()
    {
        var clock = new FakeTimeProvider();
        clock.GetUtcNow().Should().Be(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        clock.Start.Should().Be(clock.GetUtcNow());
    }

    [Fact]
    public void Advance_MovesUtcNowAndTimestamp()
    {
        var clock = new FakeTimeProvider();
        var before = clock.GetTimestamp();
        clock.Advance(TimeSpan.FromMinutes(3));
        clock.GetUtcNow().Should().Be(clock.Start.AddMinutes(3));
        clock.GetElapsedTime(before).Should().Be(TimeSpan.FromMinutes(3));
    }

    [Fact]
    public void Advance_Negative_Throws()
    {
        var clock = new FakeTimeProvider();
        var act = () => clock.Advance(TimeSpan.FromSeconds(-1));
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void SetUtcNow_Backwards_ThrowsNamingTheCurrentTime()
    {
        var clock = new FakeTimeProvider();
        var act = () => clock.SetUtcNow(clock.Start.AddSeconds(-1));
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*cannot move backwards*");
    }

    [Fact(Timeout = 30_000)]
    public async Task TaskDelay_CompletesOnlyWhenTheClockPassesItsDueTime()
    {
        var clock = new FakeTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);
        clock.PendingTimerCount.Should().Be(1);

        clock.Advance(TimeSpan.FromSeconds(9));
        delay.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        await delay;
        clock.PendingTimerCount.Should().Be(0);
    }

    [Fact]
    public void CreateTimer_FiresInDueOrderWithTheClockAtEachDueTime()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(10));

        fired.Should().Equal(("early", clock.Start.AddSeconds(2)), ("late", clock.Start.AddSeconds(5)));
        clock.GetUtcNow().Should().Be(clock.Start.AddSeconds(10));
    }

    [Fact]
    public void CreateTimer_Periodic_FiresOncePerPeriodPassed()
    {
        var clock = new FakeTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(3.5));

        count.Should().Be(3);
    }

    [Fact]
    public void Timer_ChangeAndDispose_StopFiring()
    {
        var clock = new FakeTimeProvider();
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(2));
        count.Should().Be(0);

        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(10));
        count.Should().Be(0);
        timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan).Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task PeriodicTimer_TicksAsTheClockAdvances()
    {
        var clock = new FakeTimeProvider();
        using var periodic = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);
        var tick = periodic.WaitForNextTickAsync().AsTask();
        tick.IsCompleted.Should().BeFalse();

        clock.Advance(TimeSpan.FromSeconds(30));

        (await tick).Should().BeTrue();
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvance_TaskDelay_CompletesAndMovesTheClockByTheDelay()
    {
        var clock = new FakeTimeProvider { AutoAdvance = true };

        await Task.Delay(TimeSpan.FromMinutes(5), clock);
        await Task.Delay(TimeSpan.FromMinutes(5), clock);

        clock.GetUtcNow().Should().Be(clock.Start.AddMinutes(10));
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvance_PollingLoopAgainstTheEmulator_ReachesSucceededInSimulatedTime()
    {
        var clock = new FakeTimeProvider { AutoAdvance = true };
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
