using System.Runtime.CompilerServices;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>One non-blank line as the dataset tools see it; valid only until the enumeration moves on.</summary>
internal sealed class SourceLine
{
    /// <summary>Gets the 0-based index among non-blank lines (stable between two reads of the same file).</summary>
    public long Ordinal { get; internal set; }

    /// <summary>Gets the line's UTF-8 bytes (borrowed).</summary>
    public ReadOnlyMemory<byte> Bytes { get; internal set; }

    /// <summary>Gets the parsed row, or <see langword="null"/> when the line is not a JSON object of a known shape.</summary>
    public DatasetRow? Row { get; internal set; }

    /// <summary>Gets the 1-based line number.</summary>
    public long Number { get; internal set; }

    /// <summary>Gets a value indicating whether the line was longer than the limit (its bytes were not kept).</summary>
    public bool IsTooLong { get; internal set; }
}

/// <summary>
/// Streams a JSONL file as rows for the dataset tools (splitter, redactor, manifest, augmenter) using the
/// validator's reader and row parser: constant memory, one row at a time.
/// </summary>
internal static class DatasetRowSource
{
    public static async IAsyncEnumerable<SourceLine> ReadAsync(Stream content, DatasetValidationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = new JsonlReader(content, options.MaxLineBytes, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            var current = new SourceLine();
            var row = new DatasetRow();
            long ordinal = 0;
            await foreach (var line in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                current.Ordinal = ordinal++;
                current.Number = line.Number;
                current.Bytes = line.Bytes;
                current.Row = null;
                current.IsTooLong = (line.Problems & JsonlLineProblems.TooLong) != 0;
                JsonDocument? document = null;
                if ((line.Problems & (JsonlLineProblems.TooLong | JsonlLineProblems.InvalidUtf8)) == 0)
                {
                    document = DatasetRowParser.TryParse(line.Bytes, options.MaxDepth, out _, out _);
                }

                try
                {
                    if (document is not null && document.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        DatasetRowParser.Fill(row, line.Number, document.RootElement, DetectFormat(document.RootElement));
                        current.Row = row;
                    }

                    yield return current;
                }
                finally
                {
                    document?.Dispose();
                }
            }
        }
    }

    /// <summary>Recognises a row's format from its top-level keys, with the validator's own rules (<see cref="RowShapes"/>).</summary>
    public static DatasetFormat DetectFormat(JsonElement root) => RowShapes.Classify(root) switch
    {
        RowShape.Chat => DatasetFormat.Chat,
        RowShape.Preference => DatasetFormat.Preference,
        _ => DatasetFormat.Unknown,
    };
}
