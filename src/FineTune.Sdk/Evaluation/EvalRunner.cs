using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FineTune.Sdk;

/// <summary>
/// The built-in <see cref="IEvalRunner"/>: bounded concurrency, optional request and token rate limits, Polly retries
/// that honour <c>Retry-After</c>, a per-case timeout, a resumable JSONL run file and an optional response cache.
/// </summary>
/// <remarks>
/// Transient failures: <see cref="FineTuneException"/> with <see cref="FineTuneException.IsTransient"/> or a 408/429/5xx
/// status (its <see cref="FineTuneException.RetryAfter"/> is honoured), <see cref="HttpRequestException"/> with such a
/// status or none, <see cref="TimeoutException"/> and <see cref="IOException"/>. Thread-safe; one instance can run
/// several evaluations at once.
/// </remarks>
public sealed class EvalRunner : IEvalRunner
{
    private static readonly Counter<long> CaseCounter = FineTuneTelemetry.Meter.CreateCounter<long>("finetune.eval.cases", "{case}", "Case-variant pairs evaluated.");
    private static readonly Histogram<double> LatencyHistogram = FineTuneTelemetry.Meter.CreateHistogram<double>("finetune.eval.latency", "s", "Latency of evaluated model calls.");

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="EvalRunner"/> class.</summary>
    /// <param name="timeProvider">The clock for latency, rate limits and retries; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; defaults to none.</param>
    public EvalRunner(TimeProvider? timeProvider = null, ILogger<EvalRunner>? logger = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType == typeof(TimeProvider) ? _timeProvider : null;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<EvalCaseResult> RunAsync(
        IReadOnlyList<GoldenCase> cases,
        IReadOnlyList<ModelVariant> variants,
        EvalRunOptions? options = null,
        IProgress<EvalProgress>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(variants);
        options = (options ?? new EvalRunOptions()).ThrowIfInvalid();
        if (variants.Count == 0)
        {
            throw new ArgumentException("At least one variant is needed.", nameof(variants));
        }

        if (variants.Select(v => v.Label).Distinct(StringComparer.Ordinal).Count() != variants.Count)
        {
            throw new ArgumentException("Variant labels must be unique.", nameof(variants));
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.eval.run");
        activity?.SetTag("finetune.eval.cases", cases.Count);
        activity?.SetTag("finetune.eval.variants", variants.Count);

        var caseIds = new HashSet<string>(cases.Select(c => c.Id), StringComparer.Ordinal);
        var labels = variants.ToDictionary(v => v.Label, v => v.ModelId, StringComparer.Ordinal);
        var previous = options.RunFile is null ? [] : await ReadRunFileAsync(options.RunFile, caseIds, labels, cancellationToken).ConfigureAwait(false);
        var done = new HashSet<(string, string)>(previous.Select(r => (r.CaseId, r.Variant)));

        var pending = new List<(GoldenCase Case, ModelVariant Variant)>();
        foreach (var goldenCase in cases)
        {
            foreach (var variant in variants)
            {
                if (!done.Contains((goldenCase.Id, variant.Label)))
                {
                    pending.Add((goldenCase, variant));
                }
            }
        }

        var missingClient = pending.Select(p => p.Variant).FirstOrDefault(v => v.Client is null);
        if (missingClient is not null)
        {
            throw new ArgumentException($"Variant '{missingClient.Label}' has no chat client but has cases that are not in the run file.", nameof(variants));
        }

        var total = cases.Count * variants.Count;
        int completed = 0, failed = 0, cached = 0;
        EvalLog.RunStarted(_logger, cases.Count, variants.Count, pending.Count, options.MaxConcurrency);
        if (previous.Count > 0)
        {
            EvalLog.RunResumed(_logger, previous.Count);
        }

        foreach (var result in previous)
        {
            completed++;
            failed += result.Error is null ? 0 : 1;
            progress?.Report(new EvalProgress(completed, total, failed, cached));
            yield return result;
        }

        if (pending.Count == 0)
        {
            EvalLog.RunFinished(_logger, completed, failed, cached);
            yield break;
        }

        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var context = new RunContext(options, _timeProvider, _logger);
        var work = Channel.CreateBounded<(GoldenCase, ModelVariant)>(pending.Count);
        foreach (var item in pending)
        {
            work.Writer.TryWrite(item);
        }

        work.Writer.Complete();
        var results = Channel.CreateBounded<EvalCaseResult>(new BoundedChannelOptions(Math.Max(1024, options.MaxConcurrency * 4)) { SingleReader = true });
        var workers = Enumerable.Range(0, Math.Min(options.MaxConcurrency, pending.Count))
            .Select(_ => Task.Run(() => WorkAsync(context, work.Reader, results.Writer, runCts.Token), runCts.Token))
            .ToArray();
        var all = Task.WhenAll(workers).ContinueWith(t => results.Writer.TryComplete(t.Exception?.GetBaseException()), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            await foreach (var result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                completed++;
                failed += result.Error is null ? 0 : 1;
                cached += result.Cached ? 1 : 0;
                progress?.Report(new EvalProgress(completed, total, failed, cached));
                yield return result;
            }

            await all.ConfigureAwait(false);
        }
        finally
        {
            await runCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped or the run was cancelled; finished results are already in the run file.
            }

            await context.DisposeAsync().ConfigureAwait(false);
        }

        EvalLog.RunFinished(_logger, completed, failed, cached);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async Task WorkAsync(RunContext context, ChannelReader<(GoldenCase, ModelVariant)> work, ChannelWriter<EvalCaseResult> results, CancellationToken cancellationToken)
    {
        while (work.TryRead(out var item))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await context.EvaluateAsync(item.Item1, item.Item2, cancellationToken).ConfigureAwait(false);
            await context.AppendAsync(result, cancellationToken).ConfigureAwait(false);
            await results.WriteAsync(result, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<EvalCaseResult>> ReadRunFileAsync(string path, HashSet<string> caseIds, Dictionary<string, string> labels, CancellationToken cancellationToken)
    {
        var results = new List<EvalCaseResult>();
        if (!File.Exists(path))
        {
            return results;
        }

        var seen = new HashSet<(string, string)>();
        var reader = JsonlReader.OpenFile(path);
        await using var readerScope = reader.ConfigureAwait(false);
        await foreach (var jsonl in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = jsonl.Number;
            RunFileRecord? record = null;
            try
            {
                // A damaged line (over-long, not UTF-8, cut short by a crash) is ignored: the case runs again.
                record = jsonl.Problems == JsonlLineProblems.None ? JsonSerializer.Deserialize(jsonl.Bytes.Span, EvalJsonContext.Default.RunFileRecord) : null;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // A line cut short by a crash: ignored, the case runs again.
            }

            if (record is null || record.CaseId.Length == 0 || record.Variant.Length == 0)
            {
                EvalLog.RunFileLineIgnored(_logger, line);
                continue;
            }

            // A result counts as finished only for the same case, label and model id (a new candidate reruns).
            if (caseIds.Contains(record.CaseId) && labels.TryGetValue(record.Variant, out var modelId)
                && string.Equals(modelId, record.ModelId, StringComparison.Ordinal) && !seen.Contains((record.CaseId, record.Variant)))
            {
                try
                {
                    results.Add(record.ToResult());
                    seen.Add((record.CaseId, record.Variant));
                }
                catch (Exception ex) when (ex is ArgumentException or OverflowException)
                {
                    EvalLog.RunFileLineIgnored(_logger, line); // parses, but a value is out of range (a latency of 1e300 ms, a score of NaN)
                }
            }
        }

        return results;
    }

    /// <summary>State shared by the workers of one run.</summary>
    private sealed class RunContext : IAsyncDisposable
    {
        private readonly EvalRunOptions _options;
        private readonly TimeProvider _timeProvider;
        private readonly ILogger _logger;
        private readonly RequestRateLimiter _limiter;
        private readonly ResiliencePipeline _pipeline;
        private readonly StreamWriter? _runFile;
        private readonly Channel<EvalCaseResult>? _lines;
        private readonly Task? _writer;

        public RunContext(EvalRunOptions options, TimeProvider timeProvider, ILogger logger)
        {
            _options = options;
            _timeProvider = timeProvider;
            _logger = logger;
            _limiter = new RequestRateLimiter(options.RequestsPerMinute, options.TokensPerMinute, timeProvider);
            var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
            builder.AddTimeout(options.CaseTimeout);
            if (options.MaxRetries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    Delay = options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                    DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? GetRetryAfter(e) : null),
                    OnRetry = args =>
                    {
                        EvalLog.Retrying(_logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                        return ValueTask.CompletedTask;
                    },
                });
            }

            _pipeline = builder.Build();
            if (options.RunFile is { } path)
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(path));
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                }

                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
                if (file.Length > 0)
                {
                    // A line cut short by a crash has no line end: start on a fresh line so the next result stays whole.
                    file.Seek(-1, SeekOrigin.End);
                    var last = file.ReadByte();
                    file.Seek(0, SeekOrigin.End);
                    if (last != '\n')
                    {
                        file.WriteByte((byte)'\n');
                    }
                }

                _runFile = new StreamWriter(file, new UTF8Encoding(false));
                _lines = Channel.CreateUnbounded<EvalCaseResult>(new UnboundedChannelOptions { SingleReader = true });
                _writer = WriteLinesAsync(_runFile, _lines.Reader);
            }

            if (options.ResponseCacheDirectory is { } cache)
            {
                Directory.CreateDirectory(cache);
            }
        }

        public async Task<EvalCaseResult> EvaluateAsync(GoldenCase goldenCase, ModelVariant variant, CancellationToken cancellationToken)
        {
            var chatOptions = new ChatOptions
            {
                ModelId = variant.ModelId,
                Temperature = _options.Temperature,
                MaxOutputTokens = _options.MaxOutputTokens,
                ResponseFormat = _options.ResponseFormat,
                Seed = _options.Seed,
            };

            string? cacheFile = null;
            if (_options.ResponseCacheDirectory is { } cacheDir)
            {
                cacheFile = Path.Combine(cacheDir, RequestHash(variant.ModelId, goldenCase.Messages, chatOptions) + ".json");
                if (await TryReadCacheAsync(cacheFile, cancellationToken).ConfigureAwait(false) is { } hit)
                {
                    var cachedResult = new EvalCaseResult(goldenCase.Id, variant.Label, variant.ModelId)
                    {
                        Tags = goldenCase.Tags,
                        Output = hit.Output,
                        Latency = TimeSpan.FromMilliseconds(hit.LatencyMs),
                        InputTokens = hit.InputTokens,
                        OutputTokens = hit.OutputTokens,
                        Cost = ComputeCost(variant, hit.InputTokens, hit.OutputTokens),
                        Cached = true,
                        Attempts = 0,
                    };
                    return await ScoreAsync(goldenCase, cachedResult, cancellationToken).ConfigureAwait(false);
                }
            }

            var estimate = _limiter.IsActive ? goldenCase.Messages.Sum(m => (m.Text?.Length ?? 0) / 4) + (_options.MaxOutputTokens ?? 256) : 0;
            var attempts = 0;
            var state = (Context: this, Case: goldenCase, Variant: variant, Options: chatOptions, Estimate: estimate);
            EvalCaseResult result;
            try
            {
                var (response, latency) = await _pipeline.ExecuteAsync(
                    async (s, ct) =>
                    {
                        Interlocked.Increment(ref attempts);
                        await s.Context._limiter.WaitAsync(s.Estimate, ct).ConfigureAwait(false);
                        var start = s.Context._timeProvider.GetTimestamp();
                        var response = await s.Variant.Client!.GetResponseAsync(s.Case.Messages, s.Options.Clone(), ct).ConfigureAwait(false);
                        return (response, s.Context._timeProvider.GetElapsedTime(start));
                    },
                    state,
                    cancellationToken).ConfigureAwait(false);

                var input = response.Usage?.InputTokenCount;
                var output = response.Usage?.OutputTokenCount;
                result = new EvalCaseResult(goldenCase.Id, variant.Label, variant.ModelId)
                {
                    Tags = goldenCase.Tags,
                    Output = response.Text,
                    Latency = latency,
                    InputTokens = input,
                    OutputTokens = output,
                    Cost = ComputeCost(variant, input, output),
                    Attempts = attempts,
                    RawRepresentation = response,
                };
                LatencyHistogram.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("finetune.eval.variant", variant.Label));
                if (cacheFile is not null)
                {
                    await WriteCacheAsync(cacheFile, new CachedResponse { Output = result.Output, LatencyMs = latency.TotalMilliseconds, InputTokens = input, OutputTokens = output }, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var reason = Describe(ex);
                EvalLog.CaseFailed(_logger, goldenCase.Id, variant.Label, attempts, reason);
                result = new EvalCaseResult(goldenCase.Id, variant.Label, variant.ModelId)
                {
                    Tags = goldenCase.Tags,
                    Error = reason,
                    Attempts = Math.Max(attempts, 1),
                };
            }

            CaseCounter.Add(1, new KeyValuePair<string, object?>("finetune.eval.outcome", result.Error is null ? "ok" : "error"));
            return await ScoreAsync(goldenCase, result, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Queues a result for the run file; one writer task appends and flushes whenever the queue drains.</summary>
        public ValueTask AppendAsync(EvalCaseResult result, CancellationToken cancellationToken)
        {
            if (_lines is null)
            {
                return ValueTask.CompletedTask;
            }

            return _lines.Writer.WriteAsync(result, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_lines is not null && _writer is not null)
            {
                _lines.Writer.TryComplete();
                await _writer.ConfigureAwait(false);
            }

            if (_runFile is not null)
            {
                await _runFile.DisposeAsync().ConfigureAwait(false);
            }

            _limiter.Dispose();
        }

        private static async Task WriteLinesAsync(StreamWriter file, ChannelReader<EvalCaseResult> lines)
        {
            // Not cancellable on purpose: every finished result that was queued reaches the file, even on cancellation.
            while (await lines.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (lines.TryRead(out var result))
                {
                    var line = JsonSerializer.Serialize(RunFileRecord.From(result), EvalJsonContext.Default.RunFileRecord);
                    await file.WriteLineAsync(line.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                }

                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        private async Task<EvalCaseResult> ScoreAsync(GoldenCase goldenCase, EvalCaseResult result, CancellationToken cancellationToken)
        {
            if (_options.Scorers.Count == 0)
            {
                return result;
            }

            var scores = new List<EvalScore>(_options.Scorers.Count);
            foreach (var scorer in _options.Scorers)
            {
                if (result.Error is not null || result.Output is null)
                {
                    scores.Add(new EvalScore(scorer.Name, 0, false) { Reason = "The model call failed." });
                    continue;
                }

                try
                {
                    scores.Add(await scorer.ScoreAsync(goldenCase, result.Output, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    scores.Add(new EvalScore(scorer.Name, null, false) { ScorerError = Describe(ex) });
                }
            }

            return new EvalCaseResult(result.CaseId, result.Variant, result.ModelId)
            {
                Tags = result.Tags,
                Output = result.Output,
                Latency = result.Latency,
                InputTokens = result.InputTokens,
                OutputTokens = result.OutputTokens,
                Cost = result.Cost,
                Error = result.Error,
                Attempts = result.Attempts,
                Cached = result.Cached,
                RawRepresentation = result.RawRepresentation,
                Scores = scores,
            };
        }

        private bool IsTransient(Exception exception, CancellationToken attemptToken)
        {
            if (_options.IsTransient?.Invoke(exception) is { } decided)
            {
                return decided;
            }

            return exception switch
            {
                FineTuneException fine => fine.IsTransient || (fine.StatusCode is { } fineStatus && IsTransientStatus(fineStatus)),
                HttpRequestException { StatusCode: null } => true,
                HttpRequestException { StatusCode: { } status } => IsTransientStatus((int)status),
                TimeoutRejectedException => false,
                TimeoutException => true,
                OperationCanceledException => !attemptToken.IsCancellationRequested,
                IOException => true,
                _ => exception.Data["StatusCode"] is int code && IsTransientStatus(code),
            };
        }

        private TimeSpan? GetRetryAfter(Exception exception)
        {
            if (_options.RetryAfter?.Invoke(exception) is { } custom)
            {
                return custom;
            }

            if (exception is FineTuneException { RetryAfter: { } providerRetryAfter })
            {
                return providerRetryAfter;
            }

            return exception.Data["Retry-After"] switch
            {
                TimeSpan span => span,
                int seconds => TimeSpan.FromSeconds(seconds),
                double seconds => TimeSpan.FromSeconds(seconds),
                string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) => TimeSpan.FromSeconds(seconds),
                _ => null,
            };
        }

        private static bool IsTransientStatus(int status) => status is (int)HttpStatusCode.RequestTimeout or 429 or >= 500;

        private static string Describe(Exception exception) => exception switch
        {
            TimeoutRejectedException => "Timed out (case timeout).",
            FineTuneException { StatusCode: { } fineStatus } fine => $"{nameof(FineTuneException)}: HTTP {fineStatus}{(fine.ProviderCode is null ? "" : " (" + fine.ProviderCode + ")")}.",
            HttpRequestException { StatusCode: { } status } => $"{exception.GetType().Name}: HTTP {(int)status}.",
            _ when exception.Data["StatusCode"] is int code => $"{exception.GetType().Name}: HTTP {code}.",
            _ => exception.GetType().Name + ": " + FirstLine(exception.Message),
        };

        private static string FirstLine(string message)
        {
            var end = message.IndexOfAny(['\r', '\n']);
            var line = end < 0 ? message : message[..end];
            return line.Length > 200 ? line[..200] : line;
        }

        private static decimal? ComputeCost(ModelVariant variant, long? input, long? output)
        {
            if (variant.InputPricePerMillionTokens is null && variant.OutputPricePerMillionTokens is null)
            {
                return null;
            }

            if (input is null && output is null)
            {
                return null;
            }

            return ((input ?? 0) * (variant.InputPricePerMillionTokens ?? 0m) + (output ?? 0) * (variant.OutputPricePerMillionTokens ?? 0m)) / 1_000_000m;
        }

        private static async Task<CachedResponse?> TryReadCacheAsync(string file, CancellationToken cancellationToken)
        {
            if (!File.Exists(file))
            {
                return null;
            }

            try
            {
                var stream = File.OpenRead(file);
                await using (stream.ConfigureAwait(false))
                {
                    return await JsonSerializer.DeserializeAsync(stream, EvalJsonContext.Default.CachedResponse, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                return null;
            }
        }

        private static async Task WriteCacheAsync(string file, CachedResponse entry, CancellationToken cancellationToken)
        {
            var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var stream = File.Create(temp);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, entry, EvalJsonContext.Default.CachedResponse, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, file, overwrite: true);
        }
    }

    /// <summary>Hashes the model id and everything sent (messages and options) into a cache key.</summary>
    internal static string RequestHash(string modelId, IReadOnlyList<ChatMessage> messages, ChatOptions options)
    {
        var builder = new StringBuilder();
        builder.Append("model=").Append(modelId).Append('\n');
        builder.Append("temperature=").Append(options.Temperature?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("max=").Append(options.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("seed=").Append(options.Seed?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("format=").Append(options.ResponseFormat switch
        {
            null => "",
            ChatResponseFormatText => "text",
            ChatResponseFormatJson json => "json:" + json.Schema?.GetRawText(),
            _ => options.ResponseFormat.GetType().Name,
        }).Append('\n');
        foreach (var message in messages)
        {
            builder.Append(message.Role.Value).Append(':').Append(message.Text.Length).Append(':').Append(message.Text).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
