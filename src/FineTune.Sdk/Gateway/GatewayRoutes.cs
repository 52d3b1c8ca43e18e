using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>One variant a gateway can send to: the resolved model and the client that serves it.</summary>
internal sealed class GatewayVariant(ResolvedModel model, bool isBase, IChatClient client)
{
    public ResolvedModel Model { get; } = model;

    public bool IsBase { get; } = isBase;

    public IChatClient Client { get; } = client;
}

/// <summary>
/// A gateway's view of its feature at one registry snapshot, built once per snapshot so that routing a request
/// allocates nothing: the flag name, the default and rollout variants with their clients, and every model id the
/// registry knows for the feature.
/// </summary>
internal sealed class GatewayRoutes
{
    private readonly string[] _modelIds;
    private readonly GatewayVariant[] _variants;

    public GatewayRoutes(ModelRegistrySnapshot snapshot, string feature, Func<ResolvedModel, IChatClient> clientFor)
    {
        Snapshot = snapshot;
        var entry = snapshot.Document.FindFeature(feature);
        var defaultVariant = entry?.FindVariant(entry.DefaultVariant);
        if (entry is null || defaultVariant is null)
        {
            FlagName = string.Empty;
            _modelIds = [];
            _variants = [];
            return;
        }

        FlagName = entry.FlagName ?? "model:" + feature;
        _modelIds = entry.Variants.Select(v => v.ModelId).Distinct(StringComparer.Ordinal).ToArray();
        _variants = entry.Variants.Where(v => v.Status != RegistryVariantStatus.Retired || v.Name == entry.DefaultVariant)
            .Select(v =>
            {
                var model = new ResolvedModel(feature, v.Name, v.ModelId, v.Provider, v.Endpoint);
                return new GatewayVariant(model, string.Equals(v.ModelId, v.BaseModel, StringComparison.Ordinal), clientFor(model));
            })
            .ToArray();
        Default = Find(defaultVariant.Name);
        Rollout = entry.RolloutVariant is null ? null : Find(entry.RolloutVariant);
    }

    public ModelRegistrySnapshot Snapshot { get; }

    public bool IsFound => Default is not null;

    public string FlagName { get; }

    public GatewayVariant? Default { get; }

    public GatewayVariant? Rollout { get; }

    public GatewayVariant? Find(string name)
    {
        foreach (var variant in _variants)
        {
            if (string.Equals(variant.Model.Variant, name, StringComparison.Ordinal))
            {
                return variant;
            }
        }

        return null;
    }

    public bool Knows(string modelId)
    {
        foreach (var id in _modelIds)
        {
            if (string.Equals(id, modelId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
