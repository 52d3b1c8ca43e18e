using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// <see cref="IFineTuneProvider"/> over Amazon Bedrock model customization: datasets to S3 (AWSSDK.S3), jobs through
/// the control plane (CreateModelCustomizationJob with a <c>clientRequestToken</c> derived from the idempotency key,
/// so a repeated start never starts a second paid job), status <c>InProgress | Completed | Failed | Stopping | Stopped</c>
/// mapped onto <see cref="FineTuneJobStatus"/>, metrics from the CSVs under the output prefix. A wire mapper only:
/// retries, de-duplication and telemetry are decorators composed above it.
/// </summary>
/// <remarks>
/// Thread-safe: one instance serves concurrent calls. <see cref="GetService"/> supplies
/// <see cref="FineTuneProviderCapabilities"/>, <see cref="BedrockModelManagement"/> (custom models, provisioned
/// throughput, deployments) and an <see cref="IChatClient"/> over Converse. Dispose it to release its S3 client.
/// </remarks>
public sealed class BedrockFineTuneProvider : IFineTuneProvider, IDisposable
{
    private readonly BedrockFineTuneProviderOptions _options;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "IBedrockTransport is the one seam an AWSSDK.Bedrock implementation replaces.")]
    private readonly IBedrockTransport _transport;
    private readonly BedrockObjectStore _store;
    private readonly ILogger _logger;
    private readonly FineTuneProviderCapabilities _capabilities;
    private readonly BedrockModelManagement _models;
    private readonly Lazy<BedrockChatClient> _chat;

    /// <summary>Initializes a new instance of the <see cref="BedrockFineTuneProvider"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="awsOptions">Credentials, profile, region and ServiceURL as configured for AWS SDK clients (the <c>AWS</c> section); AWSSDK.Core's default chains when null.</param>
    /// <param name="httpClient">The HTTP client for the control plane and Runtime; a shared one when null. Not disposed by the provider.</param>
    /// <param name="timeProvider">The clock used for signing; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">The logger factory; no logging when null.</param>
    /// <exception cref="ArgumentException">The options are invalid or no region can be found; the message names the field.</exception>
    public BedrockFineTuneProvider(BedrockFineTuneProviderOptions options, AWSOptions? awsOptions = null, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        var time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)loggerFactory?.CreateLogger<BedrockFineTuneProvider>() ?? NullLogger.Instance;
        var endpoints = BedrockEndpoints.Resolve(options, awsOptions);
        var credentials = new BedrockCredentialSource(awsOptions);
        _transport = new BedrockHttpTransport(httpClient, endpoints.ControlPlane, endpoints.Runtime, endpoints.Region, credentials, time);
        _store = new BedrockObjectStore(credentials, endpoints.Region, endpoints.S3, options.MultipartThresholdBytes);
        _capabilities = new FineTuneProviderCapabilities(BedrockErrors.Provider)
        {
            Methods = [FineTuneMethod.Supervised],
            SupportsPauseResume = false,
            SupportsEvents = false,
            SupportsCheckpoints = false,
            SupportsTrainingMetrics = true,
            SupportsIdempotentStart = true,
            SupportsNativeIdempotencyToken = true,
            MaxFileBytes = 10L * 1024 * 1024 * 1024,
        };
        _models = new BedrockModelManagement(_transport, options.ListPageSize, _logger);
        _chat = new Lazy<BedrockChatClient>(() => new BedrockChatClient(_transport, options.DefaultChatModel, _logger));
        Region = endpoints.Region;
    }

    /// <summary>Gets the AWS region requests are signed for.</summary>
    public string Region { get; }

    /// <inheritdoc/>
    /// <remarks>Stores the file under <see cref="BedrockFineTuneProviderOptions.UploadS3Uri"/> at a key carrying its SHA-256; the returned id is the <c>s3://</c> URI to pass as the training file.</remarks>
    public async Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var prefix = _options.UploadS3Uri ?? throw new InvalidOperationException("Bedrock.UploadS3Uri is not set: set the S3 prefix datasets are uploaded to, for example s3://my-bucket/finetune/data/.");
        FileStream? spool = null;
        try
        {
            var source = content;
            if (!content.CanSeek)
            {
                spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                await content.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                source = spool;
            }

            var start = source.Position;
            var sha = Convert.ToHexString(await SHA256.HashDataAsync(source, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
            var length = source.Position - start;
            source.Position = start;
            var uri = BedrockS3Uri.Join(prefix, sha[..16] + "-" + BedrockS3Uri.SafeSegment(Path.GetFileName(fileName)));
            if (BedrockS3Uri.Check(uri) is { } problem)
            {
                throw new ArgumentException($"The upload URI {problem}", nameof(fileName));
            }

            var parts = await _store.UploadAsync(source, length, uri, sha, cancellationToken).ConfigureAwait(false);
            BedrockLog.FileUploaded(_logger, uri, length, parts);
            return new UploadedFile(uri, fileName)
            {
                Bytes = length,
                Sha256 = sha,
                AdditionalProperties = new AdditionalPropertiesDictionary { ["parts"] = parts, ["s3ChecksumSha256"] = Convert.ToBase64String(Convert.FromHexString(sha)) },
            };
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
    /// <remarks>The objects under <see cref="BedrockFineTuneProviderOptions.UploadS3Uri"/>; ids are their <c>s3://</c> URIs.</remarks>
    public async IAsyncEnumerable<UploadedFile> ListFilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = _options.UploadS3Uri ?? throw new InvalidOperationException("Bedrock.UploadS3Uri is not set: set the S3 prefix datasets are uploaded to, for example s3://my-bucket/finetune/data/.");
        await foreach (var (uri, bytes, modified) in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return new UploadedFile(uri, uri[(uri.LastIndexOf('/') + 1)..]) { Bytes = bytes, CreatedAt = modified };
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The training and validation file ids are <c>s3://</c> URIs. The request's idempotency key (a new GUID when
    /// none) becomes the <c>clientRequestToken</c>: Bedrock ignores a repeated create with the same token.
    /// </remarks>
    public Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
        => StartJobAsync(request, bedrock: null, cancellationToken);

    /// <summary>Starts a customization job with Bedrock-specific settings.</summary>
    /// <param name="request">What to train; file ids are <c>s3://</c> URIs.</param>
    /// <param name="bedrock">Names, role, output, KMS key and extra hyperparameters; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call (not the job).</param>
    /// <returns>The job as first reported.</returns>
    /// <exception cref="ArgumentException">The request is invalid for Bedrock (URI, role, hyperparameter name or range).</exception>
    /// <exception cref="FineTuneException">Bedrock refused or failed.</exception>
    public async Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, BedrockJobOptions? bedrock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var body = CreateJobBody(request, bedrock, out var key);
        var created = await _transport.CreateModelCustomizationJobAsync(body, cancellationToken).ConfigureAwait(false);
        BedrockLog.JobCreated(_logger, created.JobArn, request.BaseModel);
        var job = await _transport.GetModelCustomizationJobAsync(created.JobArn, cancellationToken).ConfigureAwait(false);
        return BedrockMapping.Job(job, key);
    }

    /// <inheritdoc/>
    /// <remarks>Accepts the job ARN or the job name.</remarks>
    public async Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return BedrockMapping.Job(await _transport.GetModelCustomizationJobAsync(jobId, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    /// <remarks>Summaries: hyperparameters and data locations need <see cref="GetJobAsync"/>.</remarks>
    public IAsyncEnumerable<FineTuneJob> ListJobsAsync(CancellationToken cancellationToken = default) => ListJobsAsync(new BedrockJobFilter(), cancellationToken);

    /// <summary>Lists jobs matching a filter, fetching every page as the caller enumerates.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The jobs (summaries).</returns>
    public async IAsyncEnumerable<FineTuneJob> ListJobsAsync(BedrockJobFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new List<KeyValuePair<string, string>>
        {
            new("maxResults", _options.ListPageSize.ToString(CultureInfo.InvariantCulture)),
            new("sortBy", "CreationTime"),
            new("sortOrder", filter.OldestFirst ? "Ascending" : "Descending"),
        };
        AddIf(query, "statusEquals", filter.Status);
        AddIf(query, "nameContains", filter.NameContains);
        AddIf(query, "creationTimeAfter", filter.CreatedAfter is { } after ? BedrockMapping.Timestamp(after) : null);
        AddIf(query, "creationTimeBefore", filter.CreatedBefore is { } before ? BedrockMapping.Timestamp(before) : null);
        string? next = null;
        do
        {
            var page = await _transport.ListModelCustomizationJobsAsync(WithToken(query, next), cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.ModelCustomizationJobSummaries ?? [])
            {
                yield return BedrockMapping.Job(summary);
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
    }

    /// <inheritdoc/>
    /// <remarks>StopModelCustomizationJob: the job goes to <c>Stopping</c> (neutral <c>stopping</c>), then <c>Stopped</c> (cancelled).</remarks>
    public async Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        await _transport.StopModelCustomizationJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        BedrockLog.JobStopRequested(_logger, jobId);
        return await GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
        => throw _capabilities.NotSupported("pausing jobs", nameof(FineTuneProviderCapabilities.SupportsPauseResume));

    /// <inheritdoc/>
    public Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
        => throw _capabilities.NotSupported("resuming jobs", nameof(FineTuneProviderCapabilities.SupportsPauseResume));

    /// <inheritdoc/>
    public IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
        => throw _capabilities.NotSupported("job events (Bedrock reports status and metrics only)", nameof(FineTuneProviderCapabilities.SupportsEvents));

    /// <inheritdoc/>
    public IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
        => throw _capabilities.NotSupported("checkpoints", nameof(FineTuneProviderCapabilities.SupportsCheckpoints));

    /// <inheritdoc/>
    /// <remarks>
    /// Reads <c>{output}/model-customization-job-{id}/training_artifacts/step_wise_training_metrics.csv</c> and the
    /// validation CSV (both layouts AWS uses) and joins them by step. Empty while the job has written none. The
    /// final losses Bedrock reports on the job are in <see cref="FineTuneJob.AdditionalProperties"/>
    /// (<c>trainingLoss</c>, <c>validationLoss</c>).
    /// </remarks>
    public async Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var job = await _transport.GetModelCustomizationJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.OutputDataConfig?.S3Uri is not { } output || job.JobArn is not { } arn)
        {
            return [];
        }

        var folder = BedrockS3Uri.Join(output, "model-customization-job-" + BedrockMapping.JobIdOf(arn));
        var trainingUri = BedrockS3Uri.Join(folder, "training_artifacts/step_wise_training_metrics.csv");
        var training = await _store.ReadTextAsync(trainingUri, cancellationToken).ConfigureAwait(false);
        string? validation = null;
        foreach (var relative in new[] { "validation_artifacts/post_fine_tuning_validation/validation_metrics.csv", "validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv" })
        {
            validation = await _store.ReadTextAsync(BedrockS3Uri.Join(folder, relative), cancellationToken).ConfigureAwait(false);
            if (validation is not null)
            {
                break;
            }
        }

        var rows = MergeMetrics(training, validation);
        BedrockLog.MetricsRead(_logger, arn, folder, rows.Count);
        return rows;
    }

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
            return _capabilities;
        }

        if (serviceType == typeof(BedrockModelManagement))
        {
            return _models;
        }

        if (serviceType == typeof(IChatClient) || serviceType == typeof(BedrockChatClient))
        {
            return _chat.Value;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();

    internal static IReadOnlyList<TrainingMetric> MergeMetrics(string? trainingCsv, string? validationCsv)
    {
        var training = trainingCsv is null ? [] : TrainingMetric.ParseCsv(trainingCsv);
        var validation = validationCsv is null ? [] : TrainingMetric.ParseCsv(validationCsv);
        if (validation.Count == 0)
        {
            return training;
        }

        var byStep = new SortedDictionary<(int Epoch, int Step), TrainingMetric>();
        foreach (var row in training)
        {
            byStep[(row.Epoch ?? 0, row.Step)] = row;
        }

        foreach (var row in validation)
        {
            var key = (row.Epoch ?? 0, row.Step);
            byStep[key] = byStep.TryGetValue(key, out var existing)
                ? new TrainingMetric(existing.Step) { Epoch = existing.Epoch, TrainLoss = existing.TrainLoss, ValidLoss = row.ValidLoss, AdditionalProperties = existing.AdditionalProperties }
                : row;
        }

        return [.. byStep.Values];
    }

    private CreateJobBody CreateJobBody(FineTuneJobRequest request, BedrockJobOptions? bedrock, out string key)
    {
        if (request.Method != FineTuneMethod.Supervised)
        {
            throw new ArgumentException($"Bedrock fine-tuning takes the supervised method; the request asked for '{request.Method}'.", nameof(request));
        }

        var roleArn = bedrock?.RoleArn ?? _options.RoleArn ?? throw new ArgumentException("Bedrock needs a training role: set Bedrock.RoleArn (or BedrockJobOptions.RoleArn).", nameof(request));
        if (!BedrockS3Uri.RoleArnPattern().IsMatch(roleArn))
        {
            throw new ArgumentException($"RoleArn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME); it was '{roleArn}'.", nameof(request));
        }

        var output = bedrock?.OutputS3Uri ?? _options.OutputS3Uri ?? throw new ArgumentException("Bedrock needs an output location: set Bedrock.OutputS3Uri (or BedrockJobOptions.OutputS3Uri).", nameof(request));
        CheckUri(nameof(BedrockJobOptions.OutputS3Uri), output);
        CheckUri(nameof(request.TrainingFileId), request.TrainingFileId);
        if (request.ValidationFileId is { } validation)
        {
            CheckUri(nameof(request.ValidationFileId), validation);
        }

        var hyper = BedrockMapping.HyperParameters(request.Hyperparameters.Epochs, request.Hyperparameters.BatchSize, request.Hyperparameters.LearningRateMultiplier);

        if (bedrock is not null)
        {
            foreach (var (name, value) in bedrock.HyperParameters)
            {
                hyper[name] = value;
            }
        }

        if (BedrockModelFamily.Find(request.BaseModel) is { } family)
        {
            var problems = family.CheckHyperParameters(hyper);
            if (problems.Count > 0)
            {
                throw new ArgumentException($"Hyperparameters do not fit {family.DisplayName} ({request.BaseModel}): " + string.Join(" ", problems), nameof(request));
            }
        }

        key = request.IdempotencyKey ?? Guid.NewGuid().ToString("N");
        var token = BedrockMapping.ClientRequestToken(key);
        return new CreateJobBody
        {
            JobName = bedrock?.JobName ?? BedrockMapping.DerivedName(request.Suffix, token),
            CustomModelName = bedrock?.CustomModelName ?? BedrockMapping.DerivedName(request.Suffix, token),
            RoleArn = roleArn,
            ClientRequestToken = token,
            BaseModelIdentifier = request.BaseModel,
            CustomizationType = _options.CustomizationType,
            CustomModelKmsKeyId = bedrock?.CustomModelKmsKeyId,
            JobTags = request.Metadata.Count == 0 ? null : request.Metadata.Select(p => new Tag(p.Key, p.Value)).ToList(),
            TrainingDataConfig = new S3Location(request.TrainingFileId),
            ValidationDataConfig = request.ValidationFileId is { } v ? new ValidationDataConfig([new S3Location(v)]) : null,
            OutputDataConfig = new S3Location(output),
            HyperParameters = hyper.Count == 0 ? null : hyper,
        };
    }

    private static void CheckUri(string field, string uri)
    {
        if (BedrockS3Uri.Check(uri) is { } problem)
        {
            throw new ArgumentException($"{field} {problem}", field);
        }
    }

    private static void AddIf(List<KeyValuePair<string, string>> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add(new(name, value));
        }
    }

    internal static List<KeyValuePair<string, string>> WithToken(List<KeyValuePair<string, string>> query, string? next)
        => next is null ? query : [.. query, new("nextToken", next)];
}
