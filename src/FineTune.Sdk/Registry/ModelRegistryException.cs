namespace FineTune.Sdk;

/// <summary>A registry operation refused by a rule (a guard), or a store that could not be read or written.</summary>
public class ModelRegistryException : FineTuneException
{
    /// <summary>Initializes a new instance of the <see cref="ModelRegistryException"/> class.</summary>
    public ModelRegistryException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ModelRegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ModelRegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryException"/> class for a broken rule.</summary>
    /// <param name="rule">The rule, for example <c>promotion.report-passing</c>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public ModelRegistryException(string rule, string message)
        : base($"[{rule}] {message}")
    {
        Rule = rule;
    }

    /// <summary>Gets the rule that refused the operation.</summary>
    /// <value>For example <c>model-id.openai</c>; <see langword="null"/> for store failures.</value>
    public string? Rule { get; init; }
}

/// <summary>
/// A write based on a version of the registry that is no longer the latest: another writer committed first. Read
/// again and retry; nothing was written.
/// </summary>
public sealed class ModelRegistryConflictException : ModelRegistryException
{
    /// <summary>Initializes a new instance of the <see cref="ModelRegistryConflictException"/> class.</summary>
    public ModelRegistryConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ModelRegistryConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ModelRegistryConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ModelRegistryConflictException"/> class.</summary>
    /// <param name="expectedVersion">The version the writer based its change on.</param>
    /// <param name="actualVersion">The version in the store.</param>
    public ModelRegistryConflictException(long expectedVersion, long actualVersion)
        : base("registry.conflict", $"The registry is at version {actualVersion}, not {expectedVersion} as the change expected; read it again and retry.")
    {
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the version the writer based its change on.</summary>
    /// <value>The stale version.</value>
    public long ExpectedVersion { get; init; }

    /// <summary>Gets the version in the store.</summary>
    /// <value>The latest version.</value>
    public long ActualVersion { get; init; }
}
