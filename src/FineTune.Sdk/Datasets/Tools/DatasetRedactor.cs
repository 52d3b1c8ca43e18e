using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// Replaces personal data and secrets in a JSONL dataset with consistent placeholders (<c>&lt;EMAIL_1&gt;</c>,
/// <c>&lt;PHONE_2&gt;</c>, ...) and writes a new file: the same value gets the same placeholder everywhere in the
/// file. Only SHA-256 hashes of values are kept in memory, never the values. The input is never modified.
/// </summary>
/// <remarks>Thread-safe: each call keeps its own placeholder table.</remarks>
public sealed class DatasetRedactor
{
    private readonly DatasetValidationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a redactor.</summary>
    /// <param name="options">Reader limits and <see cref="DatasetValidationOptions.Pii"/> (which kinds to detect); <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs counts (never values, docs/diagnostics.md); <see langword="null"/> for none.</param>
    public DatasetRedactor(DatasetValidationOptions? options = null, ILogger<DatasetRedactor>? logger = null)
    {
        _options = options ?? new DatasetValidationOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Redacts a JSONL stream into another stream.</summary>
    /// <param name="input">The JSONL content; read to the end, not disposed.</param>
    /// <param name="output">Where the redacted JSONL goes (one row per line, LF line ends); not disposed.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What was replaced, per kind.</returns>
    /// <exception cref="ArgumentException"><paramref name="input"/> and <paramref name="output"/> are the same stream.</exception>
    public async Task<DatasetRedactionReport> RedactAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (ReferenceEquals(input, output))
        {
            throw new ArgumentException("The output stream is the input stream; the redactor never modifies its input.", nameof(output));
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.dataset.redact");
        var started = Stopwatch.GetTimestamp();
        var table = new PlaceholderTable();
        var buffer = new ArrayBufferWriter<byte>();
        long rows = 0, redactedRows = 0, skipped = 0, firstSkipped = 0;
        await foreach (var line in DatasetRowSource.ReadAsync(input, _options, cancellationToken).ConfigureAwait(false))
        {
            rows++;
            if (line.IsTooLong)
            {
                // Longer than MaxLineBytes: never buffered, so it cannot be redacted; it is left out, not copied.
                firstSkipped = skipped++ == 0 ? line.Number : firstSkipped;
                continue;
            }

            buffer.ResetWrittenCount();
            bool changed;
            if (line.Row is { } row)
            {
                using var writer = new Utf8JsonWriter(buffer, JsonRowRewriter.WriterOptions);
                changed = JsonRowRewriter.Rewrite(row.Root, writer, value => Redact(value, table));
                writer.Flush();
            }
            else
            {
                // Not a JSON object: redact the raw text so nothing leaks through a malformed line.
                var text = Encoding.UTF8.GetString(line.Bytes.Span);
                var redacted = Redact(text, table);
                changed = redacted is not null;
                if (changed)
                {
                    Encoding.UTF8.GetBytes(redacted!, buffer);
                }
            }

            if (changed)
            {
                redactedRows++;
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await output.WriteAsync(line.Bytes, cancellationToken).ConfigureAwait(false);
            }

            output.WriteByte((byte)'\n');
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        var report = new DatasetRedactionReport
        {
            Rows = rows,
            RedactedRows = redactedRows,
            SkippedLines = skipped,
            Replacements = table.Replacements,
            DistinctValues = table.Distinct,
        };
        activity?.SetTag(DatasetMetrics.RowsTag, rows);
        if (skipped > 0)
        {
            Log.DatasetLinesLeftOut(_logger, "redactor", skipped, _options.MaxLineBytes, firstSkipped);
        }

        var replacements = report.Replacements.Values.Sum();
        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.DatasetRedacted(_logger, rows, redactedRows, replacements, elapsedMs);
        return report;
    }

    /// <summary>Redacts a file into a new file.</summary>
    /// <param name="inputPath">The JSONL file.</param>
    /// <param name="outputPath">The new file; must not be the input (also checked through symbolic links).</param>
    /// <param name="overwrite">Whether an existing output file (other than the input) may be replaced.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What was replaced, per kind.</returns>
    /// <exception cref="IOException">The output is the input, or it exists and <paramref name="overwrite"/> is false.</exception>
    public Task<DatasetRedactionReport> RedactFileAsync(string inputPath, string outputPath, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        return DatasetPaths.TransformFileAsync(inputPath, outputPath, overwrite, RedactAsync, cancellationToken);
    }

    private string? Redact(string text, PlaceholderTable table)
    {
        var spans = PiiDetector.Detect(text, _options.Pii.DetectIpAddresses);
        if (spans.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var span in spans)
        {
            builder.Append(text, position, span.Start - position);
            builder.Append(table.Placeholder(span.Kind, text.AsSpan(span.Start, span.Length)));
            position = span.Start + span.Length;
        }

        builder.Append(text, position, text.Length - position);
        return builder.ToString();
    }

    /// <summary>Maps SHA-256(kind, canonical value) to a numbered placeholder per kind.</summary>
    private sealed class PlaceholderTable
    {
        private readonly Dictionary<(PiiKind, UInt128), int> _numbers = [];
        private readonly int[] _next = new int[Enum.GetValues<PiiKind>().Length];
        private readonly Dictionary<string, long> _replacements = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, long> Replacements => _replacements;

        public IReadOnlyDictionary<string, long> Distinct => Enumerable.Range(0, _next.Length)
            .Where(k => _next[k] > 0)
            .ToDictionary(k => PiiDetector.Label((PiiKind)k), k => (long)_next[k], StringComparer.Ordinal);

        public string Placeholder(PiiKind kind, ReadOnlySpan<char> value)
        {
            var key = (kind, Hash(kind, value));
            if (!_numbers.TryGetValue(key, out var number))
            {
                number = ++_next[(int)kind];
                _numbers.Add(key, number);
            }

            var label = PiiDetector.Label(kind);
            _replacements[label] = _replacements.GetValueOrDefault(label) + 1;
            return string.Create(CultureInfo.InvariantCulture, $"<{label}_{number}>");
        }

        private static UInt128 Hash(PiiKind kind, ReadOnlySpan<char> value)
        {
            // Canonical form: emails ignore case; numbers ignore separators, so "555-123-4567" and "555 123 4567" match.
            var canonical = new StringBuilder(value.Length);
            foreach (var c in value)
            {
                switch (kind)
                {
                    case PiiKind.Email or PiiKind.Iban or PiiKind.IpAddress:
                        if (c != ' ')
                        {
                            canonical.Append(char.ToLowerInvariant(c));
                        }

                        break;
                    case PiiKind.Phone or PiiKind.CardNumber or PiiKind.Ssn:
                        if (char.IsAsciiDigit(c) || c == '+')
                        {
                            canonical.Append(c);
                        }

                        break;
                    default:
                        canonical.Append(c);
                        break;
                }
            }

            Span<byte> digest = stackalloc byte[32];
            var bytes = Encoding.UTF8.GetBytes(canonical.ToString());
            SHA256.HashData(bytes, digest);
            return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
        }
    }
}

/// <summary>What <see cref="DatasetRedactor"/> replaced.</summary>
public sealed class DatasetRedactionReport
{
    /// <summary>Gets the number of non-blank lines read (all are written except <see cref="SkippedLines"/>).</summary>
    /// <value>Zero for an empty input.</value>
    public long Rows { get; init; }

    /// <summary>Gets the number of lines left out because they are longer than <see cref="DatasetValidationOptions.MaxLineBytes"/> (they cannot be redacted without buffering them).</summary>
    /// <value>Zero for ordinary files.</value>
    public long SkippedLines { get; init; }

    /// <summary>Gets the number of rows in which at least one value was replaced.</summary>
    /// <value>Zero when nothing was found.</value>
    public long RedactedRows { get; init; }

    /// <summary>Gets the number of replacements per placeholder label (<c>EMAIL</c>, <c>PHONE</c>, <c>CARD</c>, <c>SSN</c>, <c>IBAN</c>, <c>IP</c>, <c>API_KEY</c>, <c>BEARER_TOKEN</c>).</summary>
    /// <value>Only labels that occurred.</value>
    public IReadOnlyDictionary<string, long> Replacements { get; init; } = new Dictionary<string, long>();

    /// <summary>Gets the number of distinct values (placeholders issued) per label.</summary>
    /// <value>Only labels that occurred.</value>
    public IReadOnlyDictionary<string, long> DistinctValues { get; init; } = new Dictionary<string, long>();
}
