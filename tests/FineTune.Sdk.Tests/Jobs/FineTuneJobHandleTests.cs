using System.Diagnostics.Metrics;
using FineTune.Sdk.Testing;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class FineTuneJobHandleTests
{
    private static readonly FineTunePollingOptions NoJitter = new() { InitialInterval = TimeSpan.FromSeconds(5), MaxInterval = TimeSpan.FromSeconds(60), BackoffMultiplier = 2, JitterFactor = 0 };

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_PollsUntilTerminal_ReturnsTerminalJob()
    {
        var provider = Scripted(FineTuneJobStatus.Validating, FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded);
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var handle = provider.TrackJob("ftjob-1", NoJitter, clock);

        var job = await handle.WaitForCompletionAsync();

        job.Status.Should().Be(FineTuneJobStatus.Succeeded);
        handle.HasCompleted.Should().BeTrue();
        provider.CallCount("jobs.get").Should().Be(5);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_NothingChanges_BacksOffExponentiallyUpToMax()
    {
        var statuses = new[] { FineTuneJobStatus.Running }.Concat(Enumerable.Repeat(FineTuneJobStatus.Running, 6)).Append(FineTuneJobStatus.Succeeded).ToArray();
        var provider = Scripted(statuses);
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

        await provider.TrackJob("ftjob-1", NoJitter, clock).WaitForCompletionAsync();

        // first poll reports the status (a change) -> 5 s; then nothing new: 10, 20, 40, 60 (cap), 60, 60
        clock.ScheduledDelays.Select(d => d.TotalSeconds).Should().Equal(5, 10, 20, 40, 60, 60, 60);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_StatusChanges_ResetsToInitialInterval()
    {
        var provider = Scripted(FineTuneJobStatus.Queued, FineTuneJobStatus.Queued, FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded);
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

        await provider.TrackJob("ftjob-1", NoJitter, clock).WaitForCompletionAsync();

        clock.ScheduledDelays.Select(d => d.TotalSeconds).Should().Equal(5, 10, 20, 5, 10);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_WithJitter_StaysWithinFactor()
    {
        var provider = Scripted(Enumerable.Repeat(FineTuneJobStatus.Running, 20).Append(FineTuneJobStatus.Succeeded).ToArray());
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var options = new FineTunePollingOptions { InitialInterval = TimeSpan.FromSeconds(10), MaxInterval = TimeSpan.FromSeconds(10), JitterFactor = 0.2 };

        await provider.TrackJob("ftjob-1", options, clock).WaitForCompletionAsync();

        clock.ScheduledDelays.Should().HaveCount(20).And.OnlyContain(d => d >= TimeSpan.FromSeconds(8) && d <= TimeSpan.FromSeconds(12));
        clock.ScheduledDelays.Distinct().Should().HaveCountGreaterThan(1, "jitter spreads the polls");
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_TimeoutPasses_ThrowsTimeoutExceptionNamingJobAndStatus()
    {
        var provider = Scripted("ftjob-slow", FineTuneJobStatus.Running);
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var options = new FineTunePollingOptions { InitialInterval = TimeSpan.FromSeconds(5), MaxInterval = TimeSpan.FromSeconds(60), JitterFactor = 0, Timeout = TimeSpan.FromMinutes(10) };
        var start = clock.GetUtcNow();

        var act = () => provider.TrackJob("ftjob-slow", options, clock).WaitForCompletionAsync();

        (await act.Should().ThrowAsync<TimeoutException>()).WithMessage("*ftjob-slow*running*");
        (clock.GetUtcNow() - start).Should().Be(TimeSpan.FromMinutes(10), "the last delay is cut to the deadline");
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_Cancelled_ThrowsOperationCanceled()
    {
        var provider = Scripted(Enumerable.Repeat(FineTuneJobStatus.Running, 1000).ToArray());
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var act = () => provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WaitForCompletionAsync(cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact(Timeout = 30_000)]
    public async Task WatchAsync_ReportsEventsOldestFirstMetricsAndStatusChangesOnce()
    {
        var timeline = new FakeJobTimeline(FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded)
            .WithEvents(0, new FineTuneEvent("e1", "Created"), new FineTuneEvent("e2", "Validated"))
            .WithEvents(2, new FineTuneEvent("e3", "Step 1/2") { Metric = new TrainingMetric(1) { TrainLoss = 1.5 } })
            .WithEvents(3, new FineTuneEvent("e4", "Done"));
        var provider = new FakeFineTuneProvider();
        provider.AddJob("ftjob-1", timeline);

        var updates = new List<FineTuneJobUpdate>();
        await foreach (var update in provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WatchAsync())
        {
            updates.Add(update);
        }

        updates.Select(u => u.ToString()).Should().Equal(
            "event: [info] Created",
            "event: [info] Validated",
            "status: queued",
            "status: running",
            "event: [info] Step 1/2",
            "metric: step 1",
            "event: [info] Done",
            "status: succeeded");
    }

    [Fact(Timeout = 30_000)]
    public async Task WatchAsync_ProviderWithoutEvents_ReportsStatusOnly()
    {
        var provider = new FakeFineTuneProvider { Capabilities = new FineTuneProviderCapabilities("fake") };
        provider.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded).WithEvents(0, new FineTuneEvent("e1", "never read")));

        var kinds = new List<FineTuneJobUpdateKind>();
        await foreach (var update in provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WatchAsync())
        {
            kinds.Add(update.Kind);
        }

        kinds.Should().Equal(FineTuneJobUpdateKind.StatusChanged, FineTuneJobUpdateKind.StatusChanged);
    }

    [Fact(Timeout = 30_000)]
    public async Task UpdateStatusAsync_RehydratedFromId_FetchesCurrentSnapshot()
    {
        var provider = Scripted("ftjob-other-process", FineTuneJobStatus.Paused);
        var handle = new FineTuneJobHandle(provider, "ftjob-other-process");
        handle.Status.Should().BeNull();

        var job = await handle.UpdateStatusAsync();

        job.Id.Should().Be("ftjob-other-process");
        handle.Status.Should().Be(FineTuneJobStatus.Paused);
        handle.HasCompleted.Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_ObservedFinish_RecordsDurationHistogramOnce()
    {
        var measurements = new List<(double Value, object? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "FineTune.Sdk" && instrument.Name == "finetune.job.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "finetune.provider" && (string?)t.Value == "fake"))
            {
                lock (measurements)
                {
                    measurements.Add((value, all.First(t => t.Key == "finetune.job.status").Value));
                }
            }
        });
        listener.Start();
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var provider = new FakeFineTuneProvider(clock);
        provider.AddJob("ftjob-1", new FakeJobTimeline(FineTuneJobStatus.Running, FineTuneJobStatus.Failed));
        var handle = provider.TrackJob("ftjob-1", NoJitter, clock);

        await handle.WaitForCompletionAsync();
        await handle.UpdateStatusAsync();

        measurements.Should().ContainSingle().Which.Should().Be((5d, (object?)"failed"), "created at the first poll's instant, finished at the second poll, 5 s later");
    }

    [Fact]
    public void Ctor_InvalidPollingOptions_ThrowsNamingFieldAndValue()
    {
        var act = () => new FineTuneJobHandle(new FakeFineTuneProvider(), "ftjob-1", new FineTunePollingOptions { BackoffMultiplier = 0.5 });

        act.Should().Throw<ArgumentException>().WithMessage("*Polling.BackoffMultiplier*0.5*");
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_TransientFailureMidWait_KeepsPolling()
    {
        var provider = Scripted(FineTuneJobStatus.Running, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded);
        provider.FailureInjector = call => call.Operation == "jobs.get" && call.Number == 2 ? new FineTuneException("HTTP 503") { StatusCode = 503, IsTransient = true } : null;

        var job = await provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WaitForCompletionAsync();

        job.Status.Should().Be(FineTuneJobStatus.Succeeded);
        provider.CallCount("jobs.get").Should().Be(4);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_NonTransientFailure_Throws()
    {
        var provider = Scripted(FineTuneJobStatus.Running, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded);
        provider.FailureInjector = call => call.Operation == "jobs.get" && call.Number == 2 ? new FineTuneException("HTTP 404") { StatusCode = 404 } : null;

        var act = () => provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WaitForCompletionAsync();

        (await act.Should().ThrowAsync<FineTuneException>()).Which.StatusCode.Should().Be(404);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForCompletionAsync_TransientFailureOnFirstPollOfBareId_Throws()
    {
        var provider = Scripted(FineTuneJobStatus.Running);
        provider.FailureInjector = call => call.Operation == "jobs.get" && call.Number == 1 ? new FineTuneException("HTTP 503") { StatusCode = 503, IsTransient = true } : null;

        var act = () => provider.TrackJob("ftjob-1", NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WaitForCompletionAsync();

        await act.Should().ThrowAsync<FineTuneException>("nothing is known about the job yet");
    }

    [Fact(Timeout = 30_000)]
    public async Task WatchAsync_FromSnapshot_ReportsKnownStatusFirstWithoutDuplicates()
    {
        var provider = Scripted(FineTuneJobStatus.Validating, FineTuneJobStatus.Queued, FineTuneJobStatus.Succeeded);
        var snapshot = new FineTuneJob("ftjob-1", FineTuneJobStatus.Validating);

        var statuses = new List<string>();
        await foreach (var update in new FineTuneJobHandle(provider, snapshot, NoJitter, new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))).WatchAsync())
        {
            statuses.Add(update.Job.Status.Value);
        }

        statuses.Should().Equal("validating", "queued", "succeeded");
    }

    private static FakeFineTuneProvider Scripted(params FineTuneJobStatus[] statuses) => Scripted("ftjob-1", statuses);

    private static FakeFineTuneProvider Scripted(string jobId, params FineTuneJobStatus[] statuses)
    {
        var provider = new FakeFineTuneProvider();
        provider.AddJob(jobId, new FakeJobTimeline(statuses));
        return provider;
    }
}
