using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// A started job: its id, its last known status, and a polling loop (on an injected <see cref="TimeProvider"/>,
/// with backoff, jitter, an overall timeout and cancellation) to wait for it or watch it. Rehydrate one in another
/// process from the job id alone: <c>provider.TrackJob("ftjob-...")</c>.
/// </summary>
/// <remarks>Not thread-safe: use one handle from one flow at a time (create several handles for the same id if needed).</remarks>
public sealed class FineTuneJobHandle
{
    private readonly IFineTuneProvider _provider;
    private readonly FineTunePollingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private readonly HashSet<string> _seenEvents = new(StringComparer.Ordinal);
    private bool _sawUnfinished;
    private bool _durationRecorded;

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobHandle"/> class for a job id (no call is made).</summary>
    /// <param name="provider">The provider that runs the job.</param>
    /// <param name="jobId">The job id.</param>
    /// <param name="options">How to poll; defaults as documented on <see cref="FineTunePollingOptions"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is blank, or the options are invalid.</exception>
    public FineTuneJobHandle(IFineTuneProvider provider, string jobId, FineTunePollingOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(provider, jobId, options, timeProvider, logger, random: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobHandle"/> class from a job snapshot (no call is made).</summary>
    /// <param name="provider">The provider that runs the job.</param>
    /// <param name="job">The job as last seen.</param>
    /// <param name="options">How to poll; defaults as documented on <see cref="FineTunePollingOptions"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public FineTuneJobHandle(IFineTuneProvider provider, FineTuneJob job, FineTunePollingOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(provider, (job ?? throw new ArgumentNullException(nameof(job))).Id, options, timeProvider, logger, random: null)
    {
        Observe(job);
    }

    internal FineTuneJobHandle(IFineTuneProvider provider, string jobId, FineTunePollingOptions? options, TimeProvider? timeProvider, ILogger? logger, Func<double>? random)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        _options = FineTunePollingOptionsValidator.ThrowIfInvalid(options ?? new FineTunePollingOptions(), nameof(options)).Snapshot();

        _provider = provider;
        Id = jobId;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>Gets the job id.</summary>
    /// <value>As given at construction.</value>
    public string Id { get; }

    /// <summary>Gets the last snapshot seen.</summary>
    /// <value><see langword="null"/> until the first update.</value>
    public FineTuneJob? Job { get; private set; }

    /// <summary>Gets the last status seen.</summary>
    /// <value><see langword="null"/> until the first update.</value>
    public FineTuneJobStatus? Status => Job?.Status;

    /// <summary>Gets a value indicating whether the last status seen is terminal.</summary>
    /// <value><see langword="true"/> once the job succeeded, failed or was cancelled.</value>
    public bool HasCompleted => Job?.Status.IsTerminal == true;

    /// <summary>Fetches the job once and updates <see cref="Job"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The current snapshot.</returns>
    /// <exception cref="FineTuneException">The provider failed.</exception>
    public async Task<FineTuneJob> UpdateStatusAsync(CancellationToken cancellationToken = default)
    {
        var job = await _provider.GetJobAsync(Id, cancellationToken).ConfigureAwait(false);
        JobsTelemetry.Polls.Add(1, new KeyValuePair<string, object?>("finetune.provider", job.Provider));
        Observe(job);
        return job;
    }

    /// <summary>
    /// Polls until the job reaches a terminal status. Does not throw for a failed or cancelled job: inspect
    /// <see cref="FineTuneJob.Status"/> and <see cref="FineTuneJob.Error"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the job keeps running).</param>
    /// <returns>The terminal snapshot.</returns>
    /// <exception cref="TimeoutException"><see cref="FineTunePollingOptions.Timeout"/> passed first (the job keeps running).</exception>
    /// <exception cref="FineTuneException">The provider failed for good. A transient failure after the first successful poll is logged and polled again later.</exception>
    public async Task<FineTuneJob> WaitForCompletionAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var update in PollAsync(includeEvents: false, includeMetrics: false, cancellationToken).ConfigureAwait(false))
        {
            _ = update;
        }

        return Job!;
    }

    /// <summary>
    /// Polls until the job reaches a terminal status, reporting each status change, each new event (oldest first)
    /// and each metrics report. The first poll reports the current status and the events logged so far, so a
    /// rehydrated handle replays the history it has not seen; a handle made from an unfinished snapshot first reports
    /// the snapshot's status. The last item is the terminal status change.
    /// </summary>
    /// <param name="cancellationToken">Stops watching (the job keeps running).</param>
    /// <returns>The updates.</returns>
    /// <exception cref="TimeoutException"><see cref="FineTunePollingOptions.Timeout"/> passed first (the job keeps running).</exception>
    /// <exception cref="FineTuneException">The provider failed for good. A transient failure after the first successful poll is logged and polled again later.</exception>
    public IAsyncEnumerable<FineTuneJobUpdate> WatchAsync(CancellationToken cancellationToken = default)
        => PollAsync(_options.IncludeEvents, _options.IncludeMetrics, cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"{Id} ({Status?.ToString() ?? "unknown"})";

    private async IAsyncEnumerable<FineTuneJobUpdate> PollAsync(bool includeEvents, bool includeMetrics, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var capabilities = _provider.GetService(typeof(FineTuneProviderCapabilities)) as FineTuneProviderCapabilities;
        includeEvents &= capabilities?.SupportsEvents == true;
        var deadline = _options.Timeout is { } limit ? _time.GetUtcNow() + limit : (DateTimeOffset?)null;
        var interval = _options.InitialInterval;
        FineTuneJobStatus? reported = null;
        if (Job is { } known && !known.Status.IsTerminal)
        {
            // A handle made from a snapshot (for example by StartJobAndTrackAsync) reports the status it already knows.
            reported = known.Status;
            yield return new FineTuneJobUpdate(FineTuneJobUpdateKind.StatusChanged, known);
        }

        while (true)
        {
            var (job, fresh) = await PollOnceAsync(includeEvents, cancellationToken).ConfigureAwait(false);
            var changed = false;
            foreach (var e in fresh)
            {
                changed = true;
                yield return new FineTuneJobUpdate(FineTuneJobUpdateKind.Event, job) { Event = e };
                if (includeMetrics && e.Metric is { } metric)
                {
                    yield return new FineTuneJobUpdate(FineTuneJobUpdateKind.Metric, job) { Metric = metric };
                }
            }

            if (reported != job.Status)
            {
                changed = true;
                reported = job.Status;
                yield return new FineTuneJobUpdate(FineTuneJobUpdateKind.StatusChanged, job);
            }

            if (job.Status.IsTerminal)
            {
                yield break;
            }

            interval = changed ? _options.InitialInterval : Min(TimeSpan.FromTicks((long)(interval.Ticks * _options.BackoffMultiplier)), _options.MaxInterval);
            var delay = Jitter(interval);
            if (deadline is { } end)
            {
                var remaining = end - _time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    JobsLog.WaitTimedOut(_logger, Id, _options.Timeout!.Value, job.Status.Value);
                    throw new TimeoutException($"Job {Id} did not finish within {_options.Timeout}; its last status was {job.Status}. The job keeps running; track it again with its id.");
                }

                delay = Min(delay, remaining);
            }

            JobsLog.PollScheduled(_logger, Id, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(FineTuneJob Job, List<FineTuneEvent> Fresh)> PollOnceAsync(bool includeEvents, CancellationToken cancellationToken)
    {
        FineTuneJob job;
        try
        {
            job = await UpdateStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FineTuneException ex) when (ex.IsTransient && Job is not null)
        {
            // The provider's own retries are spent; a long wait should not die on one outage. Try again next poll.
            JobsLog.PollFailed(_logger, Id, ex.StatusCode ?? 0);
            return (Job, []);
        }

        var fresh = new List<FineTuneEvent>();
        if (!includeEvents)
        {
            return (job, fresh);
        }

        try
        {
            await foreach (var e in _provider.GetEventsAsync(Id, cancellationToken).ConfigureAwait(false))
            {
                if (_seenEvents.Contains(e.Id))
                {
                    break; // newest first: everything older was reported already
                }

                fresh.Add(e);
            }
        }
        catch (FineTuneException ex) when (ex.IsTransient)
        {
            JobsLog.PollFailed(_logger, Id, ex.StatusCode ?? 0);
            return (job, []); // nothing marked seen: the next poll reads these events again
        }

        foreach (var e in fresh)
        {
            _seenEvents.Add(e.Id);
        }

        fresh.Reverse();
        return (job, fresh);
    }

    private void Observe(FineTuneJob job)
    {
        var previous = Job;
        Job = job;
        if (previous is not null && previous.Status != job.Status)
        {
            JobsLog.JobStatusChanged(_logger, Id, job.Provider ?? "unknown", previous.Status.Value, job.Status.Value);
        }

        if (!job.Status.IsTerminal)
        {
            _sawUnfinished = true;
            return;
        }

        if (_sawUnfinished && !_durationRecorded)
        {
            _durationRecorded = true;
            JobsLog.JobFinished(_logger, Id, job.Provider ?? "unknown", job.Status.Value);
            if (job.CreatedAt is { } created)
            {
                var seconds = ((job.FinishedAt ?? _time.GetUtcNow()) - created).TotalSeconds;
                JobsTelemetry.JobDuration.Record(
                    Math.Max(0, seconds),
                    new KeyValuePair<string, object?>("finetune.provider", job.Provider),
                    new KeyValuePair<string, object?>("finetune.job.status", job.Status.Value),
                    new KeyValuePair<string, object?>("finetune.base_model", job.BaseModel));
            }
        }
    }

    private TimeSpan Jitter(TimeSpan interval)
    {
        if (_options.JitterFactor == 0)
        {
            return interval;
        }

        var factor = 1 + (_options.JitterFactor * ((2 * _random()) - 1));
        return TimeSpan.FromTicks(Math.Max(1, (long)(interval.Ticks * factor)));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
