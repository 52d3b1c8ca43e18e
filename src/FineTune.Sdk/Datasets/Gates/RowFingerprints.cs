namespace FineTune.Sdk;

/// <summary>
/// The hashes of one row the gates and the splitter share: the input (system prompt and user text), the answer
/// and both together, each over normalized text. Computed once per row and cached for the gates that follow.
/// </summary>
internal sealed class RowFingerprints
{
    private DatasetRow? _row;
    private long _line;

    /// <summary>Gets the hash of the normalized system prompt and user text.</summary>
    public ulong Input { get; private set; }

    /// <summary>Gets the hash of the normalized assistant answer (the normalized raw row when there is no answer text).</summary>
    public ulong Answer { get; private set; }

    /// <summary>Gets the hash of input and answer together: equal for exact duplicates.</summary>
    public ulong Exact { get; private set; }

    /// <summary>Gets the hash of the normalized system prompt alone (0 when there is none).</summary>
    public ulong SystemPrompt { get; private set; }

    /// <summary>Gets the normalized user text and answer, the near-duplicate sketch's input.</summary>
    public string NearText { get; private set; } = string.Empty;

    /// <summary>Fills the keys for a row unless they are already those of this row.</summary>
    public RowFingerprints For(DatasetRow row)
    {
        if (row.Fingerprints is { } prepared && !ReferenceEquals(prepared, this))
        {
            return prepared;
        }

        if (ReferenceEquals(_row, row) && _line == row.Line)
        {
            return this;
        }

        _row = row;
        _line = row.Line;
        var system = TextFingerprint.Normalize(row.SystemPrompt);
        var user = TextFingerprint.Normalize(row.UserText);
        var answer = row.AssistantText is not null
            ? TextFingerprint.Normalize(row.AssistantText)
            : TextFingerprint.Normalize(row.Root.ValueKind == System.Text.Json.JsonValueKind.Undefined ? string.Empty : row.Root.GetRawText());
        SystemPrompt = row.SystemPrompt is null ? 0 : TextFingerprint.Hash(system, 1);
        Input = TextFingerprint.Combine(TextFingerprint.Hash(system, 1), TextFingerprint.Hash(user, 2));
        Answer = TextFingerprint.Hash(answer, 3);
        Exact = TextFingerprint.Combine(Input, Answer);
        NearText = row.AssistantText is null ? user : string.Concat(user, " ", answer);
        return this;
    }
}
