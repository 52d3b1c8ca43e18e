using FineTune.Sdk.Testing;
namespace FineTune.Sdk.Tests;

public sealed class RequestRateLimiterTests
{
    [Fact(Timeout = 30_000)]
    public async Task WaitAsync_RequestsPerMinute_ThirdRequestWaitsForTheWindow()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)) { AutoAdvance = false };
        using var limiter = new RequestRateLimiter(2, null, clock);
        await limiter.WaitAsync(1, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));
        await limiter.WaitAsync(1, CancellationToken.None);

        var third = limiter.WaitAsync(1, CancellationToken.None).AsTask();
        await WaitForTimerAsync(clock);
        third.IsCompleted.Should().BeFalse("two requests already started within the minute");
        clock.Advance(TimeSpan.FromSeconds(50));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        third.IsCompletedSuccessfully.Should().BeTrue();
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitAsync_TokensPerMinute_WaitsWhenBudgetSpent()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)) { AutoAdvance = false };
        using var limiter = new RequestRateLimiter(null, 1000, clock);
        await limiter.WaitAsync(600, CancellationToken.None);
        var second = limiter.WaitAsync(600, CancellationToken.None).AsTask();
        await WaitForTimerAsync(clock);
        second.IsCompleted.Should().BeFalse("600 + 600 exceeds 1000 tokens per minute");
        clock.Advance(TimeSpan.FromMinutes(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        second.IsCompletedSuccessfully.Should().BeTrue();
    }

    private static async Task WaitForTimerAsync(AutoAdvancingFakeTimeProvider clock)
    {
        for (var i = 0; i < 500 && clock.ScheduledDelays.Count == 0; i++)
        {
            await Task.Delay(2);
        }

        clock.ScheduledDelays.Should().NotBeEmpty();
    }
}
