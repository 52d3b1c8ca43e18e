using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FineTune.Sdk;

/// <summary>
/// A decorator that traces and measures every call on the SDK's <c>FineTune.Sdk</c> <see cref="ActivitySource"/>
/// and <see cref="System.Diagnostics.Metrics.Meter"/>: one client activity per call (named after the operation, for
/// example <c>jobs.start</c>, tagged <c>finetune.provider</c>, <c>finetune.operation</c>, <c>finetune.job.id</c> and
/// <c>error.type</c>) and the histogram <c>finetune.provider.call.duration</c> (s). A list is one activity from its
/// first item to its last.
/// </summary>
/// <remarks>Outermost in the standard pipeline, so one activity spans a call and all its retries. Thread-safe.</remarks>
public sealed class OpenTelemetryFineTuneProvider : DelegatingFineTuneProvider
{
    private readonly string _provider;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="OpenTelemetryFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    /// <param name="timeProvider">The clock durations are measured with; <see cref="TimeProvider.System"/> when null.</param>
    public OpenTelemetryFineTuneProvider(IFineTuneProvider innerProvider, TimeProvider? timeProvider = null)
        : base(innerProvider)
    {
        _provider = innerProvider.GetCapabilities().ProviderName;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public override Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
        => Traced("files.upload", null, () => InnerProvider.UploadFileAsync(content, fileName, cancellationToken));

    /// <inheritdoc/>
    public override Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
        => Traced("jobs.start", null, () => InnerProvider.StartJobAsync(request, cancellationToken), static (activity, job) => activity.SetTag("finetune.job.id", job.Id));

    /// <inheritdoc/>
    public override Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Traced("jobs.get", jobId, () => InnerProvider.GetJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default)
        => TracedAsync("jobs.list", null, InnerProvider.ListJobsAsync(cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default)
        => TracedAsync("files.list", null, InnerProvider.ListFilesAsync(cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Traced("jobs.cancel", jobId, () => InnerProvider.CancelJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Traced("jobs.pause", jobId, () => InnerProvider.PauseJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Traced("jobs.resume", jobId, () => InnerProvider.ResumeJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
        => TracedAsync("jobs.events", jobId, InnerProvider.GetEventsAsync(jobId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
        => TracedAsync("jobs.checkpoints", jobId, InnerProvider.GetCheckpointsAsync(jobId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default)
        => Traced("jobs.metrics", jobId, () => InnerProvider.GetTrainingMetricsAsync(jobId, cancellationToken));

    private Activity? Start(string operation, string? jobId)
    {
        var activity = FineTuneTelemetry.ActivitySource.StartActivity(operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("finetune.provider", _provider);
            activity.SetTag("finetune.operation", operation);
            if (jobId is not null)
            {
                activity.SetTag("finetune.job.id", jobId);
            }
        }

        return activity;
    }

    private void Stop(Activity? activity, string operation, long started, Exception? failure)
    {
        var errorType = failure is null ? null : (failure as FineTuneException)?.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? failure.GetType().Name;
        if (activity is not null)
        {
            if (errorType is not null)
            {
                activity.SetTag("error.type", errorType);
                activity.SetStatus(ActivityStatusCode.Error, failure!.GetType().Name);
            }

            activity.Dispose();
        }

        JobsTelemetry.CallDuration.Record(
            _time.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("finetune.provider", _provider),
            new KeyValuePair<string, object?>("finetune.operation", operation),
            new KeyValuePair<string, object?>("error.type", errorType));
    }

    private async Task<T> Traced<T>(string operation, string? jobId, Func<Task<T>> call, Action<Activity, T>? onResult = null)
    {
        var activity = Start(operation, jobId);
        var started = _time.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            if (activity is not null)
            {
                onResult?.Invoke(activity, result);
            }

            Stop(activity, operation, started, null);
            return result;
        }
        catch (Exception ex)
        {
            Stop(activity, operation, started, ex);
            throw;
        }
    }

    private async IAsyncEnumerable<T> TracedAsync<T>(string operation, string? jobId, IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var activity = Start(operation, jobId);
        var started = _time.GetTimestamp();
        Exception? failure = null;
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
            Stop(activity, operation, started, failure);
        }
    }
}
