using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Conveniences over <see cref="IFineTuneProvider"/>'s core verbs.</summary>
public static class FineTuneProviderExtensions
{
    /// <summary>Gets what the provider can do.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The provider's capabilities, or an all-false set named <c>unknown</c> if it states none.</returns>
    public static FineTuneProviderCapabilities GetCapabilities(this IFineTuneProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider.GetService(typeof(FineTuneProviderCapabilities)) as FineTuneProviderCapabilities ?? new FineTuneProviderCapabilities("unknown");
    }

    /// <summary>Asks the provider for an object of type <typeparamref name="TService"/>.</summary>
    /// <typeparam name="TService">The type wanted.</typeparam>
    /// <param name="provider">The provider.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    public static TService? GetService<TService>(this IFineTuneProvider provider, object? serviceKey = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider.GetService(typeof(TService), serviceKey) as TService;
    }

    /// <summary>Creates a handle for an existing job — in this process or another — without calling the provider.</summary>
    /// <param name="provider">The provider that runs the job.</param>
    /// <param name="jobId">The job id.</param>
    /// <param name="options">How to poll; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <returns>The handle.</returns>
    public static FineTuneJobHandle TrackJob(this IFineTuneProvider provider, string jobId, FineTunePollingOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        => new(provider, jobId, options, timeProvider, logger);

    /// <summary>Starts a job (idempotently, see <see cref="IFineTuneProvider.StartJobAsync"/>) and returns a handle to it.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="request">What to train.</param>
    /// <param name="options">How the handle polls; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the start call.</param>
    /// <returns>The handle, holding the job as first reported.</returns>
    public static async Task<FineTuneJobHandle> StartJobAndTrackAsync(this IFineTuneProvider provider, FineTuneJobRequest request, FineTunePollingOptions? options = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var job = await provider.StartJobAsync(request, cancellationToken).ConfigureAwait(false);
        return new FineTuneJobHandle(provider, job, options, timeProvider);
    }

    /// <summary>Uploads a file from disk (skipping the upload if an identical file is already stored).</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="path">The file's path.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The stored file.</returns>
    public static async Task<UploadedFile> UploadFileAsync(this IFineTuneProvider provider, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await provider.UploadFileAsync(stream, Path.GetFileName(path), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads every event of a job and returns them oldest first.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The events in the order they happened.</returns>
    public static async Task<IReadOnlyList<FineTuneEvent>> GetEventsOldestFirstAsync(this IFineTuneProvider provider, string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var events = new List<FineTuneEvent>();
        await foreach (var e in provider.GetEventsAsync(jobId, cancellationToken).ConfigureAwait(false))
        {
            events.Add(e);
        }

        events.Reverse();
        return events;
    }
}
