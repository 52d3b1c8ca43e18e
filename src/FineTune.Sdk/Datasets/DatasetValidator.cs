using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using C = FineTune.Sdk.DatasetFindingCodes;

namespace FineTune.Sdk;

/// <summary>
/// The streaming JSONL dataset validator: reads the file once in constant memory, detects its format (chat or
/// preference), applies the per-row rules and the whole-file quality gates, and reports every finding by line
/// and JSON path with a stable code (see <c>docs/dataset-rules.md</c>).
/// </summary>
/// <remarks>Thread-safe: one instance may validate several files at once.</remarks>
public sealed class DatasetValidator : IDatasetValidator
{
    /// <summary>The provider's hard minimum number of training examples.</summary>
    internal const int MinimumRows = 10;

    /// <summary>Below this many rows a file trains poorly; a warning.</summary>
    internal const int RecommendedRows = 50;

    private const string StreamName = "(stream)";

    private readonly DatasetValidationOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a validator.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field and value).</exception>
    public DatasetValidator(DatasetValidationOptions? options = null)
        : this(options, logger: null, timeProvider: null)
    {
    }

    /// <summary>Creates a validator that logs and measures time through the given services.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log (never row contents); <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock used to measure elapsed time; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field and value).</exception>
    public DatasetValidator(DatasetValidationOptions? options, ILogger? logger, TimeProvider? timeProvider = null)
    {
        _options = options ?? new DatasetValidationOptions();
        var failures = new List<string>();
        _options.Validate(failures);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><see cref="DatasetValidationRequest.Format"/> is neither chat nor preference.</exception>
    public async Task<DatasetValidationReport> ValidateAsync(Stream content, DatasetValidationRequest? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var forced = request?.Format;
        if (forced is { } f && f != DatasetFormat.Chat && f != DatasetFormat.Preference)
        {
            throw new ArgumentException($"{nameof(DatasetValidationRequest)}.{nameof(DatasetValidationRequest.Format)} must be chat or preference; it was '{f}'.", nameof(request));
        }

        var fileName = request?.FileName ?? StreamName;
        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.dataset.validate");
        var started = _timeProvider.GetTimestamp();
        Log.DatasetValidationStarted(_logger, fileName);

        var tokens = request is { Model: not null } or { CountTokens: true } ? new TokenCountGate(request.Model, request.TokenFormula) : null;
        var run = new ValidationRun(_options, request?.FileName, forced, _logger, fileName, tokens);
        var reader = new JsonlReader(content, _options.MaxLineBytes, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        await using (run.ConfigureAwait(false))
        {
            RowBatch? batch = null;
            await foreach (var line in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Sequential || !run.CanPrepareAhead)
                {
                    using (run.EnterCaches())
                    {
                        run.Process(line);
                    }

                    continue;
                }

                batch ??= run.RentBatch();
                if (batch.Add(line))
                {
                    await run.SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = null;
                }
            }

            if (batch is not null)
            {
                await run.SubmitAsync(batch, cancellationToken).ConfigureAwait(false);
                batch = null;
            }

            await run.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        DatasetValidationReport report;
        using (run.EnterCaches())
        {
            report = run.Complete(cancellationToken);
        }

        DatasetMetrics.Rows.Add(report.Rows, new KeyValuePair<string, object?>(DatasetMetrics.FormatTag, report.Format.Value));
        activity?.SetTag(DatasetMetrics.RowsTag, report.Rows);
        activity?.SetTag(DatasetMetrics.FormatTag, report.Format.Value);
        activity?.SetTag("finetune.dataset.errors", report.ErrorCount);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var elapsedMs = (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds;
            Log.DatasetValidated(_logger, fileName, report.Rows, report.Format.Value, report.ErrorCount, report.WarningCount, elapsedMs);
        }
        return report;
    }

    /// <summary>
    /// Gets or sets a value indicating whether every row is processed on the calling thread (tests compare the
    /// pipelined run with it; both give the same findings in the same order).
    /// </summary>
    internal bool Sequential { get; set; }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(_options) ? _options
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>
    /// The state of one validation: the format, the findings, the gates, and the threads and caches of this run
    /// alone (disposing the run waits for its preparation threads to exit; its caches go with it).
    /// </summary>
    private sealed class ValidationRun : IAsyncDisposable
    {
        private readonly DatasetValidationOptions _options;
        private readonly FindingCollector _findings;
        private readonly List<IDatasetGate> _gates;
        private readonly DatasetRowRules _rules;
        private DatasetRow _row = new();
        private readonly ILogger _logger;
        private readonly string _fileName;
        private readonly TokenCountGate? _tokens;
        private readonly bool _gatesReadTexts;
        private readonly string? _file;
        private readonly Stack<RowBatch> _pool = new();
        private readonly Queue<(RowBatch Batch, Task Task)> _inFlight = new();
        private readonly int _maxInFlight = Math.Max(2, Environment.ProcessorCount * 2);
        private RunCaches _caches = new(); // the sequential side's (the preparation threads have their own)
        private PreparationScheduler? _scheduler;
        private DatasetFormat _format;
        private Mode _mode;
        private JsonArrayScanner? _array;
        private long _arrayLine;
        private long _rows;
        private bool _sawContent;

        public ValidationRun(DatasetValidationOptions options, string? file, DatasetFormat? forced, ILogger logger, string fileName, TokenCountGate? tokens)
        {
            _options = options;
            _file = file;
            _findings = new FindingCollector(options.MaxFindingsPerCode, file);
            _gates = DatasetGates.Create(options);
            _tokens = tokens;
            _gatesReadTexts = _gates.Count > 0; // the token gate reads the JSON itself (the texts only save it decoding them again)
            if (tokens is not null)
            {
                _gates.Add(tokens);
            }

            _rules = new DatasetRowRules(_findings, options.MaxDepth);
            _logger = logger;
            _fileName = fileName;
            _format = forced ?? DatasetFormat.Unknown;
            _mode = forced is null ? Mode.Detecting : Mode.Rows;
        }

        private enum Mode
        {
            Detecting,
            Rows,
            Foreign,
            JsonArray,
        }

        /// <summary>
        /// Gets a value indicating whether later rows can be prepared on workers: the format is settled and the
        /// first content row was seen, so a row's handling no longer depends on the rows before it.
        /// </summary>
        public bool CanPrepareAhead => _mode == Mode.Rows && _sawContent;

        public RowBatch RentBatch()
        {
            lock (_pool)
            {
                return _pool.Count > 0 ? _pool.Pop() : new RowBatch();
            }
        }

        /// <summary>Starts preparing a batch on a worker; applies the oldest batches in order while too many are in flight.</summary>
        public async Task SubmitAsync(RowBatch batch, CancellationToken cancellationToken)
        {
            // On this run's preparation threads, not the thread pool; the ordered replay continues on the pool, so
            // those threads only ever prepare.
            _scheduler ??= new PreparationScheduler(Environment.ProcessorCount);
            var preparing = Task.Factory.StartNew(
                () => Prepare(batch, cancellationToken),
                cancellationToken,
                TaskCreationOptions.DenyChildAttach | TaskCreationOptions.RunContinuationsAsynchronously,
                _scheduler);
            _inFlight.Enqueue((batch, preparing));
            while (_inFlight.Count > _maxInFlight)
            {
                await ApplyOldestAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Applies every batch still in flight, in order.</summary>
        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            while (_inFlight.Count > 0)
            {
                await ApplyOldestAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Ends the run however it went: waits for the batches still in flight (a cancelled or failed run does not
        /// apply them; their outcome was already reported or no longer matters), then for the preparation threads
        /// to exit.
        /// </summary>
        public async ValueTask DisposeAsync()
        {
            while (_inFlight.Count > 0)
            {
                var (_, task) = _inFlight.Dequeue();
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Cancelled, or failed after the run already failed: the run's own exception is what propagates.
                }
            }

            if (_scheduler is { } scheduler)
            {
                _scheduler = null;
                await scheduler.DisposeAsync().ConfigureAwait(false);
            }

            lock (_pool)
            {
                _pool.Clear(); // the batches' copies of the rows
            }
        }

        /// <summary>
        /// Lets go of everything that holds user text (the current row, the caches, the gates and their borrowed
        /// rows) once the report is built: whatever still references this run after it returned (a finished async
        /// state machine a pool thread has not let go of yet) reaches no row text.
        /// </summary>
        private void Release()
        {
            _row = new DatasetRow();
            _caches = new RunCaches();
            _gates.Clear();
            _array = null;
        }

        /// <summary>Makes this run's caches the current thread's for its sequential work (dispose on the same thread).</summary>
        public RunCaches.Scope EnterCaches() => RunCaches.Enter(_caches);

        private async Task ApplyOldestAsync(CancellationToken cancellationToken)
        {
            var (batch, task) = _inFlight.Peek();
            await task.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            _inFlight.Dequeue();
            using (EnterCaches())
            {
                Apply(batch);
            }

            batch.Clear();
            lock (_pool)
            {
                _pool.Push(batch);
            }
        }

        /// <summary>The per-row work that depends on no other row, on a worker: parse, rules, row texts, gates' preparation.</summary>
        private void Prepare(RowBatch batch, CancellationToken cancellationToken)
        {
            var recorder = new FindingCollector(int.MaxValue, _file);
            var rules = new DatasetRowRules(recorder, _options.MaxDepth);
            for (var i = 0; i < batch.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                PrepareRow(batch, batch.Slots[i], recorder, rules);
                recorder.MoveTo(batch.Slots[i].Findings);
            }
        }

        private void PrepareRow(RowBatch batch, RowSlot slot, FindingCollector recorder, DatasetRowRules rules)
        {
            if ((slot.Problems & JsonlLineProblems.TooLong) != 0)
            {
                Record(slot, recorder, C.LineTooLong, $"The line is {slot.LineLength} bytes, longer than the limit of {_options.MaxLineBytes} bytes ({nameof(DatasetValidationOptions.MaxLineBytes)}); it was skipped.");
                return;
            }

            if ((slot.Problems & JsonlLineProblems.ByteOrderMarkMidFile) != 0)
            {
                Record(slot, recorder, C.ByteOrderMarkMidFile, "The line starts with a UTF-8 byte order mark, which belongs only at the start of the file (were two files concatenated?).");
            }

            if ((slot.Problems & JsonlLineProblems.NulByte) != 0)
            {
                Record(slot, recorder, C.NulByte, "The line contains a NUL byte (0x00); the file may be binary or UTF-16 encoded.");
                return;
            }

            if ((slot.Problems & JsonlLineProblems.InvalidUtf8) != 0)
            {
                Record(slot, recorder, C.InvalidUtf8, "The line is not valid UTF-8; save the file as UTF-8.");
                return;
            }

            // Disposed when this method returns, on this thread: its pooled buffers go back while still warm in this core's
            // cache, instead of a batch of them being held until the replay (which needs only the row's strings and
            // prepared figures).
            using var document = DatasetRowParser.TryParse(batch.Bytes(slot), _options.MaxDepth, out var failure, out var position);
            if (document is null)
            {
                if (failure == JsonParseFailure.LoneSurrogate)
                {
                    recorder.Add(C.LoneSurrogate, FindingSeverity.Error, slot.Number, DatasetRowParser.LoneSurrogatePath(batch.Bytes(slot), _options.MaxDepth), LoneSurrogateMessage(position));
                    slot.Rejects.Add(C.LoneSurrogate);
                }
                else if (failure == JsonParseFailure.TooDeep)
                {
                    Record(slot, recorder, C.TooDeep, $"The JSON nests deeper than {_options.MaxDepth} levels ({nameof(DatasetValidationOptions.MaxDepth)}).");
                }
                else if (!slot.HasNewline)
                {
                    Record(slot, recorder, C.TruncatedLastLine, $"The last line has no line break and does not parse as JSON (stopped at byte {position}); the file looks truncated.");
                }
                else
                {
                    Record(slot, recorder, C.InvalidJson, $"The line is not valid JSON (stopped at byte {position}).");
                }

                return;
            }

            var root = document.RootElement;
            var errorsBefore = recorder.ErrorCount;
            if (_format == DatasetFormat.Preference)
            {
                rules.CheckPreference(root, slot.Number);
            }
            else
            {
                rules.CheckChat(root, slot.Number);
            }

            if (recorder.ErrorCount == errorsBefore && _gates.Count > 0)
            {
                slot.Row.ResetPrepared();
                DatasetRowParser.Fill(slot.Row, slot.Number, root, _format, _gatesReadTexts);
                foreach (var gate in _gates)
                {
                    if (gate is IPreparingDatasetGate preparing)
                    {
                        preparing.Prepare(slot.Row);
                    }
                }

                slot.Observe = true;
            }

            slot.Row.Root = default; // the document does not outlive this method
        }

        private static void Record(RowSlot slot, FindingCollector recorder, string code, string message)
        {
            recorder.Add(code, FindingSeverity.Error, slot.Number, "$", message);
            slot.Rejects.Add(code);
        }

        /// <summary>The sequential half, in line order: findings, then the gates' state.</summary>
        private void Apply(RowBatch batch)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var slot = batch.Slots[i];
                _rows++;
                foreach (var finding in slot.Findings)
                {
                    _findings.Replay(finding);
                }

                foreach (var code in slot.Rejects)
                {
                    Log.DatasetLineRejected(_logger, _fileName, slot.Number, code);
                }

                if (slot.Observe)
                {
                    foreach (var gate in _gates)
                    {
                        gate.Observe(slot.Row, _findings);
                    }
                }
            }
        }

        public void Process(in JsonlLine line)
        {
            _rows++;
            if (_mode == Mode.Foreign)
            {
                return;
            }

            if (_mode == Mode.JsonArray)
            {
                _array!.Feed(line.Bytes.Span);
                return;
            }

            if ((line.Problems & JsonlLineProblems.TooLong) != 0)
            {
                Reject(line.Number, C.LineTooLong, $"The line is {line.Length} bytes, longer than the limit of {_options.MaxLineBytes} bytes ({nameof(DatasetValidationOptions.MaxLineBytes)}); it was skipped.");
                return;
            }

            if ((line.Problems & JsonlLineProblems.ByteOrderMarkMidFile) != 0)
            {
                Reject(line.Number, C.ByteOrderMarkMidFile, "The line starts with a UTF-8 byte order mark, which belongs only at the start of the file (were two files concatenated?).");
            }

            if ((line.Problems & JsonlLineProblems.NulByte) != 0)
            {
                Reject(line.Number, C.NulByte, "The line contains a NUL byte (0x00); the file may be binary or UTF-16 encoded.");
                return;
            }

            if ((line.Problems & JsonlLineProblems.InvalidUtf8) != 0)
            {
                Reject(line.Number, C.InvalidUtf8, "The line is not valid UTF-8; save the file as UTF-8.");
                return;
            }

            var firstContent = !_sawContent;
            _sawContent = true;
            using var document = DatasetRowParser.TryParse(line.Bytes, _options.MaxDepth, out var failure, out var position);
            if (document is null)
            {
                var first = FirstNonBlank(line.Bytes.Span);
                if (firstContent && (first == (byte)'[' || (first == (byte)'{' && IsLoneBrace(line.Bytes.Span))))
                {
                    StartJsonArray(line);
                    return;
                }

                if (firstContent && failure == JsonParseFailure.Invalid && LooksLikeCsv(line.Bytes.Span, first))
                {
                    Foreign(line.Number, C.CsvFile, "The file looks like CSV (comma- or tab-separated values), not JSON Lines. Convert each record to one JSON object per line, for example {\"messages\": [user message, assistant message]}.");
                    return;
                }

                if (failure == JsonParseFailure.LoneSurrogate)
                {
                    _findings.Add(C.LoneSurrogate, FindingSeverity.Error, line.Number, DatasetRowParser.LoneSurrogatePath(line.Bytes, _options.MaxDepth), LoneSurrogateMessage(position));
                    Log.DatasetLineRejected(_logger, _fileName, line.Number, C.LoneSurrogate);
                }
                else if (failure == JsonParseFailure.TooDeep)
                {
                    Reject(line.Number, C.TooDeep, $"The JSON nests deeper than {_options.MaxDepth} levels ({nameof(DatasetValidationOptions.MaxDepth)}).");
                }
                else if (!line.HasNewline)
                {
                    Reject(line.Number, C.TruncatedLastLine, $"The last line has no line break and does not parse as JSON (stopped at byte {position}); the file looks truncated.");
                }
                else
                {
                    Reject(line.Number, C.InvalidJson, $"The line is not valid JSON (stopped at byte {position}).");
                }

                return;
            }

            var root = document.RootElement;
            if (firstContent && root.ValueKind == JsonValueKind.Array)
            {
                StartJsonArray(line);
                return;
            }

            if (_mode == Mode.Detecting)
            {
                var shape = RowShapes.Classify(root);
                switch (shape)
                {
                    case RowShape.Chat:
                        Detected(DatasetFormat.Chat, line.Number);
                        break;
                    case RowShape.Preference:
                        Detected(DatasetFormat.Preference, line.Number);
                        break;
                    case var _ when RowShapes.Describe(shape) is { } description:
                        Foreign(line.Number, C.ForeignRowFormat, $"The rows are in {description}.");
                        return;
                    default:
                        // Not recognisable yet: judge this row as chat (the common case) and keep detecting.
                        _rules.CheckChat(root, line.Number);
                        return;
                }
            }

            var errorsBefore = _findings.ErrorCount;
            if (_format == DatasetFormat.Preference)
            {
                _rules.CheckPreference(root, line.Number);
            }
            else
            {
                _rules.CheckChat(root, line.Number);
            }

            if (_findings.ErrorCount == errorsBefore && _gates.Count > 0)
            {
                DatasetRowParser.Fill(_row, line.Number, root, _format);
                foreach (var gate in _gates)
                {
                    gate.Observe(_row, _findings);
                }
            }
        }

        public DatasetValidationReport Complete(CancellationToken cancellationToken)
        {
            switch (_mode)
            {
                case Mode.JsonArray when _array!.IsObject:
                    _findings.Add(C.JsonArrayFile, FindingSeverity.Error, _arrayLine, "$", $"The file is one JSON object spread over {_rows} lines, not JSON Lines (one JSON object per line, each a training example).");
                    Log.DatasetNotJsonLines(_logger, _fileName, C.JsonArrayFile);
                    break;
                case Mode.JsonArray:
                    _findings.Add(C.JsonArrayFile, FindingSeverity.Error, _arrayLine, "$", $"The file is one JSON array of {_array.Elements} elements, not JSON Lines (one JSON object per line). {_array.Describe()}");
                    Log.DatasetNotJsonLines(_logger, _fileName, C.JsonArrayFile);
                    break;
                case Mode.Foreign:
                    break;
                default:
                    foreach (var gate in _gates)
                    {
                        cancellationToken.ThrowIfCancellationRequested(); // the whole-file gates' work can be long
                        gate.Complete(_findings);
                    }

                    if (_rows == 0)
                    {
                        _findings.Add(C.NoRows, FindingSeverity.Error, 0, "$", "The file has no rows (it is empty or holds only blank lines).");
                    }
                    else if (_rows < MinimumRows)
                    {
                        _findings.Add(C.TooFewRows, FindingSeverity.Error, 0, "$", $"The file has {_rows} rows; fine-tuning needs at least {MinimumRows}.");
                    }
                    else if (_rows < RecommendedRows)
                    {
                        _findings.Add(C.FewRows, FindingSeverity.Warning, 0, "$", $"The file has {_rows} rows; {RecommendedRows} to 100 or more usually train noticeably better.");
                    }

                    break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var report = new DatasetValidationReport
            {
                Rows = _rows,
                Format = _format,
                Findings = [.. _findings.Findings],
                Summary = new Dictionary<string, int>(_findings.Counts, StringComparer.Ordinal),
                ErrorCount = _findings.ErrorCount,
                WarningCount = _findings.WarningCount,
                Tokens = _tokens?.BuildReport(),
            };
            Release();
            return report;
        }

        private void Detected(DatasetFormat format, long line)
        {
            _format = format;
            _mode = Mode.Rows;
            Log.DatasetFormatDetected(_logger, _fileName, format.Value, line);
        }

        private void Foreign(long line, string code, string message)
        {
            _findings.Add(code, FindingSeverity.Error, line, "$", message);
            _mode = Mode.Foreign;
            _format = DatasetFormat.Unknown;
            Log.DatasetNotJsonLines(_logger, _fileName, code);
        }

        private void StartJsonArray(in JsonlLine line)
        {
            _mode = Mode.JsonArray;
            _arrayLine = line.Number;
            _array = new JsonArrayScanner();
            _array.Feed(line.Bytes.Span);
        }

        private void Reject(long line, string code, string message)
        {
            _findings.Add(code, FindingSeverity.Error, line, "$", message);
            Log.DatasetLineRejected(_logger, _fileName, line, code);
        }

        private static string LoneSurrogateMessage(long position) =>
            $"The string holds a \\u escape of half a UTF-16 surrogate pair without its other half (at byte {position}); it is not Unicode text and the line was skipped.";

        private static byte FirstNonBlank(ReadOnlySpan<byte> bytes)
        {
            var i = bytes.IndexOfAnyExcept(" \t"u8);
            return i < 0 ? (byte)0 : bytes[i];
        }

        private static bool IsLoneBrace(ReadOnlySpan<byte> bytes) => bytes.Trim(" \t"u8).SequenceEqual("{"u8);

        private static bool LooksLikeCsv(ReadOnlySpan<byte> bytes, byte first) =>
            first is not ((byte)'{' or (byte)'[' or (byte)'"') && bytes.IndexOfAny((byte)',', (byte)'\t', (byte)';') >= 0;
    }

    /// <summary>A run of consecutive lines copied out of the reader's buffer, prepared on a worker and applied in order.</summary>
    private sealed class RowBatch
    {
        private const int MaxRows = 256;
        private const int MaxBytes = 1 << 20;
        private byte[] _buffer = new byte[256 * 1024];
        private int _used;

        public List<RowSlot> Slots { get; } = [];

        public int Count { get; private set; }

        /// <summary>Copies a line in; returns true when the batch is full.</summary>
        public bool Add(in JsonlLine line)
        {
            var bytes = line.Bytes.Span;
            if (_used + bytes.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + bytes.Length));
            }

            bytes.CopyTo(_buffer.AsSpan(_used));
            if (Count == Slots.Count)
            {
                Slots.Add(new RowSlot());
            }

            var slot = Slots[Count++];
            slot.Number = line.Number;
            slot.Offset = _used;
            slot.Length = bytes.Length;
            slot.Problems = line.Problems;
            slot.HasNewline = line.HasNewline;
            slot.LineLength = line.Length;
            _used += bytes.Length;
            return Count >= MaxRows || _used >= MaxBytes;
        }

        public ReadOnlyMemory<byte> Bytes(RowSlot slot) => _buffer.AsMemory(slot.Offset, slot.Length);

        public void Clear()
        {
            for (var i = 0; i < Count; i++)
            {
                Slots[i].Clear();
            }

            Count = 0;
            _used = 0;
            if (_buffer.Length > 4 * MaxBytes)
            {
                _buffer = new byte[256 * 1024]; // do not keep a buffer grown for one huge line
            }
        }
    }

    /// <summary>One line of a <see cref="RowBatch"/> and what its worker found.</summary>
    private sealed class RowSlot
    {
        public long Number { get; set; }

        public int Offset { get; set; }

        public int Length { get; set; }

        public JsonlLineProblems Problems { get; set; }

        public bool HasNewline { get; set; }

        public long LineLength { get; set; }

        public DatasetRow Row { get; } = new();

        public List<ValidationFinding> Findings { get; } = [];

        public List<string> Rejects { get; } = [];

        public bool Observe { get; set; }

        public void Clear()
        {
            Row.Root = default;
            Row.ResetPrepared();
            Findings.Clear();
            Rejects.Clear();
            Observe = false;
        }
    }
}
