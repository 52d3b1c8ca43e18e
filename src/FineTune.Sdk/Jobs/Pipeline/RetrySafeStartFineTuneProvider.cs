using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// A decorator that makes <see cref="IFineTuneProvider.StartJobAsync"/> <b>retry-safe</b>: before creating a job it
/// looks, among the newest jobs, for one whose metadata carries the request's idempotency key, and returns that job
/// instead of creating (and paying for) a second one.
/// </summary>
/// <remarks>
/// <para><b>Retry-safe, not atomic.</b> Find-then-create protects a retry after a lost response and a re-run with
/// the same key. Two processes starting the same key at the same moment can both find nothing and both create a
/// job; so can a job older than the <see cref="DefaultScanLimit"/> newest. Use one starter per key.</para>
/// <para>A provider with a native idempotency token (<see cref="FineTuneProviderCapabilities.SupportsNativeIdempotencyToken"/>,
/// for example Bedrock's <c>clientRequestToken</c>) deduplicates on its side, atomically: this decorator then only
/// makes sure the request carries a key and passes it through. A provider that cannot store the key
/// (<see cref="FineTuneProviderCapabilities.SupportsIdempotentStart"/> false) is called directly.</para>
/// <para>A request without a key gets a fresh one, so only the retries around this call are protected; set
/// <see cref="FineTuneJobRequest.IdempotencyKey"/> to a stable value to protect re-runs. Thread-safe.</para>
/// </remarks>
public sealed class RetrySafeStartFineTuneProvider : DelegatingFineTuneProvider
{
    /// <summary>The default number of newest jobs scanned for the key.</summary>
    public const int DefaultScanLimit = 100;

    private readonly int _scanLimit;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="RetrySafeStartFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    /// <param name="scanLimit">How many of the newest jobs are scanned for the key; 1 to 10,000.</param>
    /// <param name="loggerFactory">Logs a job found by its key (event 2013); none when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scanLimit"/> is outside 1 to 10,000.</exception>
    public RetrySafeStartFineTuneProvider(IFineTuneProvider innerProvider, int scanLimit = DefaultScanLimit, ILoggerFactory? loggerFactory = null)
        : base(innerProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scanLimit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scanLimit, 10_000);
        _scanLimit = scanLimit;
        _logger = (ILogger?)loggerFactory?.CreateLogger<RetrySafeStartFineTuneProvider>() ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public override async Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var keyed = request.IdempotencyKey is null ? request.WithIdempotencyKey(FineTuneJobRequest.NewIdempotencyKey()) : request;
        var capabilities = InnerProvider.GetCapabilities();
        if (capabilities.SupportsNativeIdempotencyToken || !capabilities.SupportsIdempotentStart)
        {
            return await InnerProvider.StartJobAsync(keyed, cancellationToken).ConfigureAwait(false);
        }

        var key = keyed.IdempotencyKey!;
        var scanned = 0;
        await foreach (var job in InnerProvider.ListJobsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(job.IdempotencyKey, key, StringComparison.Ordinal))
            {
                JobsLog.JobFoundByIdempotencyKey(_logger, job.Id, capabilities.ProviderName);
                return job;
            }

            if (++scanned >= _scanLimit)
            {
                break;
            }
        }

        return await InnerProvider.StartJobAsync(keyed, cancellationToken).ConfigureAwait(false);
    }
}
