namespace FineTune.Sdk;

/// <summary>A fine-tuning dataset format: an open set with well-known values, compared case-insensitively.</summary>
public readonly struct DatasetFormat : IEquatable<DatasetFormat>
{
    /// <summary>Creates a format from its name.</summary>
    /// <param name="value">The format name, for example <c>chat</c>.</param>
    public DatasetFormat(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    /// <summary>Gets the OpenAI chat fine-tuning format (<c>{"messages": [...]}</c>, optional <c>tools</c>).</summary>
    public static DatasetFormat Chat { get; } = new("chat");

    /// <summary>Gets the DPO preference format (<c>input</c>, <c>preferred_output</c>, <c>non_preferred_output</c>).</summary>
    public static DatasetFormat Preference { get; } = new("preference");

    /// <summary>Gets the value used when no known format could be recognised.</summary>
    public static DatasetFormat Unknown { get; } = new("unknown");

    /// <summary>Gets the format name.</summary>
    /// <value>The name as created; <c>unknown</c> for a default instance.</value>
    public string Value => field ?? "unknown";

    /// <inheritdoc />
    public bool Equals(DatasetFormat other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DatasetFormat other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>Compares two formats case-insensitively.</summary>
    /// <param name="left">The first format.</param>
    /// <param name="right">The second format.</param>
    /// <returns><see langword="true"/> when they name the same format.</returns>
    public static bool operator ==(DatasetFormat left, DatasetFormat right) => left.Equals(right);

    /// <summary>Compares two formats case-insensitively.</summary>
    /// <param name="left">The first format.</param>
    /// <param name="right">The second format.</param>
    /// <returns><see langword="true"/> when they name different formats.</returns>
    public static bool operator !=(DatasetFormat left, DatasetFormat right) => !left.Equals(right);
}
