using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// The caches and scratch buffers that hold user text (tokenizer piece caches, the repeated-text memo, the
/// normalization and detection buffers) for one thread of one run. A run enters its own instance on each thread
/// that does its work and leaves it when that work is done, so nothing keyed by or filled with user text stays
/// reachable once the run returns: the preparation threads' instances die with those threads, and the run's own
/// instance with the run. Outside a run the code that uses them caches nothing (or uses a buffer of its own call).
/// </summary>
/// <remarks>
/// An instance is used by one thread at a time: a preparation thread owns one for its whole life; the run's
/// sequential side (which may hop threads between awaits, but never runs on two at once) enters another.
/// Tables that are pure functions of an encoding (the vocabularies) are not user data and stay shared.
/// </remarks>
internal sealed class RunCaches
{
    [ThreadStatic]
    private static RunCaches? t_current;

    /// <summary>Gets the caches the current thread entered, or <see langword="null"/> outside a run.</summary>
    public static RunCaches? Current => t_current;

    /// <summary>Gets or sets the o200k_base pieces that needed merges, keyed by their text.</summary>
    public PieceCache? O200kPieces { get; set; }

    /// <summary>Gets or sets the cl100k_base pieces that needed merges, keyed by their text.</summary>
    public PieceCache? Cl100kPieces { get; set; }

    /// <summary>Gets or sets the o200k_base counts of short ASCII pieces (the pieces' text, packed).</summary>
    public PieceCountCache? O200kCounts { get; set; }

    /// <summary>Gets or sets the cl100k_base counts of short ASCII pieces.</summary>
    public PieceCountCache? Cl100kCounts { get; set; }

    /// <summary>Gets or sets the memo of texts that repeat row after row (system prompts, tool schemas).</summary>
    public RepeatedTextCounts? RepeatedTexts { get; set; }

    /// <summary>Gets or sets the token accounting's example buffer.</summary>
    public ChatTokenAccounting.ExampleWork? ExampleWork { get; set; }

    /// <summary>Gets or sets the token accounting's JSON text builder.</summary>
    public StringBuilder? JsonText { get; set; }

    /// <summary>Gets or sets the PII gate's recorder, path and tally.</summary>
    public PiiGate.Scratch? Pii { get; set; }

    /// <summary>Gets or sets the row fingerprints' normalized texts.</summary>
    public RowFingerprints.Scratch? Fingerprints { get; set; }

    /// <summary>Gets or sets the MinHash sketch's shingle hashes.</summary>
    public ulong[]? Shingles { get; set; }

    /// <summary>Makes <paramref name="caches"/> the current thread's until the returned scope is disposed (on the same thread).</summary>
    /// <param name="caches">The caches.</param>
    /// <returns>The scope; disposing it restores what was current before.</returns>
    public static Scope Enter(RunCaches caches)
    {
        var previous = t_current;
        t_current = caches;
        return new Scope(previous);
    }

    /// <summary>Restores the caches that were current before <see cref="Enter"/>.</summary>
    public readonly struct Scope(RunCaches? previous) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => t_current = previous;
    }
}
