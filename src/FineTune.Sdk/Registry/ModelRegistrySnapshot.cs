namespace FineTune.Sdk;

/// <summary>
/// An immutable, in-memory view of one registry version that answers <see cref="Resolve"/> without touching disk or
/// network, without allocating and without locks. A registry swaps in a new snapshot when a change is committed or
/// observed; callers holding an old one keep a consistent (older) view.
/// </summary>
/// <remarks>Instances are immutable and thread-safe.</remarks>
public sealed class ModelRegistrySnapshot
{
    /// <summary>The number of rollout buckets: percentages resolve in steps of 0.01%.</summary>
    public const int BucketCount = 10_000;

    private readonly Dictionary<string, Route> _routes;

    /// <summary>Initializes a new instance of the <see cref="ModelRegistrySnapshot"/> class.</summary>
    /// <param name="document">The registry document the snapshot answers from.</param>
    public ModelRegistrySnapshot(RegistryDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Document = document;
        _routes = new Dictionary<string, Route>(document.Features.Count, StringComparer.Ordinal);
        foreach (var feature in document.Features)
        {
            var defaultVariant = feature.FindVariant(feature.DefaultVariant);
            if (defaultVariant is null)
            {
                continue;
            }

            var rollout = feature.RolloutVariant is null ? null : feature.FindVariant(feature.RolloutVariant);
            var buckets = rollout is null ? 0 : (int)Math.Round(feature.RolloutPercentage * 100m, MidpointRounding.ToZero);
            _routes[feature.Name] = new Route(
                ToResolved(feature.Name, defaultVariant),
                rollout is null ? default : ToResolved(feature.Name, rollout),
                Math.Clamp(buckets, 0, BucketCount),
                FeatureSeed(feature.Name));
        }
    }

    /// <summary>Gets the document the snapshot was built from.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public RegistryDocument Document { get; }

    /// <summary>Gets the registry version of the snapshot.</summary>
    /// <value>The document's version.</value>
    public long Version => Document.Version;

    /// <summary>
    /// Resolves which model serves <paramref name="feature"/> for <paramref name="targetingKey"/>: the rollout variant
    /// when the key's bucket falls under the rollout percentage, the default otherwise. The same key always gets the
    /// same answer at the same percentage, in every process and on every store; raising the percentage only adds keys.
    /// </summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="targetingKey">A stable key for the caller (user, tenant, conversation).</param>
    /// <returns>The model to call; <see cref="ResolvedModel.IsFound"/> is <see langword="false"/> for an unknown feature.</returns>
    public ResolvedModel Resolve(string feature, string targetingKey)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(targetingKey);
        if (!_routes.TryGetValue(feature, out var route))
        {
            return default;
        }

        if (route.RolloutBuckets > 0 && Bucket(route.Seed, targetingKey) < route.RolloutBuckets)
        {
            return route.Rollout;
        }

        return route.Default;
    }

    /// <summary>Computes the rollout bucket of a key for a feature, in [0, <see cref="BucketCount"/>).</summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="targetingKey">The targeting key.</param>
    /// <returns>The bucket; stable across processes, machines and releases.</returns>
    public static int GetBucket(string feature, string targetingKey)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(targetingKey);
        return Bucket(FeatureSeed(feature), targetingKey);
    }

    // FNV-1a (64-bit) over the UTF-16 code units, seeded by the feature so keys are bucketed independently per
    // feature, then the MurmurHash3 finalizer for an even spread of the low bits.
    private static ulong FeatureSeed(string feature)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in feature)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (hash ^ 0xFFFF) * 1099511628211UL;
    }

    private static int Bucket(ulong seed, string key)
    {
        var hash = seed;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (int)(hash % BucketCount);
    }

    private static ResolvedModel ToResolved(string feature, RegistryVariant variant) =>
        new(feature, variant.Name, variant.ModelId, variant.Provider, variant.Endpoint);

    private sealed record Route(ResolvedModel Default, ResolvedModel Rollout, int RolloutBuckets, ulong Seed);
}

/// <summary>The model to call for a feature and targeting key.</summary>
/// <param name="Feature">The feature resolved.</param>
/// <param name="Variant">The variant chosen.</param>
/// <param name="ModelId">The model id to send.</param>
/// <param name="Provider">The provider to send it to.</param>
/// <param name="Endpoint">The endpoint, when the variant has one (self-hosted adapters).</param>
public readonly record struct ResolvedModel(string Feature, string Variant, string ModelId, string Provider, string? Endpoint)
{
    /// <summary>Gets a value indicating whether the feature was found.</summary>
    /// <value><see langword="false"/> for the default value (unknown feature).</value>
    public bool IsFound => ModelId is not null;
}
