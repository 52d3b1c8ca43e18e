using FineTune.Sdk.Testing;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class ResilientFineTuneProviderTests
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
        Provider = "fake",
        StatusCode = status,
        IsTransient = FineTuneException.IsTransientStatus(status),
        RetryAfter = retryAfter,
    };

    [Fact]
    public async Task GetJobAsync_TransientFailures_RetriedHonouringRetryAfter()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var fake = new FakeFineTuneProvider();
        fake.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running));
        fake.FailureInjector = c => c.Operation == "jobs.get" && c.Number <= 2 ? Status(429, TimeSpan.FromSeconds(7)) : null;
        var provider = new ResilientFineTuneProvider(fake, Options(), clock);

        var job = await provider.GetJobAsync("ftjob-1");

        job.Status.Should().Be(FineTuneJobStatus.Running);
        fake.CallCount("jobs.get").Should().Be(3);
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task CancelJobAsync_ServerError_NotRetriedButRateLimitIs()
    {
        var fake = new FakeFineTuneProvider();
        fake.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running));
        var provider = new ResilientFineTuneProvider(fake, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));

        fake.FailureInjector = c => c.Operation == "jobs.cancel" && c.Number == 1 ? Status(500) : null;
        await FluentActions.Awaiting(() => provider.CancelJobAsync("ftjob-1")).Should().ThrowAsync<FineTuneException>();
        fake.CallCount("jobs.cancel").Should().Be(1, "a 500 may come after the job was cancelled");

        fake.FailureInjector = c => c.Operation == "jobs.cancel" && c.Number == 2 ? Status(429) : null;
        (await provider.CancelJobAsync("ftjob-1")).Status.Should().Be(FineTuneJobStatus.Cancelled);
        fake.CallCount("jobs.cancel").Should().Be(3, "a 429 is refused before anything happens");
    }

    [Fact]
    public async Task StartJobAsync_NoRetrySafeStartBelow_LostResponseIsNotRetried()
    {
        var fake = new FakeFineTuneProvider { LoseStartResponses = 1 };
        var provider = new ResilientFineTuneProvider(fake, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));

        var act = () => provider.StartJobAsync(new FineTuneJobRequest("m", "file-1"));

        (await act.Should().ThrowAsync<FineTuneException>()).Which.StatusCode.Should().Be(503);
        fake.CallCount("jobs.start").Should().Be(1, "retrying a bare create could start a second paid job");
    }

    [Fact]
    public async Task StartJobAsync_RetrySafeStartBelowAndNoKey_OneKeyForAllAttemptsAndOneJob()
    {
        var fake = new FakeFineTuneProvider { LoseStartResponses = 1 };
        var provider = fake.AsBuilder().Use(inner => new ResilientFineTuneProvider(inner, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)))).UseRetrySafeStart().Build();
        var request = new FineTuneJobRequest("m", "file-1");

        var job = await provider.StartJobAsync(request);

        fake.Jobs.Should().ContainSingle().Which.Id.Should().Be(job.Id);
        job.IdempotencyKey.Should().NotBeNullOrEmpty();
        fake.CallCount("jobs.start").Should().Be(1, "the retry found the job the lost response created");
        request.IdempotencyKey.Should().BeNull("the caller's request is not changed");
    }

    [Fact]
    public async Task ListJobsAsync_FailsPartWay_ReadAgainWithoutDuplicates()
    {
        var fake = new FakeFineTuneProvider();
        for (var i = 1; i <= 4; i++)
        {
            fake.AddJob($"ftjob-{i}", new FakeJobTimeline(FineTuneJobStatus.Succeeded));
        }

        fake.FailureInjector = c => c is { Operation: "jobs.list", Number: 1, Item: 2 } ? Status(502) : null;
        var provider = new ResilientFineTuneProvider(fake, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));

        var ids = new List<string>();
        await foreach (var job in provider.ListJobsAsync())
        {
            ids.Add(job.Id);
        }

        ids.Should().Equal("ftjob-4", "ftjob-3", "ftjob-2", "ftjob-1");
        fake.CallCount("jobs.list").Should().Be(2);
    }

    [Fact]
    public async Task UploadFileAsync_NonSeekableWithDeduplicationBelow_RetriesWithTheSameBytes()
    {
        var fake = new FakeFineTuneProvider();
        fake.FailureInjector = c => c is { Operation: "files.upload", Number: 1 } ? Status(503) : null;
        var provider = fake.AsBuilder().Use(inner => new ResilientFineTuneProvider(inner, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)))).UseUploadDeduplication().Build();
        var bytes = "{\"messages\":[]}\n"u8.ToArray();

        var file = await provider.UploadFileAsync(new NonSeekableStream(bytes), "train.jsonl");

        file.Bytes.Should().Be(bytes.Length);
        fake.CallCount("files.upload").Should().Be(2);
        fake.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task UploadFileAsync_NoDeduplicationBelow_ServerErrorNotRetried()
    {
        var fake = new FakeFineTuneProvider();
        fake.FailureInjector = c => c is { Operation: "files.upload", Number: 1 } ? Status(503) : null;
        var provider = new ResilientFineTuneProvider(fake, Options(), new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));

        var act = () => provider.UploadFileAsync(new MemoryStream([1, 2, 3]), "train.jsonl");

        await act.Should().ThrowAsync<FineTuneException>();
        fake.CallCount("files.upload").Should().Be(1);
    }

    [Fact]
    public void Ctor_InvalidOptions_NamesFieldAndValue()
    {
        var act = () => new ResilientFineTuneProvider(new FakeFineTuneProvider(), new FineTuneResilienceOptions { MaxRetryAttempts = 99 });

        act.Should().Throw<ArgumentException>().WithMessage("*MaxRetryAttempts*99*");
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
