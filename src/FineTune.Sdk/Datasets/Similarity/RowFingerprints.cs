namespace FineTune.Sdk;

/// <summary>
/// The hashes of one row the gates and the splitter share: the input (system prompt and user text), the answer
/// and both together, each over normalized text. Computed once per row and cached for the gates that follow; the
/// normalized texts live in buffers reused from row to row.
/// </summary>
internal sealed class RowFingerprints
{
    private DatasetRow? _row;
    private long _line;
    private Scratch? _scratch;
    private int _userLength;
    private int _answerLength;
    private bool _hasAnswer;

    /// <summary>Gets the hash of the normalized system prompt and user text.</summary>
    public ulong Input { get; private set; }

    /// <summary>Gets the hash of the normalized assistant answer (the normalized raw row when there is no answer text).</summary>
    public ulong Answer { get; private set; }

    /// <summary>Gets the hash of input and answer together: equal for exact duplicates.</summary>
    public ulong Exact { get; private set; }

    /// <summary>Gets the hash of the normalized system prompt alone (0 when there is none).</summary>
    public ulong SystemPrompt { get; private set; }

    /// <summary>
    /// Gets the normalized user text, the first half of the near-duplicate sketch's input. Like
    /// <see cref="NearAnswer"/> it lives in the thread's scratch buffers: read it on the thread that called
    /// <see cref="For"/>, before that thread fingerprints another row.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another row or thread has reused the buffers since.</exception>
    public ReadOnlySpan<char> NearUser => Owned().User.AsSpan(0, _userLength);

    /// <summary>
    /// Gets the normalized answer, the second half of the near-duplicate sketch's input (empty when the row has no
    /// answer text). The sketch reads the user text and the answer as one text joined by a space.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another row or thread has reused the buffers since.</exception>
    public ReadOnlySpan<char> NearAnswer => _hasAnswer ? Owned().Answer.AsSpan(0, _answerLength) : [];

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
        // The run's buffers on this thread; outside a run, buffers of this instance's own.
        var scratch = _scratch = RunCaches.Current is { } caches ? caches.Fingerprints ??= new Scratch()
            : _scratch is { Shared: false } own ? own : new Scratch { Shared = false };
        scratch.Owner = this;
        TextFingerprint.Normalize(row.SystemPrompt, ref scratch.System, seed: 1, out var systemHash);
        var user = TextFingerprint.Normalize(row.UserText, ref scratch.User, seed: 2, out var userHash);
        var answerText = row.AssistantText ?? (row.Root.ValueKind == System.Text.Json.JsonValueKind.Undefined ? string.Empty : row.Root.GetRawText());
        var answer = TextFingerprint.Normalize(answerText, ref scratch.Answer, seed: 3, out var answerHash);
        _userLength = user.Length;
        _answerLength = answer.Length;
        _hasAnswer = row.AssistantText is not null;
        SystemPrompt = row.SystemPrompt is null ? 0 : systemHash;
        Input = TextFingerprint.Combine(systemHash, userHash);
        Answer = answerHash;
        Exact = TextFingerprint.Combine(Input, Answer);
        return this;
    }

    private Scratch Owned() =>
        _scratch is { } scratch && (!scratch.Shared || ReferenceEquals(scratch, RunCaches.Current?.Fingerprints)) && ReferenceEquals(scratch.Owner, this)
            ? scratch
            : throw new InvalidOperationException("The normalized texts were overwritten: read them on the thread that fingerprinted the row, before it fingerprints another.");

    /// <summary>The normalization buffers of one thread of a run, reused from row to row (never per row: rows in flight are many).</summary>
    internal sealed class Scratch
    {
        public bool Shared = true;
        public char[]? System;
        public char[]? User;
        public char[]? Answer;
        public RowFingerprints? Owner;
    }
}
