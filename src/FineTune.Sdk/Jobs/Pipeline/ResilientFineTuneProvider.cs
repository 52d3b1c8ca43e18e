using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>
/// A decorator that runs every call through a <see cref="FineTuneResiliencePipeline"/>: retries with exponential
/// backoff honouring <c>Retry-After</c>, a circuit breaker and a per-attempt timeout. The one retry layer of the
/// provider path: adapters switch their SDK's own retries off.
/// </summary>
/// <remarks>
/// <para>Reads (get, lists, events, checkpoints, metrics) are retried on 408, 429, 5xx, transport failures and
/// timeouts; a list that fails part-way is read again from the start and items already returned are skipped.
/// Cancel, pause and resume are retried on 429 only (the provider refused before acting).</para>
/// <para>An upload is retried as a whole only when a <see cref="DeduplicatingUploadFineTuneProvider"/> sits below
/// (a retry then finds the file a lost response stored); a start only when a <see cref="RetrySafeStartFineTuneProvider"/>
/// sits below or the provider has a native idempotency token
/// (<see cref="FineTuneProviderCapabilities.SupportsNativeIdempotencyToken"/>). Such a start without an idempotency key
/// gets one here, once, so every attempt carries the same key. Otherwise both are retried on 429 only.</para>
/// <para>Thread-safe; share one instance per provider so the circuit breaker sees every call.</para>
/// </remarks>
public sealed class ResilientFineTuneProvider : DelegatingFineTuneProvider
{
    private readonly FineTuneResiliencePipeline _pipeline;

    /// <summary>Initializes a new instance of the <see cref="ResilientFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    /// <param name="options">The settings; defaults when null.</param>
    /// <param name="timeProvider">The clock for delays and timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Logs retries (event 2004) and an opening circuit (2005); none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every field at fault.</exception>
    public ResilientFineTuneProvider(IFineTuneProvider innerProvider, FineTuneResilienceOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : base(innerProvider)
    {
        _pipeline = new FineTuneResiliencePipeline(innerProvider.GetCapabilities().ProviderName, options ?? new FineTuneResilienceOptions(), timeProvider, loggerFactory?.CreateLogger<ResilientFineTuneProvider>());
    }

    /// <inheritdoc/>
    public override async Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var retrySafe = InnerProvider.GetService(typeof(DeduplicatingUploadFineTuneProvider)) is not null;
        var (source, spool) = await ReplayableContent.OpenAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            var start = source.Position;
            return await _pipeline.ExecuteAsync(
                "files.upload",
                retrySafe,
                token =>
                {
                    source.Position = start;
                    return new ValueTask<UploadedFile>(InnerProvider.UploadFileAsync(source, fileName, token));
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public override Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var retrySafe = InnerProvider.GetService(typeof(RetrySafeStartFineTuneProvider)) is not null
            || InnerProvider.GetCapabilities().SupportsNativeIdempotencyToken;
        if (retrySafe && request.IdempotencyKey is null)
        {
            request = request.WithIdempotencyKey(FineTuneJobRequest.NewIdempotencyKey());
        }

        return _pipeline.ExecuteAsync("jobs.start", retrySafe, token => new ValueTask<FineTuneJob>(InnerProvider.StartJobAsync(request, token)), cancellationToken);
    }

    /// <inheritdoc/>
    public override Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync("jobs.get", idempotent: true, token => new ValueTask<FineTuneJob>(InnerProvider.GetJobAsync(jobId, token)), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default)
        => ReadAllAsync("jobs.list", InnerProvider.ListJobsAsync, static j => j.Id, cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default)
        => ReadAllAsync("files.list", InnerProvider.ListFilesAsync, static f => f.Id, cancellationToken);

    /// <inheritdoc/>
    public override Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync("jobs.cancel", idempotent: false, token => new ValueTask<FineTuneJob>(InnerProvider.CancelJobAsync(jobId, token)), cancellationToken);

    /// <inheritdoc/>
    public override Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync("jobs.pause", idempotent: false, token => new ValueTask<FineTuneJob>(InnerProvider.PauseJobAsync(jobId, token)), cancellationToken);

    /// <inheritdoc/>
    public override Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync("jobs.resume", idempotent: false, token => new ValueTask<FineTuneJob>(InnerProvider.ResumeJobAsync(jobId, token)), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
        => ReadAllAsync("jobs.events", token => InnerProvider.GetEventsAsync(jobId, token), static e => e.Id, cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
        => ReadAllAsync("jobs.checkpoints", token => InnerProvider.GetCheckpointsAsync(jobId, token), static c => c.Id, cancellationToken);

    /// <inheritdoc/>
    public override Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default)
        => _pipeline.ExecuteAsync("jobs.metrics", idempotent: true, token => new ValueTask<IReadOnlyList<TrainingMetric>>(InnerProvider.GetTrainingMetricsAsync(jobId, token)), cancellationToken);

    private async IAsyncEnumerable<T> ReadAllAsync<T>(string operation, Func<CancellationToken, IAsyncEnumerable<T>> open, Func<T, string> key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = new Cursor<T>(open, key, cancellationToken);
        try
        {
            while (true)
            {
                var next = await _pipeline.ExecuteAsync(operation, idempotent: true, cursor.MoveNextAsync, cancellationToken).ConfigureAwait(false);
                if (!next)
                {
                    yield break;
                }

                yield return cursor.Current;
            }
        }
        finally
        {
            await cursor.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One enumeration of an inner list, reopened after a failed attempt; items already returned are skipped by key.
    /// Each attempt's token (caller, timeout) cancels the open enumeration.
    /// </summary>
    private sealed class Cursor<T>(Func<CancellationToken, IAsyncEnumerable<T>> open, Func<T, string> key, CancellationToken callerToken) : IAsyncDisposable
    {
        private readonly HashSet<string> _returned = new(StringComparer.Ordinal);
        private IAsyncEnumerator<T>? _enumerator;
        private CancellationTokenSource? _source;

        public T Current { get; private set; } = default!;

        public async ValueTask<bool> MoveNextAsync(CancellationToken attemptToken)
        {
            if (_enumerator is null)
            {
                _source = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
                _enumerator = open(_source.Token).GetAsyncEnumerator(_source.Token);
            }

            using var registration = attemptToken.Register(static s => CancelQuietly((CancellationTokenSource)s!), _source);
            try
            {
                while (await _enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    var item = _enumerator.Current;
                    if (_returned.Add(key(item)))
                    {
                        Current = item;
                        return true;
                    }
                }

                return false;
            }
            catch
            {
                await CloseAsync().ConfigureAwait(false);
                throw;
            }
        }

        public ValueTask DisposeAsync() => CloseAsync();

        private static void CancelQuietly(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the attempt already ended and closed its enumeration
            }
        }

        private async ValueTask CloseAsync()
        {
            var enumerator = _enumerator;
            _enumerator = null;
            try
            {
                if (enumerator is not null)
                {
                    await enumerator.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _source?.Dispose();
                _source = null;
            }
        }
    }
}
