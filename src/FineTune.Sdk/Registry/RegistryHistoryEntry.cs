namespace FineTune.Sdk;

/// <summary>
/// One committed change, as the audit history records it: who, when, what, why, and the feature before and after.
/// Answers "what data trained model X, and who promoted it?".
/// </summary>
public sealed record RegistryHistoryEntry
{
    /// <summary>Gets the registry version the change produced.</summary>
    /// <value>Consecutive: the history holds one entry per version, in order.</value>
    public long Version { get; init; }

    /// <summary>Gets when the change was committed.</summary>
    /// <value>From the registry's clock.</value>
    public DateTimeOffset At { get; init; }

    /// <summary>Gets who made the change.</summary>
    /// <value>From <see cref="RegistryChange.Actor"/>.</value>
    public required string Actor { get; init; }

    /// <summary>Gets the operation.</summary>
    /// <value><c>register</c>, <c>promote</c>, <c>rollout</c>, <c>rollback</c> or <c>retire</c>.</value>
    public required string Operation { get; init; }

    /// <summary>Gets the feature changed.</summary>
    /// <value>The feature name.</value>
    public required string Feature { get; init; }

    /// <summary>Gets the variant the operation named.</summary>
    /// <value><see langword="null"/> for a rollback.</value>
    public string? Variant { get; init; }

    /// <summary>Gets why the change was made.</summary>
    /// <value>From <see cref="RegistryChange.Reason"/>; required when a guard was forced.</value>
    public string? Reason { get; init; }

    /// <summary>Gets a value indicating whether a guard was overridden.</summary>
    /// <value><see langword="true"/> when <see cref="RegistryChange.Force"/> let a failing guard through.</value>
    public bool Forced { get; init; }

    /// <summary>Gets the rules that failed but were forced through.</summary>
    /// <value>Empty unless <see cref="Forced"/>.</value>
    public IReadOnlyList<string> ForcedRules { get; init; } = [];

    /// <summary>Gets the feature before the change.</summary>
    /// <value><see langword="null"/> when the change created the feature.</value>
    public RegistryFeature? Before { get; init; }

    /// <summary>Gets the feature after the change.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required RegistryFeature After { get; init; }
}

/// <summary>Who makes a change and why, and how strictly it is applied.</summary>
public sealed record RegistryChange
{
    /// <summary>Gets who makes the change.</summary>
    /// <value>A user or service name; required.</value>
    public required string Actor { get; init; }

    /// <summary>Gets why the change is made.</summary>
    /// <value>Optional, except when <see cref="Force"/> is set.</value>
    public string? Reason { get; init; }

    /// <summary>Gets a value indicating whether failing promotion guards are overridden (the reason is recorded).</summary>
    /// <value>Defaults to <see langword="false"/>. Format guards (model id, adapter revision) cannot be forced.</value>
    public bool Force { get; init; }

    /// <summary>Gets the registry version the caller based the change on.</summary>
    /// <value>
    /// <see langword="null"/> (the default) applies the operation to the latest version, retrying on a concurrent
    /// commit; a value makes a change to any other version fail with <see cref="ModelRegistryConflictException"/>.
    /// </value>
    public long? ExpectedVersion { get; init; }
}
