namespace FineTune.Sdk;

/// <summary>
/// A base for decorators (logging, telemetry, policies) that pass every call to an inner provider; compose them with
/// <see cref="FineTuneProviderBuilder"/>. <see cref="GetService"/> answers for the decorator itself, then asks the
/// inner provider, so a question reaches the whole chain down to the adapter.
/// </summary>
/// <remarks>Thread-safe if the inner provider is; derived classes must keep it so.</remarks>
public class DelegatingFineTuneProvider : IFineTuneProvider
{
    /// <summary>Initializes a new instance of the <see cref="DelegatingFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    protected DelegatingFineTuneProvider(IFineTuneProvider innerProvider)
    {
        ArgumentNullException.ThrowIfNull(innerProvider);
        InnerProvider = innerProvider;
    }

    /// <summary>Gets the provider calls go to.</summary>
    /// <value>As given at construction.</value>
    protected IFineTuneProvider InnerProvider { get; }

    /// <inheritdoc/>
    public virtual Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default) => InnerProvider.UploadFileAsync(content, fileName, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default) => InnerProvider.ListFilesAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default) => InnerProvider.StartJobAsync(request, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.GetJobAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default) => InnerProvider.ListJobsAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.CancelJobAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.PauseJobAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.ResumeJobAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.GetEventsAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.GetCheckpointsAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default) => InnerProvider.GetTrainingMetricsAsync(jobId, cancellationToken);

    /// <inheritdoc/>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerProvider.GetService(serviceType, serviceKey);
    }
}
