namespace FineTune.Sdk;

/// <summary>
/// A fine-tuning service (OpenAI, Bedrock, an emulator): files, jobs, their events, checkpoints and metrics.
/// Only the core verbs live here; conveniences are in <see cref="FineTuneProviderExtensions"/>.
/// </summary>
/// <remarks>
/// Implementations are thread-safe: one instance serves concurrent calls. A verb the provider lacks (see
/// <see cref="FineTuneProviderCapabilities"/>) throws <see cref="NotSupportedException"/> rather than being faked.
/// Failures reported by the provider surface as <see cref="FineTuneException"/>.
/// </remarks>
public interface IFineTuneProvider
{
    /// <summary>
    /// Uploads a training or validation file. An adapter sends it as named; the standard pipeline
    /// (<see cref="FineTuneProviderBuilderExtensions.UseStandardPolicies"/>) first computes its SHA-256 and reuses an
    /// identical file already stored (<see cref="DeduplicatingUploadFineTuneProvider"/>).
    /// </summary>
    /// <param name="content">The file content (JSONL), read from its current position.</param>
    /// <param name="fileName">The file name, for example <c>train.jsonl</c>.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The stored file, with <see cref="UploadedFile.Reused"/> set when nothing was sent.</returns>
    /// <exception cref="FineTuneException">The provider refused the file or failed.</exception>
    Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default);

    /// <summary>Lists the fine-tuning files stored at the provider, fetching pages as the caller enumerates.</summary>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The files, in the provider's order.</returns>
    /// <exception cref="FineTuneException">The provider failed.</exception>
    IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a job. The request is validated first (<see cref="FineTuneJobRequest.Validate"/>). An adapter creates
    /// the job, storing <see cref="FineTuneJobRequest.IdempotencyKey"/> with it when it can; the standard pipeline makes
    /// the start <b>retry-safe</b> (not atomic): a job already carrying the key is returned instead of creating a second
    /// one (<see cref="RetrySafeStartFineTuneProvider"/>).
    /// </summary>
    /// <param name="request">What to train.</param>
    /// <param name="cancellationToken">Cancels the call (not the job).</param>
    /// <returns>The job as first reported.</returns>
    /// <exception cref="ArgumentException">The request is invalid.</exception>
    /// <exception cref="FineTuneJobCreationRefusedException">The provider no longer lets this account create jobs.</exception>
    /// <exception cref="FineTuneException">The provider failed.</exception>
    Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default);

    /// <summary>Gets a job by id (works for jobs started by another process).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job's current snapshot.</returns>
    /// <exception cref="FineTuneException">The job does not exist (HTTP 404) or the provider failed.</exception>
    Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Lists every job of the account, newest first, fetching pages as the caller enumerates.</summary>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The jobs.</returns>
    IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>Cancels a job that has not finished.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job after cancellation.</returns>
    Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Pauses a running job.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job after pausing.</returns>
    /// <exception cref="NotSupportedException">The provider cannot pause jobs.</exception>
    Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused job.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job after resuming.</returns>
    /// <exception cref="NotSupportedException">The provider cannot resume jobs.</exception>
    Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Lists a job's events, <b>newest first</b>, fetching pages as the caller enumerates.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The events, newest first.</returns>
    /// <exception cref="NotSupportedException">The provider has no event log.</exception>
    IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Lists a job's checkpoints, highest step first.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The checkpoints.</returns>
    /// <exception cref="NotSupportedException">The provider keeps no checkpoints.</exception>
    IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a job's training metrics by step: the results file parsed when the job has one, otherwise the metrics
    /// reported by its events so far.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rows in step order.</returns>
    /// <exception cref="NotSupportedException">The provider reports no metrics.</exception>
    Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks for an object the provider can supply: <see cref="FineTuneProviderCapabilities"/>,
    /// <see cref="ModelRetirementSchedule"/>, an <c>IChatClient</c>, or the native client.
    /// </summary>
    /// <param name="serviceType">The type of object wanted.</param>
    /// <param name="serviceKey">An optional key to tell objects of the same type apart.</param>
    /// <returns>The object, or <see langword="null"/> if the provider has none.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
