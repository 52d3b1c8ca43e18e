using System.Runtime.CompilerServices;

namespace FineTune.Sdk.Tests;

/// <summary>A hand-written provider: each GetJob returns the next scripted status; events appear at scripted polls.</summary>
internal sealed class FakeFineTuneProvider : IFineTuneProvider
{
    private readonly Queue<FineTuneJobStatus> _statuses;
    private readonly List<FineTuneEvent> _published = [];
    private FineTuneJobStatus _current;

    public FakeFineTuneProvider(params FineTuneJobStatus[] statuses)
    {
        _statuses = new Queue<FineTuneJobStatus>(statuses);
        _current = statuses.Length > 0 ? statuses[0] : FineTuneJobStatus.Queued;
    }

    public FineTuneProviderCapabilities Capabilities { get; set; } = new("fake") { SupportsEvents = true };

    /// <summary>Events to publish when the Nth GetJob call happens (1-based).</summary>
    public Dictionary<int, List<FineTuneEvent>> EventsAtPoll { get; } = [];

    public int GetJobCalls { get; private set; }

    /// <summary>Failures thrown by GetJob at the given (1-based) call numbers, instead of answering.</summary>
    public Dictionary<int, Exception> FailAtCall { get; } = [];

    public DateTimeOffset CreatedAt { get; set; } = new(2026, 11, 21, 11, 0, 0, TimeSpan.Zero);

    public Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        GetJobCalls++;
        if (FailAtCall.TryGetValue(GetJobCalls, out var failure))
        {
            return Task.FromException<FineTuneJob>(failure);
        }

        if (_statuses.Count > 0)
        {
            _current = _statuses.Dequeue();
        }

        if (EventsAtPoll.TryGetValue(GetJobCalls, out var events))
        {
            _published.AddRange(events);
        }

        return Task.FromResult(new FineTuneJob(jobId, _current)
        {
            Provider = "fake",
            CreatedAt = CreatedAt,
            FinishedAt = _current.IsTerminal ? CreatedAt.AddMinutes(30) : null,
        });
    }

    public async IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        for (var i = _published.Count - 1; i >= 0; i--)
        {
            yield return _published[i];
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceType == typeof(FineTuneProviderCapabilities) ? Capabilities : null;

    public Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
