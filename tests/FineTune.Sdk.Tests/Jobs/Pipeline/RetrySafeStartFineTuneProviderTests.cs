using FineTune.Sdk.Testing;

namespace FineTune.Sdk.Tests;

public sealed class RetrySafeStartFineTuneProviderTests
{
    [Fact]
    public async Task StartJobAsync_SameKeyTwice_ReturnsTheFirstJob()
    {
        var fake = new FakeFineTuneProvider();
        var provider = new RetrySafeStartFineTuneProvider(fake);
        var request = new FineTuneJobRequest("m", "file-1") { IdempotencyKey = "nightly-42" };

        var first = await provider.StartJobAsync(request);
        var second = await provider.StartJobAsync(request);
        var other = await provider.StartJobAsync(new FineTuneJobRequest("m", "file-1"));

        second.Id.Should().Be(first.Id);
        other.Id.Should().NotBe(first.Id);
        fake.CallCount("jobs.start").Should().Be(2);
        first.IdempotencyKey.Should().Be("nightly-42");
    }

    [Fact]
    public async Task StartJobAsync_NoKey_GetsOneStoredWithTheJob()
    {
        var fake = new FakeFineTuneProvider();

        var job = await new RetrySafeStartFineTuneProvider(fake).StartJobAsync(new FineTuneJobRequest("m", "file-1"));

        job.IdempotencyKey.Should().MatchRegex("^[0-9a-f]{32}$");
    }

    [Fact]
    public async Task StartJobAsync_NativeToken_DefersToTheProvider()
    {
        var fake = new FakeFineTuneProvider { Capabilities = new FineTuneProviderCapabilities("bedrock-like") { SupportsIdempotentStart = true, SupportsNativeIdempotencyToken = true } };

        await new RetrySafeStartFineTuneProvider(fake).StartJobAsync(new FineTuneJobRequest("m", "file-1") { IdempotencyKey = "k" });

        fake.CallCount("jobs.list").Should().Be(0, "the provider deduplicates by its own token");
        fake.CallCount("jobs.start").Should().Be(1);
    }

    [Fact]
    public async Task StartJobAsync_KeyOlderThanScanLimit_CreatesAnother()
    {
        var fake = new FakeFineTuneProvider();
        fake.AddJob("ftjob-old", new FakeJobTimeline(FineTuneJobStatus.Succeeded), idempotencyKey: "k");
        fake.AddJob("ftjob-new", new FakeJobTimeline(FineTuneJobStatus.Succeeded));
        var provider = new RetrySafeStartFineTuneProvider(fake, scanLimit: 1);

        var job = await provider.StartJobAsync(new FineTuneJobRequest("m", "file-1") { IdempotencyKey = "k" });

        job.Id.Should().NotBe("ftjob-old", "retry-safe, not atomic: only the newest jobs are scanned");
    }

    [Fact]
    public async Task StartJobAsync_InvalidRequest_FailsBeforeAnyCall()
    {
        var fake = new FakeFineTuneProvider();

        var act = () => new RetrySafeStartFineTuneProvider(fake).StartJobAsync(new FineTuneJobRequest("m", "file-1") { Suffix = new string('x', 65) });

        await act.Should().ThrowAsync<ArgumentException>();
        fake.Calls.Should().BeEmpty();
    }
}
