using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace FineTune.Sdk.FeatureManagement;

/// <summary>
/// <see cref="IFeatureFlags"/> over <c>Microsoft.FeatureManagement</c>'s <see cref="IVariantFeatureManager"/>: the
/// gateway's flag (for example <c>model:support-intent</c>) is a feature flag of that library, named with <c>.</c> for
/// <c>:</c> (which that library does not allow: <c>model.support-intent</c>), evaluated with a
/// <see cref="TargetingContext"/> whose user id is the targeting key. Its filters (targeting audiences, percentages,
/// time windows) decide on/off; when the flag allocates a variant, the variant's configuration value (or, without one,
/// its name) names the registry variant to serve.
/// </summary>
/// <remarks>
/// Thread-safe as the feature manager is. A flag that is off serves the feature's default variant; one that is on
/// without a variant lets the registry's rollout percentage decide; an allocated name the registry does not know
/// serves the default.
/// </remarks>
public sealed class FeatureManagementFeatureFlags : IFeatureFlags
{
    private readonly IVariantFeatureManager _manager;

    /// <summary>Initializes a new instance of the <see cref="FeatureManagementFeatureFlags"/> class.</summary>
    /// <param name="manager">The variant feature manager (from <c>services.AddFeatureManagement()</c>).</param>
    public FeatureManagementFeatureFlags(IVariantFeatureManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
    }

    /// <inheritdoc />
    public async ValueTask<FeatureFlagDecision> EvaluateAsync(string flagName, string targetingKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flagName);
        ArgumentNullException.ThrowIfNull(targetingKey);
        var name = ToFeatureName(flagName);
        var context = new TargetingContext { UserId = targetingKey };
        if (!await _manager.IsEnabledAsync(name, context, cancellationToken).ConfigureAwait(false))
        {
            return FeatureFlagDecision.Off;
        }

        var variant = await _manager.GetVariantAsync(name, context, cancellationToken).ConfigureAwait(false);
        if (variant is null)
        {
            return FeatureFlagDecision.On;
        }

        return new FeatureFlagDecision(true, variant.Configuration?.Value is { Length: > 0 } configured ? configured : variant.Name);
    }

    /// <summary>Maps a gateway flag name to a <c>Microsoft.FeatureManagement</c> feature name: <c>:</c> becomes <c>.</c>.</summary>
    /// <param name="flagName">The gateway flag, for example <c>model:support-intent</c>.</param>
    /// <returns>The feature name, for example <c>model.support-intent</c>.</returns>
    public static string ToFeatureName(string flagName)
    {
        ArgumentNullException.ThrowIfNull(flagName);
        return flagName.Contains(':', StringComparison.Ordinal) ? flagName.Replace(':', '.') : flagName;
    }
}
