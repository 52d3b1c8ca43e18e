using System.Diagnostics;

namespace FineTune.Sdk;

/// <summary>
/// The training method of a fine-tuning job: an open set over a string with well-known values and
/// case-insensitive equality, so a provider's newer method can be named before this SDK knows it.
/// </summary>
[DebuggerDisplay("{Value,nq}")]
public readonly struct FineTuneMethod : IEquatable<FineTuneMethod>
{
    private readonly string? _value;

    /// <summary>Initializes a new instance of the <see cref="FineTuneMethod"/> struct.</summary>
    /// <param name="value">The method name as the provider spells it, for example <c>supervised</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public FineTuneMethod(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary>Gets supervised fine-tuning on chat examples.</summary>
    public static FineTuneMethod Supervised { get; } = new("supervised");

    /// <summary>Gets direct preference optimization on preferred / non-preferred pairs.</summary>
    public static FineTuneMethod Dpo { get; } = new("dpo");

    /// <summary>Gets the method name.</summary>
    /// <value>The name given at construction; <c>supervised</c> for <c>default</c>.</value>
    public string Value => _value ?? "supervised";

    /// <summary>Compares two methods case-insensitively.</summary>
    /// <param name="left">The first method.</param>
    /// <param name="right">The second method.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(FineTuneMethod left, FineTuneMethod right) => left.Equals(right);

    /// <summary>Compares two methods case-insensitively.</summary>
    /// <param name="left">The first method.</param>
    /// <param name="right">The second method.</param>
    /// <returns><see langword="true"/> when different.</returns>
    public static bool operator !=(FineTuneMethod left, FineTuneMethod right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(FineTuneMethod other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FineTuneMethod other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;
}
