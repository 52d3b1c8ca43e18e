namespace FineTune.Sdk;

/// <summary>
/// The flag seam of the model gateway: says, per targeting key, whether a feature's fine-tuned rollout is on. A flag
/// that is off always serves the feature's default variant; a flag that is on lets the registry's rollout percentage
/// decide, unless the flag itself assigns a variant.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe and cheap: the gateway asks once per request. Completing synchronously (a
/// completed <see cref="ValueTask{TResult}"/>) keeps the request path free of allocations. The built-in
/// implementations are <see cref="ConfigurationFeatureFlags"/> and, in FineTune.Sdk.FeatureManagement, an adapter over
/// <c>Microsoft.FeatureManagement</c>'s <c>IVariantFeatureManager</c>.
/// </remarks>
public interface IFeatureFlags
{
    /// <summary>Evaluates a flag for a targeting key.</summary>
    /// <param name="flagName">The flag name, for example <c>model:support-intent</c> (the registry feature's <see cref="RegistryFeature.FlagName"/>).</param>
    /// <param name="targetingKey">The caller's stable key (user, tenant, conversation).</param>
    /// <param name="cancellationToken">A token to cancel the evaluation.</param>
    /// <returns>The decision; <see cref="FeatureFlagDecision.Off"/> when the flag is unknown.</returns>
    ValueTask<FeatureFlagDecision> EvaluateAsync(string flagName, string targetingKey, CancellationToken cancellationToken = default);
}

/// <summary>What a flag decided for one targeting key.</summary>
/// <param name="IsEnabled">Whether the flag is on; off always serves the default variant.</param>
/// <param name="Variant">
/// A registry variant name the flag assigns (for example from a <c>Microsoft.FeatureManagement</c> variant allocation);
/// <see langword="null"/> lets the registry's rollout percentage decide.
/// </param>
public readonly record struct FeatureFlagDecision(bool IsEnabled, string? Variant = null)
{
    /// <summary>Gets the decision of a flag that is off.</summary>
    /// <value>Serves the default variant.</value>
    public static FeatureFlagDecision Off => default;

    /// <summary>Gets the decision of a flag that is on without assigning a variant.</summary>
    /// <value>The registry's rollout percentage decides.</value>
    public static FeatureFlagDecision On => new(true);
}
