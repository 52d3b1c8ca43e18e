using Microsoft.Extensions.Logging.Testing;
using System.Diagnostics.Metrics;
using FineTune.Sdk.Testing;
using FineTune.Tests;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Tests;

public sealed class JobsLogTests
{
    [Fact(Timeout = 30_000)]
    public async Task Handle_StatusChangesAndTimeout_LogStableEventIds()
    {
        var logger = new FakeLogger();
        var provider = new FakeFineTuneProvider();
        provider.AddJob("ftjob-log", new FakeJobTimeline(FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Running));
        var options = new FineTunePollingOptions { InitialInterval = TimeSpan.FromSeconds(5), JitterFactor = 0, Timeout = TimeSpan.FromSeconds(30) };
        var handle = new FineTuneJobHandle(provider, "ftjob-log", options, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)), logger);

        await FluentActions.Awaiting(() => handle.WaitForCompletionAsync()).Should().ThrowAsync<TimeoutException>();

        logger.Collector.GetSnapshot().Should().Contain(e => e.Id.Id == 2001 && e.Level == LogLevel.Information && e.Message == "Job ftjob-log on fake changed status from queued to running.");
        logger.Collector.GetSnapshot().Should().Contain(e => e.Id.Id == 2002 && e.Level == LogLevel.Debug);
        logger.Collector.GetSnapshot().Should().Contain(e => e.Id.Id == 2003 && e.Level == LogLevel.Warning && e.Message.Contains("ftjob-log", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task Pipeline_Retry_Logs2004AndCountsRetries()
    {
        var logger = new FakeLogger();
        long retries = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "FineTune.Sdk" && instrument.Name == "finetune.provider.retries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "finetune.provider" && (string?)tag.Value == "log-test")
                {
                    Interlocked.Add(ref retries, value);
                }
            }
        });
        listener.Start();
        var options = new FineTuneResilienceOptions { AttemptTimeout = null, UseJitter = false, CircuitBreakerEnabled = false };
        var pipeline = new FineTuneResiliencePipeline("log-test", options, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)), logger);
        var calls = 0;

        await pipeline.ExecuteAsync("jobs.get", idempotent: true, _ => ++calls < 3
            ? ValueTask.FromException<int>(new FineTuneException("HTTP 503") { StatusCode = 503, IsTransient = true })
            : ValueTask.FromResult(calls));

        logger.Collector.GetSnapshot().Where(e => e.Id.Id == 2004).Select(e => e.Message).Should().Equal(
            "log-test call jobs.get failed; retry 1 in 1000 ms (HTTP 503, FineTuneException).",
            "log-test call jobs.get failed; retry 2 in 2000 ms (HTTP 503, FineTuneException).");
        Interlocked.Read(ref retries).Should().Be(2);
    }
}
