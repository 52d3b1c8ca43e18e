using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>Flag values for <see cref="ConfigurationFeatureFlags"/>, usually bound from <c>FineTune:Flags</c>.</summary>
public sealed class FeatureFlagOptions
{
    /// <summary>Gets the flags: name (case-insensitive) to on/off.</summary>
    /// <value>Empty by default: every flag is off. In configuration, <c>FineTune:Flags:Flags:support-intent = true</c>
    /// names the flag <c>model:support-intent</c> too (the <c>model:</c> prefix may be left out, since <c>:</c> separates
    /// configuration sections).</value>
    public IDictionary<string, bool> Flags { get; } = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// The default <see cref="IFeatureFlags"/>: flags on or off for everyone, read from <see cref="FeatureFlagOptions"/>
/// (configuration, reloaded when it changes). The share of keys is then the registry's rollout percentage.
/// </summary>
/// <remarks>Thread-safe; answers synchronously without allocating.</remarks>
public sealed class ConfigurationFeatureFlags : IFeatureFlags
{
    private const string ModelPrefix = "model:";
    private readonly IOptionsMonitor<FeatureFlagOptions>? _monitor;
    private readonly FeatureFlagOptions? _fixed;

    /// <summary>Initializes a new instance of the <see cref="ConfigurationFeatureFlags"/> class that follows configuration reloads.</summary>
    /// <param name="options">The options monitor.</param>
    public ConfigurationFeatureFlags(IOptionsMonitor<FeatureFlagOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _monitor = options;
    }

    /// <summary>Initializes a new instance of the <see cref="ConfigurationFeatureFlags"/> class over fixed options (they may still be edited).</summary>
    /// <param name="options">The options.</param>
    public ConfigurationFeatureFlags(FeatureFlagOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _fixed = options;
    }

    /// <inheritdoc />
    public ValueTask<FeatureFlagDecision> EvaluateAsync(string flagName, string targetingKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flagName);
        var flags = (_fixed ?? _monitor!.CurrentValue).Flags;
        var on = flags.TryGetValue(flagName, out var value)
            ? value
            : flagName.StartsWith(ModelPrefix, StringComparison.OrdinalIgnoreCase) && TryGetWithoutPrefix(flags, flagName, out value) && value;
        return new ValueTask<FeatureFlagDecision>(on ? FeatureFlagDecision.On : FeatureFlagDecision.Off);
    }

    private static bool TryGetWithoutPrefix(IDictionary<string, bool> flags, string flagName, out bool value)
    {
#if NET9_0_OR_GREATER
        if (flags is Dictionary<string, bool> dictionary)
        {
            var lookup = dictionary.GetAlternateLookup<ReadOnlySpan<char>>();
            return lookup.TryGetValue(flagName.AsSpan(ModelPrefix.Length), out value);
        }

#endif
        return flags.TryGetValue(flagName[ModelPrefix.Length..], out value);
    }
}
