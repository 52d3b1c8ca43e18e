using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTune.Sdk.Testing;

namespace FineTune.Sdk.Tests;

public sealed class OpenTelemetryFineTuneProviderTests
{
    [Fact]
    public async Task Calls_EmitOneActivityAndOneDurationPerCall()
    {
        var providerName = $"otel-{Guid.NewGuid():N}";
        var activities = new List<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "FineTune.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if ((string?)a.GetTagItem("finetune.provider") == providerName)
                {
                    lock (activities)
                    {
                        activities.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);
        var durations = new List<(string? Operation, string? Error)>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "FineTune.Sdk" && instrument.Name == "finetune.provider.call.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "finetune.provider" && (string?)t.Value == providerName))
            {
                lock (durations)
                {
                    durations.Add(((string?)all.First(t => t.Key == "finetune.operation").Value, (string?)all.First(t => t.Key == "error.type").Value));
                }
            }
        });
        meterListener.Start();
        var fake = new FakeFineTuneProvider { Capabilities = new FineTuneProviderCapabilities(providerName) { SupportsIdempotentStart = true } };
        var provider = new OpenTelemetryFineTuneProvider(fake);

        var job = await provider.StartJobAsync(new FineTuneJobRequest("m", "file-1"));
        await foreach (var _ in provider.ListJobsAsync())
        {
        }

        fake.FailureInjector = c => c.Operation == "jobs.get" ? new FineTuneException("HTTP 503") { StatusCode = 503 } : null;
        await FluentActions.Awaiting(() => provider.GetJobAsync(job.Id)).Should().ThrowAsync<FineTuneException>();

        activities.Select(a => a.OperationName).Should().Equal("jobs.start", "jobs.list", "jobs.get");
        activities[0].GetTagItem("finetune.job.id").Should().Be(job.Id);
        activities[0].Kind.Should().Be(ActivityKind.Client);
        activities[2].Status.Should().Be(ActivityStatusCode.Error);
        activities[2].GetTagItem("error.type").Should().Be("503");
        durations.Should().Equal(("jobs.start", null), ("jobs.list", null), ("jobs.get", "503"));
    }
}
