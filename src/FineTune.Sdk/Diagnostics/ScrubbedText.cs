namespace FineTune.Sdk;

/// <summary>
/// A log-event argument that may carry text from outside the SDK (a request value, a registry or provider name, a job
/// id or status from a provider, a path, a URL, an error text). It renders through <see cref="SecretScrubber"/> — in
/// the formatted message and in the structured state alike — and only when the event is written, so a disabled level
/// costs nothing.
/// </summary>
/// <remarks>
/// Every <c>[LoggerMessage]</c> method takes this type, not <see cref="string"/>, for such a parameter; the implicit
/// conversion keeps call sites as they are, so the scrub happens at one place per parameter: its declaration. The only
/// <see cref="string"/> parameters left are texts the SDK makes itself (operation and worker names, exception type
/// names, finding codes); a test lists each of them and fails on a new one nobody classified.
/// </remarks>
/// <param name="text">The raw text.</param>
internal readonly struct ScrubbedText(string? text) : IEquatable<ScrubbedText>
{
    /// <summary>Wraps a text.</summary>
    /// <param name="text">The raw text.</param>
    public static implicit operator ScrubbedText(string? text) => new(text);

    public static bool operator ==(ScrubbedText left, ScrubbedText right) => left.Equals(right);

    public static bool operator !=(ScrubbedText left, ScrubbedText right) => !left.Equals(right);

    /// <summary>Wraps a text (the named form of the implicit conversion).</summary>
    /// <param name="text">The raw text.</param>
    /// <returns>The wrapped text.</returns>
    public static ScrubbedText FromString(string? text) => new(text);

    /// <summary>Returns the text without credentials; <c>(null)</c> for a missing one, as the logging generator writes it.</summary>
    /// <returns>The scrubbed text.</returns>
    public override string ToString() => text is null ? "(null)" : SecretScrubber.Scrub(text);

    /// <inheritdoc />
    public bool Equals(ScrubbedText other) => string.Equals(text, other.Raw, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ScrubbedText other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => text is null ? 0 : StringComparer.Ordinal.GetHashCode(text);

    private string? Raw => text;
}
