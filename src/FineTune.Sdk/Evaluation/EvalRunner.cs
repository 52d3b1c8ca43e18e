using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace FineTune.Sdk;

/// <summary>
/// The built-in <see cref="IEvalRunner"/>: schedules case-variant pairs with bounded concurrency and a per-case timeout,
/// scores the outputs and keeps a resumable JSONL run file.
/// </summary>
/// <remarks>
/// The runner calls each variant's <see cref="IChatClient"/> once per case and does not retry: retries (honouring
/// <c>Retry-After</c>), rate limits and the response cache are chat middleware composed with <see cref="ChatClientBuilder"/>
/// (<see cref="FineTuneChatClientBuilderExtensions.UseFineTunePipeline"/>). Latency, attempts and the cache flag are read
/// from the response's <see cref="ChatPipelineProperties"/>. Thread-safe; one instance can run several evaluations at once.
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
        private readonly ResiliencePipeline _timeout;
        private readonly StreamWriter? _runFile;
        private readonly Channel<EvalCaseResult>? _lines;
        private readonly Task? _writer;

        public RunContext(EvalRunOptions options, TimeProvider timeProvider, ILogger logger)
        {
            _options = options;
            _timeProvider = timeProvider;
            _logger = logger;

            // Scheduling only: a case that takes longer than CaseTimeout fails. Retries, rate limits and the cache are
            // the chat client's middleware (FineTuneChatClientBuilderExtensions), one layer each.
            _timeout = new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddTimeout(options.CaseTimeout).Build();
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

            EvalCaseResult result;
            try
            {
                var started = _timeProvider.GetTimestamp();
                var response = await _timeout.ExecuteAsync(
                    static async (s, ct) => await s.Client.GetResponseAsync(s.Messages, s.Options, ct).ConfigureAwait(false),
                    (Client: variant.Client!, Messages: goldenCase.Messages, Options: chatOptions),
                    cancellationToken).ConfigureAwait(false);
                var wall = _timeProvider.GetElapsedTime(started);
                var properties = response.AdditionalProperties;
                var cached = properties?.TryGetValue(ChatPipelineProperties.Cached, out bool hit) == true && hit;
                var latency = properties?.TryGetValue(ChatPipelineProperties.LatencyMilliseconds, out double ms) == true ? TimeSpan.FromMilliseconds(ms) : wall;
                var attempts = properties?.TryGetValue(ChatPipelineProperties.Attempts, out int made) == true ? made : 1;
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
                    Cached = cached,
                    RawRepresentation = response,
                };
                if (!cached)
                {
                    LatencyHistogram.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("finetune.eval.variant", variant.Label));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var reason = FailureText.Describe(ex);
                var attempts = ex.Data[ChatPipelineProperties.Attempts] is int made ? made : 1;
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
                    scores.Add(new EvalScore(scorer.Name, null, false) { ScorerError = FailureText.Describe(ex) });
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
    }
}
