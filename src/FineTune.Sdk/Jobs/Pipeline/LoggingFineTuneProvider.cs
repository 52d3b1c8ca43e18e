using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>
/// A decorator that logs what each call did (event ids 2010-2019): files uploaded or reused, jobs started and state
/// changes asked for at Information; a failed call at Warning (Error when job creation is refused for good); reads at
/// Debug. File names, ids and HTTP details are logged; keys and file contents never.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class LoggingFineTuneProvider : DelegatingFineTuneProvider
{
    private readonly ILogger _logger;
    private readonly string _provider;

    /// <summary>Initializes a new instance of the <see cref="LoggingFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    /// <param name="logger">The logger.</param>
    public LoggingFineTuneProvider(IFineTuneProvider innerProvider, ILogger logger)
        : base(innerProvider)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _provider = innerProvider.GetCapabilities().ProviderName;
    }

    /// <inheritdoc/>
    public override async Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        var file = await Logged("files.upload", () => InnerProvider.UploadFileAsync(content, fileName, cancellationToken)).ConfigureAwait(false);
        if (file.Reused)
        {
            JobsLog.FileReused(_logger, _provider, file.Id, file.FileName, file.Bytes ?? -1);
        }
        else
        {
            JobsLog.FileUploaded(_logger, _provider, file.Id, file.FileName, file.Bytes ?? -1);
        }

        return file;
    }

    /// <inheritdoc/>
    public override async Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        FineTuneJob job;
        try
        {
            job = await InnerProvider.StartJobAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (FineTuneJobCreationRefusedException refused)
        {
            JobsLog.JobCreationRefused(_logger, _provider, refused.StatusCode ?? 0, refused.ProviderCode ?? "none");
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed("jobs.start", ex);
            throw;
        }

        JobsLog.JobStarted(_logger, _provider, job.Id, job.BaseModel ?? request.BaseModel, job.Method.Value);
        return job;
    }

    /// <inheritdoc/>
    public override Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
        => Logged("jobs.get", () => InnerProvider.GetJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default)
        => LoggedAsync("jobs.list", InnerProvider.ListJobsAsync(cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<UploadedFile> ListFilesAsync(CancellationToken cancellationToken = default)
        => LoggedAsync("files.list", InnerProvider.ListFilesAsync(cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
        => StateChange("jobs.cancel", jobId, () => InnerProvider.CancelJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
        => StateChange("jobs.pause", jobId, () => InnerProvider.PauseJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
        => StateChange("jobs.resume", jobId, () => InnerProvider.ResumeJobAsync(jobId, cancellationToken));

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
        => LoggedAsync("jobs.events", InnerProvider.GetEventsAsync(jobId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
        => LoggedAsync("jobs.checkpoints", InnerProvider.GetCheckpointsAsync(jobId, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default)
        => Logged("jobs.metrics", () => InnerProvider.GetTrainingMetricsAsync(jobId, cancellationToken));

    private async Task<FineTuneJob> StateChange(string operation, string jobId, Func<Task<FineTuneJob>> call)
    {
        var job = await Logged(operation, call).ConfigureAwait(false);
        JobsLog.JobStateChangeRequested(_logger, _provider, operation, jobId, job.Status.Value);
        return job;
    }

    private async Task<T> Logged<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            var result = await call().ConfigureAwait(false);
            JobsLog.CallCompleted(_logger, _provider, operation);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(operation, ex);
            throw;
        }
    }

    private async IAsyncEnumerable<T> LoggedAsync<T>(string operation, IAsyncEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            var count = 0;
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Failed(operation, ex);
                    throw;
                }

                count++;
                yield return enumerator.Current;
            }

            JobsLog.ListCompleted(_logger, _provider, operation, count);
        }
    }

    private void Failed(string operation, Exception exception)
    {
        var fte = exception as FineTuneException;
        JobsLog.CallFailed(_logger, _provider, operation, fte?.StatusCode ?? 0, fte?.ProviderCode ?? "none", exception.GetType().Name);
    }
}
