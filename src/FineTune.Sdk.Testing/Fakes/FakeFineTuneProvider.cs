using System.Runtime.CompilerServices;

namespace FineTune.Sdk.Testing;

/// <summary>
/// An in-memory <see cref="IFineTuneProvider"/> for tests: jobs follow scripted <see cref="FakeJobTimeline"/>s (one
/// step per poll), files are kept by name and size (never content), every call is recorded, and
/// <see cref="FailureInjector"/> makes any call fail. Use it to test code that drives a provider, or a decorator,
/// without HTTP; use the emulators to test an adapter.
/// </summary>
/// <remarks>Thread-safe: one lock guards its state; callbacks run outside it.</remarks>
public sealed class FakeFineTuneProvider : IFineTuneProvider
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly List<FakeJob> _jobs = [];
    private readonly List<UploadedFile> _files = [];
    private readonly List<FakeProviderCall> _calls = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _nextId;

    /// <summary>Initializes a new instance of the <see cref="FakeFineTuneProvider"/> class.</summary>
    /// <param name="timeProvider">The clock for creation and finish times; <see cref="TimeProvider.System"/> when null.</param>
    public FakeFineTuneProvider(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Gets or sets what the fake says it can do; verbs it says it lacks throw <see cref="NotSupportedException"/>.</summary>
    /// <value>By default provider <c>fake</c> with every capability but a native idempotency token.</value>
    public FineTuneProviderCapabilities Capabilities { get; set; } = new("fake")
    {
        Methods = [FineTuneMethod.Supervised, FineTuneMethod.Dpo],
        SupportsPauseResume = true,
        SupportsEvents = true,
        SupportsCheckpoints = true,
        SupportsTrainingMetrics = true,
        SupportsIdempotentStart = true,
    };

    /// <summary>Gets or sets the timeline a job started through <see cref="StartJobAsync"/> follows.</summary>
    /// <value>By default <see cref="FakeJobTimeline.Succeeds"/> for every request.</value>
    public Func<FineTuneJobRequest, FakeJobTimeline> TimelineFactory { get; set; } = _ => FakeJobTimeline.Succeeds();

    /// <summary>Gets or sets a callback asked before every call (and before every item of a list): the exception it returns is thrown instead of answering.</summary>
    /// <value><see langword="null"/> by default: no failures.</value>
    public Func<FakeProviderCall, Exception?>? FailureInjector { get; set; }

    /// <summary>Gets or sets how many of the next starts create their job and then fail with a transient HTTP 503, as a lost response does.</summary>
    /// <value>0 by default.</value>
    public int LoseStartResponses { get; set; }

    /// <summary>Gets every call received, in order.</summary>
    /// <value>A snapshot.</value>
    public IReadOnlyList<FakeProviderCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Gets the jobs that exist, newest first.</summary>
    /// <value>A snapshot of each job's current state.</value>
    public IReadOnlyList<FineTuneJob> Jobs
    {
        get
        {
            lock (_gate)
            {
                return [.. _jobs.Select(j => j.Snapshot()).Reverse()];
            }
        }
    }

    /// <summary>Gets the files stored, oldest first.</summary>
    /// <value>A snapshot.</value>
    public IReadOnlyList<UploadedFile> Files
    {
        get
        {
            lock (_gate)
            {
                return [.. _files];
            }
        }
    }

    /// <summary>Counts the calls of one operation, for example <c>jobs.get</c>.</summary>
    /// <param name="operation">The operation name (see <see cref="FakeProviderCall.Operation"/>).</param>
    /// <returns>How many calls were received.</returns>
    public int CallCount(string operation)
    {
        lock (_gate)
        {
            return _counts.TryGetValue(operation, out var n) ? n : 0;
        }
    }

    /// <summary>Adds a job as if started elsewhere (for example to rehydrate it with <c>TrackJob</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="timeline">The script it follows.</param>
    /// <param name="idempotencyKey">The idempotency key it carries, if any.</param>
    /// <returns>The job at its first step.</returns>
    public FineTuneJob AddJob(string jobId, FakeJobTimeline timeline, string? idempotencyKey = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(timeline);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (idempotencyKey is not null)
        {
            metadata[FineTuneJobRequest.IdempotencyMetadataKey] = idempotencyKey;
        }

        return Add(new FakeJob(this, jobId, timeline, "fake-base-model", FineTuneMethod.Supervised, metadata, trainingFileId: null));
    }

    /// <inheritdoc/>
    public async Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        Enter("files.upload", null);
        var bytes = 0L;
        var buffer = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            bytes += read;
        }

        lock (_gate)
        {
            var file = new UploadedFile($"file-fake-{++_nextId}", fileName) { Bytes = bytes, Status = "processed", CreatedAt = _time.GetUtcNow() };
            _files.Add(file);
            return file;
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default)
        => ListAsync("files.list", null, () => Files, cancellationToken);

    /// <inheritdoc/>
    public Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return Start(request, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<FineTuneJob>(ex);
        }
    }

    private Task<FineTuneJob> Start(FineTuneJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        Enter("jobs.start", null);
        var metadata = new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal);
        if (request.IdempotencyKey is { } key && Capabilities.SupportsIdempotentStart)
        {
            metadata[FineTuneJobRequest.IdempotencyMetadataKey] = key;
        }

        string id;
        bool lose;
        lock (_gate)
        {
            id = $"ftjob-fake-{++_nextId}";
            lose = LoseStartResponses > 0;
            if (lose)
            {
                LoseStartResponses--;
            }
        }

        var job = Add(new FakeJob(this, id, TimelineFactory(request), request.BaseModel, request.Method, metadata, request.TrainingFileId));
        return lose
            ? Task.FromException<FineTuneJob>(new FineTuneException("The response to the job creation was lost (fake).") { Provider = Capabilities.ProviderName, StatusCode = 503, IsTransient = true })
            : Task.FromResult(job);
    }

    /// <inheritdoc/>
    public Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default) => Answer(() =>
    {
        cancellationToken.ThrowIfCancellationRequested();
        Enter("jobs.get", jobId);
        lock (_gate)
        {
            return Find(jobId).Advance();
        }
    });

    /// <inheritdoc/>
    public IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default)
        => ListAsync("jobs.list", null, () => Jobs, cancellationToken);

    /// <inheritdoc/>
    public Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
        => SetStatus("jobs.cancel", jobId, FineTuneJobStatus.Cancelled, cancellationToken);

    /// <inheritdoc/>
    public Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Capabilities.SupportsPauseResume
            ? SetStatus("jobs.pause", jobId, FineTuneJobStatus.Paused, cancellationToken)
            : Task.FromException<FineTuneJob>(Capabilities.NotSupported("pausing jobs", nameof(FineTuneProviderCapabilities.SupportsPauseResume)));

    /// <inheritdoc/>
    public Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Capabilities.SupportsPauseResume
            ? SetStatus("jobs.resume", jobId, null, cancellationToken)
            : Task.FromException<FineTuneJob>(Capabilities.NotSupported("resuming jobs", nameof(FineTuneProviderCapabilities.SupportsPauseResume)));

    /// <inheritdoc/>
    public IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Require(Capabilities.SupportsEvents, "job events", nameof(FineTuneProviderCapabilities.SupportsEvents));
        return ListAsync("jobs.events", jobId, () => Find(jobId).EventsNewestFirst(), cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Require(Capabilities.SupportsCheckpoints, "checkpoints", nameof(FineTuneProviderCapabilities.SupportsCheckpoints));
        return ListAsync("jobs.checkpoints", jobId, () => Find(jobId).Checkpoints(), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default) => Answer<IReadOnlyList<TrainingMetric>>(() =>
    {
        Require(Capabilities.SupportsTrainingMetrics, "training metrics", nameof(FineTuneProviderCapabilities.SupportsTrainingMetrics));
        cancellationToken.ThrowIfCancellationRequested();
        Enter("jobs.metrics", jobId);
        lock (_gate)
        {
            return [.. Find(jobId).EventsNewestFirst().Where(e => e.Metric is not null).Select(e => e.Metric!).Reverse()];
        }
    });

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(FineTuneProviderCapabilities))
        {
            return Capabilities;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    private FineTuneJob Add(FakeJob job)
    {
        lock (_gate)
        {
            _jobs.Add(job);
            return job.Snapshot();
        }
    }

    private FakeJob Find(string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        lock (_gate)
        {
            return _jobs.FirstOrDefault(j => j.Id == jobId)
                ?? throw new FineTuneException($"No job with id {jobId} (fake).") { Provider = Capabilities.ProviderName, StatusCode = 404, ProviderCode = "not_found" };
        }
    }

    private void Require(bool supported, string operation, string capability)
    {
        if (!supported)
        {
            throw Capabilities.NotSupported(operation, capability);
        }
    }

    private int Enter(string operation, string? jobId, int item = 0, int? number = null)
    {
        FakeProviderCall call;
        lock (_gate)
        {
            if (number is null)
            {
                var next = (_counts.TryGetValue(operation, out var n) ? n : 0) + 1;
                _counts[operation] = next;
                number = next;
            }

            call = new FakeProviderCall(operation, number.Value, jobId, item);
            if (item == 0)
            {
                _calls.Add(call);
            }
        }

        if (FailureInjector?.Invoke(call) is { } failure)
        {
            throw failure;
        }

        return number.Value;
    }

    private static Task<T> Answer<T>(Func<T> answer)
    {
        try
        {
            return Task.FromResult(answer());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private Task<FineTuneJob> SetStatus(string operation, string jobId, FineTuneJobStatus? status, CancellationToken cancellationToken) => Answer(() =>
    {
        cancellationToken.ThrowIfCancellationRequested();
        Enter(operation, jobId);
        lock (_gate)
        {
            return Find(jobId).Override(status);
        }
    });

    private async IAsyncEnumerable<T> ListAsync<T>(string operation, string? jobId, Func<IReadOnlyList<T>> snapshot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        var number = Enter(operation, jobId);
        IReadOnlyList<T> items;
        lock (_gate)
        {
            items = snapshot();
        }

        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i > 0)
            {
                Enter(operation, jobId, i, number);
            }

            yield return items[i];
        }
    }

    /// <summary>A job's state; read and changed under the provider's lock.</summary>
    private sealed class FakeJob(FakeFineTuneProvider owner, string id, FakeJobTimeline timeline, string baseModel, FineTuneMethod method, Dictionary<string, string> metadata, string? trainingFileId)
    {
        private readonly DateTimeOffset _createdAt = owner._time.GetUtcNow();
        private readonly List<FineTuneEvent> _published = [];
        private int _step = -1;
        private FineTuneJobStatus? _override;
        private DateTimeOffset? _finishedAt;

        public string Id { get; } = id;

        public FineTuneJob Advance()
        {
            if (_override is null && _step < timeline.Steps.Count - 1)
            {
                _step++;
                _published.AddRange(timeline.Steps[_step].Events);
            }

            return Snapshot();
        }

        public FineTuneJob Override(FineTuneJobStatus? status)
        {
            _override = status;
            return Snapshot();
        }

        public IReadOnlyList<FineTuneEvent> EventsNewestFirst() => [.. Enumerable.Reverse(_published)];

        public IReadOnlyList<FineTuneCheckpoint> Checkpoints()
            => [.. timeline.Steps.Take(_step + 1).SelectMany(s => s.Checkpoints).OrderByDescending(c => c.StepNumber)];

        public FineTuneJob Snapshot()
        {
            var step = timeline.Steps[Math.Max(_step, 0)];
            var status = _override ?? step.Status;
            if (status.IsTerminal)
            {
                _finishedAt ??= owner._time.GetUtcNow();
            }

            return new FineTuneJob(Id, status)
            {
                Provider = owner.Capabilities.ProviderName,
                RawStatus = status.Value,
                BaseModel = baseModel,
                Method = method,
                TrainingFileId = trainingFileId,
                CreatedAt = _createdAt,
                FinishedAt = status.IsTerminal ? _finishedAt : null,
                FineTunedModel = timeline.Steps.Take(_step + 1).Select(s => s.FineTunedModel).LastOrDefault(m => m is not null),
                Metadata = metadata,
                Error = status == FineTuneJobStatus.Failed ? step.Error : null,
            };
        }
    }
}
