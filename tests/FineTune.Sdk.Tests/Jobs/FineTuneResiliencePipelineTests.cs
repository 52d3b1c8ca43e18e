using FineTune.Sdk.Testing;
using FineTune.Tests;
using Polly.CircuitBreaker;

namespace FineTune.Sdk.Tests;

public sealed class FineTuneResiliencePipelineTests
{
    private static FineTuneResilienceOptions Options(int retries = 4) => new()
    {
        MaxRetryAttempts = retries,
        UseJitter = false,
        AttemptTimeout = null, // the auto-advancing clock would fire timeout timers at once
        CircuitBreakerEnabled = false,
    };

    private static FineTuneException Status(int status, TimeSpan? retryAfter = null) => new($"HTTP {status}")
    {
        Provider = "test",
        StatusCode = status,
        IsTransient = FineTuneException.IsTransientStatus(status),
        RetryAfter = retryAfter,
    };

    private static Func<CancellationToken, ValueTask<string>> Script(List<int> calls, params Exception?[] failures) => _ =>
    {
        calls.Add(calls.Count + 1);
        var failure = calls.Count <= failures.Length ? failures[calls.Count - 1] : null;
        return failure is null ? ValueTask.FromResult("ok") : ValueTask.FromException<string>(failure);
    };

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_RetryAfter_IsHonouredExactly()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var pipeline = new FineTuneResiliencePipeline("test", Options(), clock);
        var calls = new List<int>();

        var result = await pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(429, TimeSpan.FromSeconds(7)), Status(429, TimeSpan.FromSeconds(3))));

        result.Should().Be("ok");
        calls.Should().HaveCount(3);
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3));
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_NoRetryAfter_BacksOffExponentially()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var pipeline = new FineTuneResiliencePipeline("test", Options(), clock);
        var calls = new List<int>();

        await pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(503), Status(500), Status(502)));

        clock.ScheduledDelays.Select(d => d.TotalSeconds).Should().Equal(1, 2, 4);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_Jitter_KeepsDelayBetweenHalfAndFull()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var options = Options();
        options.UseJitter = true;
        var pipeline = new FineTuneResiliencePipeline("test", options, clock, logger: null, random: () => 0.0);
        var calls = new List<int>();

        await pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(503), Status(503)));

        clock.ScheduledDelays.Select(d => d.TotalSeconds).Should().Equal(0.5, 1);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_429StormBeyondBudget_FailsWithLast429AfterAllAttempts()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var pipeline = new FineTuneResiliencePipeline("test", Options(retries: 3), clock);
        var calls = new List<int>();
        var storm = Enumerable.Range(0, 10).Select(_ => (Exception?)Status(429, TimeSpan.FromSeconds(1))).ToArray();

        var act = () => pipeline.ExecuteAsync("op", idempotent: true, Script(calls, storm));

        (await act.Should().ThrowAsync<FineTuneException>()).Which.StatusCode.Should().Be(429);
        calls.Should().HaveCount(4, "3 retries = 4 attempts, never multiplied");
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_NotIdempotent_RetriesOnly429()
    {
        var pipeline = new FineTuneResiliencePipeline("test", Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
        var on500 = new List<int>();
        var on429 = new List<int>();

        var act = () => pipeline.ExecuteAsync("op", idempotent: false, Script(on500, Status(500)));
        await act.Should().ThrowAsync<FineTuneException>();
        await pipeline.ExecuteAsync("op", idempotent: false, Script(on429, Status(429)));

        on500.Should().HaveCount(1, "a 500 may have done the work; repeating a state change is unsafe");
        on429.Should().HaveCount(2);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_TransportFailureExhausted_SurfacesAsTransientFineTuneException()
    {
        var pipeline = new FineTuneResiliencePipeline("test", Options(retries: 1), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
        var calls = new List<int>();

        var act = () => pipeline.ExecuteAsync("op", idempotent: true, Script(calls, new HttpRequestException("reset"), new HttpRequestException("reset")));

        var thrown = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        thrown.IsTransient.Should().BeTrue();
        thrown.InnerException.Should().BeOfType<HttpRequestException>();
        calls.Should().HaveCount(2);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_RetryAfterLongerThanMax_FailsAtOnceKeepingRetryAfter()
    {
        var pipeline = new FineTuneResiliencePipeline("test", Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
        var calls = new List<int>();

        var act = () => pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(429, TimeSpan.FromMinutes(10))));

        (await act.Should().ThrowAsync<FineTuneException>()).Which.RetryAfter.Should().Be(TimeSpan.FromMinutes(10));
        calls.Should().HaveCount(1);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_NonTransient400_NotRetried()
    {
        var pipeline = new FineTuneResiliencePipeline("test", Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
        var calls = new List<int>();

        var act = () => pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(400)));

        await act.Should().ThrowAsync<FineTuneException>();
        calls.Should().HaveCount(1);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExecuteAsync_RepeatedOutages_OpenCircuitAndRefuseWithoutCalling()
    {
        var options = Options(retries: 0);
        options.CircuitBreakerEnabled = true;
        options.MinimumThroughput = 2;
        options.FailureRatio = 0.5;
        var pipeline = new FineTuneResiliencePipeline("test", options, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
        var calls = new List<int>();
        var failing = Script(calls, Status(503), Status(503), Status(503));

        for (var i = 0; i < 2; i++)
        {
            await FluentActions.Awaiting(() => pipeline.ExecuteAsync("op", true, failing)).Should().ThrowAsync<FineTuneException>();
        }

        var refused = (await FluentActions.Awaiting(() => pipeline.ExecuteAsync("op", true, failing)).Should().ThrowAsync<FineTuneException>()).Which;
        refused.InnerException.Should().BeOfType<BrokenCircuitException>();
        refused.Message.Should().Contain("circuit breaker");
        calls.Should().HaveCount(2);
    }

    [Fact]
    public void Ctor_InvalidOptions_ListsEveryFieldWithValue()
    {
        var options = new FineTuneResilienceOptions { MaxRetryAttempts = -1, FailureRatio = 2, BaseDelay = TimeSpan.Zero };

        var act = () => new FineTuneResiliencePipeline("test", options);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Resilience.MaxRetryAttempts*-1*").WithMessage("*Resilience.FailureRatio*2*").WithMessage("*Resilience.BaseDelay*00:00:00*");
    }

    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new FineTuneResilienceOptions();

        options.MaxRetryAttempts.Should().Be(4);
        options.BaseDelay.Should().Be(TimeSpan.FromSeconds(1));
        options.MaxDelay.Should().Be(TimeSpan.FromSeconds(30));
        options.MaxRetryAfter.Should().Be(TimeSpan.FromSeconds(60));
        options.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(100));
        options.CircuitBreakerEnabled.Should().BeTrue();
        new FineTuneResilienceOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Ctor_OptionsEditedAfterConstruction_KeepsTheValidatedSnapshot()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var options = Options(retries: 1);
        var pipeline = new FineTuneResiliencePipeline("test", options, clock);
        options.MaxRetryAttempts = 10;
        options.BaseDelay = TimeSpan.FromHours(1);
        var calls = new List<int>();

        var act = () => pipeline.ExecuteAsync("op", idempotent: true, Script(calls, Status(503), Status(503), Status(503)));

        await act.Should().ThrowAsync<FineTuneException>();
        calls.Should().HaveCount(2, "the pipeline kept MaxRetryAttempts = 1");
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Validator_NamedOptions_PrefixesEveryMessage()
    {
        var result = new FineTuneResilienceOptionsValidator().Validate("Bedrock.Resilience", new FineTuneResilienceOptions { MaxRetryAttempts = 21 });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Be("Bedrock.Resilience.MaxRetryAttempts must be between 0 and 20; it was 21.");
    }
}
