using System.Diagnostics;

namespace FineTune.Sdk;

/// <summary>
/// The provider-neutral status of a fine-tuning job: an open set over a string with well-known values and
/// case-insensitive equality. A provider status with no neutral equivalent is carried as-is.
/// </summary>
[DebuggerDisplay("{Value,nq}")]
public readonly struct FineTuneJobStatus : IEquatable<FineTuneJobStatus>
{
    private readonly string? _value;

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobStatus"/> struct.</summary>
    /// <param name="value">The status text, for example <c>running</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public FineTuneJobStatus(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary>Gets the status of a job whose files are being validated.</summary>
    public static FineTuneJobStatus Validating { get; } = new("validating");

    /// <summary>Gets the status of a job waiting for capacity.</summary>
    public static FineTuneJobStatus Queued { get; } = new("queued");

    /// <summary>Gets the status of a job that is training.</summary>
    public static FineTuneJobStatus Running { get; } = new("running");

    /// <summary>Gets the status of a job paused by its owner; it resumes through <see cref="IFineTuneProvider.ResumeJobAsync"/>.</summary>
    public static FineTuneJobStatus Paused { get; } = new("paused");

    /// <summary>Gets the terminal status of a job that produced a model.</summary>
    public static FineTuneJobStatus Succeeded { get; } = new("succeeded");

    /// <summary>Gets the terminal status of a job that failed; see <see cref="FineTuneJob.Error"/>.</summary>
    public static FineTuneJobStatus Failed { get; } = new("failed");

    /// <summary>Gets the terminal status of a job cancelled by its owner.</summary>
    public static FineTuneJobStatus Cancelled { get; } = new("cancelled");

    /// <summary>Gets the status text.</summary>
    /// <value>The text given at construction; empty for <c>default</c>.</value>
    public string Value => _value ?? string.Empty;

    /// <summary>Gets a value indicating whether the status is final (succeeded, failed or cancelled).</summary>
    /// <value><see langword="true"/> for a terminal status.</value>
    public bool IsTerminal => Equals(Succeeded) || Equals(Failed) || Equals(Cancelled);

    /// <summary>Compares two statuses case-insensitively.</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(FineTuneJobStatus left, FineTuneJobStatus right) => left.Equals(right);

    /// <summary>Compares two statuses case-insensitively.</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    /// <returns><see langword="true"/> when different.</returns>
    public static bool operator !=(FineTuneJobStatus left, FineTuneJobStatus right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(FineTuneJobStatus other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FineTuneJobStatus other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;
}
