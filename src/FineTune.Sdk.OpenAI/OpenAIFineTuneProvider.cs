using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Files;
using OpenAI.FineTuning;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// The OpenAI wire mapper: <see cref="IFineTuneProvider"/> over the OpenAI .NET package (2.15) — <c>FineTuningClient</c>
/// and <c>OpenAIFileClient</c>, its typed models bypassed where they are wrong (raw JSON is read instead), and pause,
/// resume, events and checkpoints sent through its protocol layer. It maps requests, responses and errors, nothing
/// else: each call is one attempt (the package's retries are off). Retries, retry-safe start, upload de-duplication,
/// logging and telemetry are decorators — compose them with <c>provider.AsBuilder().UseStandardPolicies(...).Build()</c>,
/// as <c>AddFineTuning().AddOpenAI(...)</c> does. Works against any OpenAI-compatible endpoint, such as the emulator in
/// FineTune.Sdk.Testing.
/// </summary>
/// <remarks>Thread-safe: one instance serves concurrent calls.</remarks>
public sealed class OpenAIFineTuneProvider : IFineTuneProvider
{
    private const int EventsPageSize = 100;
    private const int CheckpointsPageSize = 10;

    private readonly long _largeFileThresholdBytes;
    private readonly int _uploadPartBytes;
    private readonly FineTuningClient _fineTuning;
    private readonly OpenAIFileClient _files;
    private readonly OpenAIRawApi _raw;
    private readonly TimeProvider _time;
    private readonly FineTuneProviderCapabilities _capabilities;
    private readonly ModelRetirementSchedule _retirements;
    private readonly Lazy<IChatClient> _chat;

    /// <summary>Initializes a new instance of the <see cref="OpenAIFineTuneProvider"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="httpClient">The HTTP client requests go through (for example one wrapping the emulator's handler); the package's shared one when null. Not disposed by the provider.</param>
    /// <param name="timeProvider">The clock for Retry-After dates; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">The logger factory of the chat client; no logging when null.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every field at fault (never the key).</exception>
    public OpenAIFineTuneProvider(OpenAIFineTuneProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _largeFileThresholdBytes = options.LargeFileThresholdBytes; // a snapshot: later edits to the options do not reach a built provider
        _uploadPartBytes = options.UploadPartBytes;
        _time = timeProvider ?? TimeProvider.System;
        var credential = new ApiKeyCredential(options.ResolveApiKey()!);
        var endpoint = options.ResolveEndpoint();
        var fineTuningOptions = new FineTuningClientOptions { Endpoint = endpoint, OrganizationId = options.Organization, ProjectId = options.Project };
        Configure(fineTuningOptions, options, httpClient);
        _fineTuning = new FineTuningClient(credential, fineTuningOptions);
        _files = new OpenAIFileClient(credential, CreateClientOptions(options, httpClient));
        _raw = new OpenAIRawApi(_fineTuning.Pipeline, endpoint, _time);
        _capabilities = new FineTuneProviderCapabilities(OpenAIErrors.Provider)
        {
            Methods = [FineTuneMethod.Supervised, FineTuneMethod.Dpo],
            SupportsPauseResume = true,
            SupportsEvents = true,
            SupportsCheckpoints = true,
            SupportsTrainingMetrics = true,
            SupportsIdempotentStart = true, // the key travels in the job's metadata and is listed back
            MaxFileBytes = 8L * 1024 * 1024 * 1024,
            JobCreationEndsOn = OpenAIErrors.JobCreationEndsOn,
        };
        _retirements = OpenAIModelRetirements.Create(options.ModelRetirements);
        _chat = new Lazy<IChatClient>(() => OpenAIChatClients.Create(options, pipeline: null, httpClient, _time, loggerFactory));
    }

    /// <summary>Gets or sets the page size of job lists (tests lower it to exercise paging).</summary>
    internal int JobsPageSize { get; set; } = 100;

    /// <inheritdoc/>
    public Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var length = content.CanSeek ? content.Length - content.Position : (long?)null;
        return length > _largeFileThresholdBytes
            ? UploadInPartsAsync(content, fileName, length.Value, cancellationToken)
            : UploadWholeAsync(content, fileName, cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<UploadedFile> ListFilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ClientResult result;
        try
        {
            result = await _files.GetFilesAsync("fine-tune", new RequestOptions { CancellationToken = cancellationToken }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, "files.list", _time);
        }

        using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
        if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var file in data.EnumerateArray())
        {
            yield return OpenAIJson.File(file, sha256: null, reused: false);
        }
    }

    /// <inheritdoc/>
    public async Task<FineTuneJob> StartJobAsync(FineTuneJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var body = CreateJobBody(request, request.IdempotencyKey);
        FineTuningJob created;
        try
        {
            created = await _fineTuning.FineTuneAsync(BinaryContent.Create(body), waitUntilCompleted: false, new RequestOptions { CancellationToken = cancellationToken }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.MapCreate(ex, "jobs.start", _time);
        }

        return ParseJob(created.GetRawResponse(), created);
    }

    /// <inheritdoc/>
    public async Task<FineTuneJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        try
        {
            var job = await _fineTuning.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
            return ParseJob(job.GetRawResponse(), job);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, "jobs.get", _time);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<FineTuneJob> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in PagesAsync("fine_tuning/jobs", JobsPageSize, null, "jobs.list", cancellationToken).ConfigureAwait(false))
        {
            yield return OpenAIJson.Job(item);
        }
    }

    /// <inheritdoc/>
    public async Task<FineTuneJob> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        using var doc = await _raw.SendAsync("POST", $"fine_tuning/jobs/{Uri.EscapeDataString(jobId)}/cancel", null, "jobs.cancel", cancellationToken).ConfigureAwait(false);
        return OpenAIJson.Job(doc.RootElement);
    }

    /// <inheritdoc/>
    public Task<FineTuneJob> PauseJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return ProtocolJobCallAsync("jobs.pause", token => _fineTuning.PauseFineTuningJobAsync(jobId, new RequestOptions { CancellationToken = token }), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<FineTuneJob> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return ProtocolJobCallAsync("jobs.resume", token => _fineTuning.ResumeFineTuningJobAsync(jobId, new RequestOptions { CancellationToken = token }), cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<FineTuneEvent> GetEventsAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        await foreach (var item in PagesAsync($"fine_tuning/jobs/{Uri.EscapeDataString(jobId)}/events", EventsPageSize, null, "jobs.events", cancellationToken).ConfigureAwait(false))
        {
            yield return OpenAIJson.Event(item);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<FineTuneCheckpoint> GetCheckpointsAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        await foreach (var item in PagesAsync($"fine_tuning/jobs/{Uri.EscapeDataString(jobId)}/checkpoints", CheckpointsPageSize, null, "jobs.checkpoints", cancellationToken).ConfigureAwait(false))
        {
            yield return OpenAIJson.Checkpoint(item);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TrainingMetric>> GetTrainingMetricsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.ResultFileIds.Count > 0)
        {
            var fileId = job.ResultFileIds[0];
            string csv;
            try
            {
                var data = await _files.DownloadFileAsync(fileId, cancellationToken).ConfigureAwait(false);
                csv = DecodeResultsFile(data.Value);
            }
            catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
            {
                throw OpenAIErrors.Map(ex, "files.download", _time);
            }

            var rows = TrainingMetric.ParseCsv(csv);
            if (rows.Count > 0)
            {
                return rows;
            }
        }

        var byStep = new SortedDictionary<int, TrainingMetric>();
        await foreach (var e in GetEventsAsync(jobId, cancellationToken).ConfigureAwait(false))
        {
            if (e.Metric is { } metric)
            {
                byStep.TryAdd(metric.Step, metric); // newest first: the latest report of a step wins
            }
        }

        return [.. byStep.Values];
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

        if (serviceType == typeof(ModelRetirementSchedule))
        {
            return _retirements;
        }

        if (serviceType == typeof(IChatClient))
        {
            return _chat.Value;
        }

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        if (serviceType.IsInstanceOfType(_fineTuning))
        {
            return _fineTuning;
        }

        return serviceType.IsInstanceOfType(_files) ? _files : null;
    }

    internal static void Configure(ClientPipelineOptions target, OpenAIFineTuneProviderOptions options, HttpClient? httpClient)
    {
        // One retry layer only: ours. The package would otherwise retry 3 times inside each of our attempts.
        target.RetryPolicy = new ClientRetryPolicy(0);
        if (options.Resilience.AttemptTimeout is { } timeout && timeout > TimeSpan.FromSeconds(100))
        {
            target.NetworkTimeout = timeout + TimeSpan.FromSeconds(1);
        }

        if (httpClient is not null)
        {
            target.Transport = new HttpClientPipelineTransport(httpClient);
        }
    }

    internal static OpenAIClientOptions CreateClientOptions(OpenAIFineTuneProviderOptions options, HttpClient? httpClient)
    {
        var clientOptions = new OpenAIClientOptions { Endpoint = options.ResolveEndpoint(), OrganizationId = options.Organization, ProjectId = options.Project };
        Configure(clientOptions, options, httpClient);
        return clientOptions;
    }

    internal static string DecodeResultsFile(BinaryData data)
    {
        var text = data.ToString().Trim().TrimStart('\uFEFF');
        if (text.Contains(',', StringComparison.Ordinal))
        {
            return text;
        }

        // Some users report the results file body arriving base64-encoded; decode when it is.
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : text;
    }

    internal static BinaryData CreateJobBody(FineTuneJobRequest request, string? idempotencyKey)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("model", request.BaseModel);
            w.WriteString("training_file", request.TrainingFileId);
            if (request.ValidationFileId is { } validation)
            {
                w.WriteString("validation_file", validation);
            }

            if (request.Suffix is { } suffix)
            {
                w.WriteString("suffix", suffix);
            }

            if (request.Seed is { } seed)
            {
                w.WriteNumber("seed", seed);
            }

            w.WriteStartObject("metadata");
            foreach (var (k, v) in request.Metadata)
            {
                w.WriteString(k, v);
            }

            if (idempotencyKey is not null)
            {
                w.WriteString(FineTuneJobRequest.IdempotencyMetadataKey, idempotencyKey);
            }

            w.WriteEndObject();

            var method = request.Method.Value;
            w.WriteStartObject("method");
            w.WriteString("type", method);
            w.WriteStartObject(method);
            w.WriteStartObject("hyperparameters");
            var h = request.Hyperparameters;
            WriteAutoOr(w, "n_epochs", h.Epochs);
            WriteAutoOr(w, "batch_size", h.BatchSize);
            WriteAutoOr(w, "learning_rate_multiplier", h.LearningRateMultiplier);
            if (request.Method == FineTuneMethod.Dpo)
            {
                WriteAutoOr(w, "beta", h.Beta);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return new BinaryData(stream.ToArray());
    }

    private static void WriteAutoOr(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteString(name, "auto");
        }
    }

    private static FineTuneJob ParseJob(PipelineResponse response, object raw)
    {
        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        return OpenAIJson.Job(doc.RootElement, raw);
    }

    private async Task<FineTuneJob> ProtocolJobCallAsync(string operation, Func<CancellationToken, Task<ClientResult>> call, CancellationToken cancellationToken)
    {
        try
        {
            var result = await call(cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            return OpenAIJson.Job(doc.RootElement);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, operation, _time);
        }
    }

    private async IAsyncEnumerable<JsonElement> PagesAsync(string path, int pageSize, string? extraQuery, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var query = $"{path}?limit={pageSize}{extraQuery}{(after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after))}";
            using var doc = await _raw.SendAsync("GET", query, null, operation, cancellationToken).ConfigureAwait(false);
            var root = doc.RootElement;
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                yield break;
            }

            string? last = null;
            foreach (var item in data.EnumerateArray())
            {
                last = OpenAIJson.Str(item, "id") ?? last;
                yield return item;
            }

            var hasMore = root.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True;
            if (!hasMore || last is null || last == after)
            {
                yield break;
            }

            after = last;
        }
    }

    private async Task<UploadedFile> UploadWholeAsync(Stream source, string fileName, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _files.UploadFileAsync(source, fileName, FileUploadPurpose.FineTune, cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            return OpenAIJson.File(doc.RootElement, sha256: null, reused: false, raw: result.Value);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, "files.upload", _time);
        }
    }

    private async Task<UploadedFile> UploadInPartsAsync(Stream source, string storedName, long length, CancellationToken cancellationToken)
    {
        var options = new RequestOptions { CancellationToken = cancellationToken };
        try
        {
            var create = JsonSerializer.SerializeToUtf8Bytes(
                new UploadCreateRequest(storedName, "fine-tune", length, "text/jsonl"),
                OpenAIJsonContext.Default.UploadCreateRequest);
            var created = await _files.CreateUploadAsync(BinaryContent.Create(new BinaryData(create)), options).ConfigureAwait(false);
            string uploadId;
            using (var doc = JsonDocument.Parse(created.GetRawResponse().Content.ToMemory()))
            {
                uploadId = OpenAIJson.Str(doc.RootElement, "id") ?? throw new FineTuneException("OpenAI returned an upload without an id.") { Provider = OpenAIErrors.Provider };
            }

            var partIds = new List<string>();
            var buffer = new byte[(int)Math.Min(_uploadPartBytes, length)];
            while (true)
            {
                var read = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                using var multipart = new MultipartFormDataContent();
                using var part = new ByteArrayContent(buffer, 0, read);
                multipart.Add(part, "data", "part");
                var contentType = multipart.Headers.ContentType!.ToString();
                var bytes = await multipart.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                var added = await _files.AddUploadPartAsync(uploadId, BinaryContent.Create(new BinaryData(bytes)), contentType, options).ConfigureAwait(false);
                using var partDoc = JsonDocument.Parse(added.GetRawResponse().Content.ToMemory());
                partIds.Add(OpenAIJson.Str(partDoc.RootElement, "id") ?? throw new FineTuneException("OpenAI returned an upload part without an id.") { Provider = OpenAIErrors.Provider });
            }

            var complete = JsonSerializer.SerializeToUtf8Bytes(new UploadCompleteRequest(partIds), OpenAIJsonContext.Default.UploadCompleteRequest);
            var completed = await _files.CompleteUploadAsync(uploadId, BinaryContent.Create(new BinaryData(complete)), options).ConfigureAwait(false);
            using var completedDoc = JsonDocument.Parse(completed.GetRawResponse().Content.ToMemory());
            if (!completedDoc.RootElement.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.Object)
            {
                throw new FineTuneException($"OpenAI completed upload {uploadId} without a file.") { Provider = OpenAIErrors.Provider };
            }

            return OpenAIJson.File(file, sha256: null, reused: false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, "uploads", _time);
        }
    }
}
