using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// Makes extra training rows by swapping entity ids (for example <c>ORD-1234</c>) found in the user text for
/// fresh, deterministic ids, and applying the same swap everywhere else in the row — assistant text and JSON,
/// tool-call arguments, tool results — so answers stay in step with questions. Augmented rows carry
/// <c>metadata.augmentation = "entity_swap"</c> and <c>metadata.augmentation_source_line</c>.
/// </summary>
/// <remarks>Thread-safe: calls share no mutable state.</remarks>
public sealed class EntitySwapAugmenter
{
    private readonly EntitySwapOptions _options;
    private readonly DatasetValidationOptions _readerOptions;
    private readonly Regex[] _patterns;
    private readonly ILogger _logger;

    /// <summary>Creates an augmenter.</summary>
    /// <param name="options">Patterns, seed and copies; <see langword="null"/> for the defaults.</param>
    /// <param name="readerOptions">Reader limits; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs counts (never row text, docs/diagnostics.md); <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">A pattern is not a valid regular expression, or <see cref="EntitySwapOptions.Copies"/> is out of range.</exception>
    public EntitySwapAugmenter(EntitySwapOptions? options = null, DatasetValidationOptions? readerOptions = null, ILogger<EntitySwapAugmenter>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _options = options ?? new EntitySwapOptions();
        _readerOptions = readerOptions ?? new DatasetValidationOptions();
        if (_options.Copies is < 1 or > 100)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(EntitySwapOptions.Copies)} must be between 1 and 100; it was {_options.Copies}."), nameof(options));
        }

        if (_options.Patterns.Count == 0)
        {
            throw new ArgumentException($"{nameof(EntitySwapOptions.Patterns)} must list at least one regular expression.", nameof(options));
        }

        _patterns = _options.Patterns.Select((p, i) =>
        {
            try
            {
                return new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(EntitySwapOptions.Patterns)}[{i}] is not a valid regular expression: {ex.Message}"), nameof(options), ex);
            }
        }).ToArray();
    }

    /// <summary>Augments a JSONL stream into another stream.</summary>
    /// <param name="input">The JSONL content; read to the end, not disposed.</param>
    /// <param name="output">Receives, for each input row, the row itself (when <see cref="EntitySwapOptions.IncludeOriginals"/>) followed by its augmented copies; not disposed.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The counts.</returns>
    public async Task<EntitySwapReport> AugmentAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (ReferenceEquals(input, output))
        {
            throw new ArgumentException("The output stream is the input stream; the augmenter never modifies its input.", nameof(output));
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.dataset.augment");
        var started = Stopwatch.GetTimestamp();
        var buffer = new ArrayBufferWriter<byte>();
        long rows = 0, withEntities = 0, augmented = 0, written = 0, skipped = 0, firstSkipped = 0;
        await foreach (var line in DatasetRowSource.ReadAsync(input, _readerOptions, cancellationToken).ConfigureAwait(false))
        {
            rows++;
            if (line.IsTooLong)
            {
                // Longer than MaxLineBytes: never buffered, so neither copied nor augmented; counted and logged.
                firstSkipped = skipped++ == 0 ? line.Number : firstSkipped;
                continue;
            }

            if (_options.IncludeOriginals)
            {
                await output.WriteAsync(line.Bytes, cancellationToken).ConfigureAwait(false);
                output.WriteByte((byte)'\n');
                written++;
            }

            if (line.Row is not { } row)
            {
                continue;
            }

            var entities = FindEntities(row.UserText);
            if (entities.Count == 0)
            {
                continue;
            }

            withEntities++;
            for (var copy = 1; copy <= _options.Copies; copy++)
            {
                var map = FreshIds(entities, line.Number, copy);
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer, JsonRowRewriter.WriterOptions))
                {
                    var sourceLine = line.Number;
                    JsonRowRewriter.Rewrite(row.Root, writer, value => Swap(value, map), skipMetadata: true, w =>
                    {
                        w.WriteString("augmentation"u8, "entity_swap");
                        w.WriteNumber("augmentation_source_line"u8, sourceLine);
                    });
                }

                await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                output.WriteByte((byte)'\n');
                augmented++;
                written++;
            }
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        activity?.SetTag(DatasetMetrics.RowsTag, rows);
        if (skipped > 0)
        {
            Log.DatasetLinesLeftOut(_logger, "augmenter", skipped, _readerOptions.MaxLineBytes, firstSkipped);
        }

        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.DatasetAugmented(_logger, rows, augmented, written, elapsedMs);
        return new EntitySwapReport { Rows = rows, RowsWithEntities = withEntities, AugmentedRows = augmented, RowsWritten = written, SkippedLines = skipped };
    }

    /// <summary>Augments a file into a new file.</summary>
    /// <param name="inputPath">The JSONL file.</param>
    /// <param name="outputPath">The new file; must not be the input (also checked through symbolic links).</param>
    /// <param name="overwrite">Whether an existing output file (other than the input) may be replaced.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The counts.</returns>
    /// <exception cref="IOException">The output is the input, or it exists and <paramref name="overwrite"/> is false.</exception>
    public Task<EntitySwapReport> AugmentFileAsync(string inputPath, string outputPath, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        return DatasetPaths.TransformFileAsync(inputPath, outputPath, overwrite, AugmentAsync, cancellationToken);
    }

    private List<string> FindEntities(string userText)
    {
        var found = new List<string>();
        foreach (var pattern in _patterns)
        {
            foreach (Match match in pattern.Matches(userText))
            {
                if (match.Length > 0 && !found.Contains(match.Value, StringComparer.Ordinal))
                {
                    found.Add(match.Value);
                }
            }
        }

        // Longest first, so replacing "ORD-12" never breaks "ORD-1234".
        found.Sort((a, b) => b.Length.CompareTo(a.Length));
        return found;
    }

    private List<KeyValuePair<string, string>> FreshIds(List<string> entities, long line, int copy)
    {
        var map = new List<KeyValuePair<string, string>>(entities.Count);
        var used = new HashSet<string>(entities, StringComparer.Ordinal);
        foreach (var entity in entities)
        {
            for (var attempt = 0; ; attempt++)
            {
                var state = TextFingerprint.Combine(TextFingerprint.Combine((ulong)(uint)_options.Seed, (ulong)line), TextFingerprint.Combine((ulong)copy, TextFingerprint.Hash(entity, (ulong)attempt)));
                var fresh = Rewrite(entity, state);
                if (used.Add(fresh))
                {
                    map.Add(new(entity, fresh));
                    break;
                }
            }
        }

        return map;
    }

    /// <summary>Keeps the shape of an id: digits become other digits (no new leading zero), letters other letters when the id has no digits.</summary>
    private static string Rewrite(string entity, ulong state)
    {
        var hasDigit = entity.AsSpan().IndexOfAnyInRange('0', '9') >= 0;
        var chars = entity.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            state = TextFingerprint.Mix(state + 0x9E3779B97F4A7C15UL);
            var c = chars[i];
            if (char.IsAsciiDigit(c))
            {
                var leading = i == 0 || !char.IsAsciiDigit(chars[i - 1]);
                chars[i] = leading && c != '0' ? (char)('1' + (int)(state % 9)) : (char)('0' + (int)(state % 10));
            }
            else if (!hasDigit && char.IsAsciiLetterUpper(c))
            {
                chars[i] = (char)('A' + (int)(state % 26));
            }
            else if (!hasDigit && char.IsAsciiLetterLower(c))
            {
                chars[i] = (char)('a' + (int)(state % 26));
            }
        }

        return new string(chars);
    }

    private static string? Swap(string value, List<KeyValuePair<string, string>> map)
    {
        var text = value;
        var changed = false;
        foreach (var (from, to) in map)
        {
            var index = text.IndexOf(from, StringComparison.Ordinal);
            if (index < 0)
            {
                continue;
            }

            // Replace whole ids only: "ORD-1234" must not rewrite part of "ORD-12345".
            var builder = new StringBuilder(text.Length);
            var position = 0;
            while (index >= 0)
            {
                var end = index + from.Length;
                var whole = (index == 0 || !char.IsLetterOrDigit(text[index - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end]));
                builder.Append(text, position, index - position).Append(whole ? to : from);
                changed |= whole;
                position = end;
                index = text.IndexOf(from, position, StringComparison.Ordinal);
            }

            text = builder.Append(text, position, text.Length - position).ToString();
        }

        return changed ? text : null;
    }
}

/// <summary>Options of <see cref="EntitySwapAugmenter"/>.</summary>
public sealed class EntitySwapOptions
{
    /// <summary>Gets the regular expressions that match entity ids in user text.</summary>
    /// <value>Defaults to one pattern for upper-case prefixed ids: <c>\b[A-Z]{2,6}-[0-9]{3,}\b</c> (<c>ORD-1234</c>, <c>INV-00017</c>).</value>
    public List<string> Patterns { get; } = [@"\b[A-Z]{2,6}-[0-9]{3,}\b"];

    /// <summary>Gets or sets the seed: the same input and seed give byte-identical output.</summary>
    /// <value>Defaults to 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets the number of augmented copies per row that has entities.</summary>
    /// <value>Defaults to 1; between 1 and 100.</value>
    public int Copies { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether the original rows are written too.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IncludeOriginals { get; set; } = true;
}

/// <summary>What <see cref="EntitySwapAugmenter"/> wrote.</summary>
public sealed class EntitySwapReport
{
    /// <summary>Gets the number of non-blank lines read.</summary>
    /// <value>Zero for an empty input.</value>
    public long Rows { get; init; }

    /// <summary>Gets the number of rows whose user text has at least one entity.</summary>
    /// <value>Zero when no pattern matched.</value>
    public long RowsWithEntities { get; init; }

    /// <summary>Gets the number of augmented rows written.</summary>
    /// <value><see cref="RowsWithEntities"/> times the copies.</value>
    public long AugmentedRows { get; init; }

    /// <summary>Gets the number of rows written in all.</summary>
    /// <value>Originals (when included) plus augmented rows.</value>
    public long RowsWritten { get; init; }

    /// <summary>Gets the number of lines longer than <see cref="DatasetValidationOptions.MaxLineBytes"/>: neither copied nor augmented.</summary>
    /// <value>Zero when every line fit.</value>
    public long SkippedLines { get; init; }
}
