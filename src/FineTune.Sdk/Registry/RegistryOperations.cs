using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// The registry's state changes as pure functions of a document: each returns the changed feature (or throws the
/// rule it breaks). <see cref="ModelRegistry"/> wraps them in read, commit and retry.
/// </summary>
internal static class RegistryOperations
{
    public const string Register = "register";
    public const string Promote = "promote";
    public const string Rollout = "rollout";
    public const string Rollback = "rollback";
    public const string Retire = "retire";

    public static RegistryFeature ApplyRegister(RegistryFeature? feature, string featureName, RegistryVariant variant, DateTimeOffset now)
    {
        var added = Normalize(variant) with
        {
            Status = RegistryVariantStatus.Registered,
            CreatedAt = now,
            PromotedAt = null,
            RetiredAt = null,
            LastEvaluatedAt = variant.Evaluation?.GeneratedAt ?? variant.LastEvaluatedAt,
        };

        if (feature is null)
        {
            return new RegistryFeature
            {
                Name = featureName,
                DefaultVariant = added.Name,
                FlagName = "model:" + featureName,
                GoldenSetSha256 = added.Evaluation?.GoldenSetSha256,
                Variants = [added],
            };
        }

        if (feature.FindVariant(added.Name) is not null)
        {
            throw new ModelRegistryException("variant.exists", $"Feature '{featureName}' already has a variant named '{added.Name}'; variants are immutable, register a new name.");
        }

        return feature with
        {
            GoldenSetSha256 = feature.GoldenSetSha256 ?? added.Evaluation?.GoldenSetSha256,
            Variants = Sorted([.. feature.Variants, added]),
        };
    }

    public static RegistryFeature ApplyPromote(RegistryFeature feature, RegistryVariant variant, DateTimeOffset now)
    {
        if (variant.Status == RegistryVariantStatus.Retired)
        {
            throw new ModelRegistryException("variant.retired", $"Variant '{variant.Name}' of '{feature.Name}' is retired and cannot be promoted.");
        }

        if (string.Equals(feature.DefaultVariant, variant.Name, StringComparison.Ordinal))
        {
            throw new ModelRegistryException("promotion.is-default", $"Variant '{variant.Name}' already is the default of '{feature.Name}'.");
        }

        if (feature.RolloutVariant is { } other && !string.Equals(other, variant.Name, StringComparison.Ordinal) && feature.RolloutPercentage > 0)
        {
            throw new ModelRegistryException("rollout.in-progress", $"Variant '{other}' of '{feature.Name}' is rolled out to {feature.RolloutPercentage.ToString(CultureInfo.InvariantCulture)}%; roll it back or complete it first.");
        }

        var promoted = variant with { Status = RegistryVariantStatus.Promoted, PromotedAt = now };
        return feature with
        {
            RolloutVariant = variant.Name,
            RolloutPercentage = string.Equals(feature.RolloutVariant, variant.Name, StringComparison.Ordinal) ? feature.RolloutPercentage : 0m,
            Variants = Replace(feature, promoted),
        };
    }

    public static RegistryFeature ApplyRollout(RegistryFeature feature, RegistryVariant variant, decimal percentage)
    {
        if (percentage < 0m || percentage > 100m || decimal.Round(percentage, 2) != percentage)
        {
            throw new ModelRegistryException("rollout.percentage", $"The rollout percentage must be between 0 and 100 with at most two decimals; it was {percentage.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (string.Equals(feature.DefaultVariant, variant.Name, StringComparison.Ordinal))
        {
            throw new ModelRegistryException("rollout.is-default", $"Variant '{variant.Name}' is the default of '{feature.Name}'; it already serves every key not in a rollout.");
        }

        if (variant.Status != RegistryVariantStatus.Promoted)
        {
            throw new ModelRegistryException("rollout.requires-promotion", $"Variant '{variant.Name}' of '{feature.Name}' is {variant.Status.ToString().ToLowerInvariant()}; only a promoted variant can be rolled out.");
        }

        if (feature.RolloutVariant is { } other && !string.Equals(other, variant.Name, StringComparison.Ordinal) && feature.RolloutPercentage > 0)
        {
            throw new ModelRegistryException("rollout.in-progress", $"Variant '{other}' of '{feature.Name}' is rolled out to {feature.RolloutPercentage.ToString(CultureInfo.InvariantCulture)}%; roll it back or complete it first.");
        }

        if (percentage == 100m)
        {
            return feature with
            {
                DefaultVariant = variant.Name,
                PreviousDefaults = [.. feature.PreviousDefaults, feature.DefaultVariant],
                RolloutVariant = null,
                RolloutPercentage = 0m,
            };
        }

        return feature with { RolloutVariant = variant.Name, RolloutPercentage = percentage };
    }

    public static RegistryFeature ApplyRollback(RegistryFeature feature)
    {
        if (feature.RolloutVariant is not null)
        {
            return feature with { RolloutVariant = null, RolloutPercentage = 0m };
        }

        var previous = feature.PreviousDefaults.ToList();
        while (previous.Count > 0)
        {
            var candidate = previous[^1];
            previous.RemoveAt(previous.Count - 1);
            if (feature.FindVariant(candidate) is { Status: not RegistryVariantStatus.Retired })
            {
                return feature with { DefaultVariant = candidate, PreviousDefaults = previous };
            }
        }

        throw new ModelRegistryException("rollback.nothing", $"Feature '{feature.Name}' has no rollout to cancel and no previous default to go back to.");
    }

    public static RegistryFeature ApplyRetire(RegistryFeature feature, RegistryVariant variant, DateTimeOffset now)
    {
        if (string.Equals(feature.DefaultVariant, variant.Name, StringComparison.Ordinal))
        {
            throw new ModelRegistryException("retire.is-default", $"Variant '{variant.Name}' is the default of '{feature.Name}'; roll back or roll out another variant first.");
        }

        if (variant.Status == RegistryVariantStatus.Retired)
        {
            throw new ModelRegistryException("variant.retired", $"Variant '{variant.Name}' of '{feature.Name}' is already retired.");
        }

        var retired = variant with { Status = RegistryVariantStatus.Retired, RetiredAt = now };
        var inRollout = string.Equals(feature.RolloutVariant, variant.Name, StringComparison.Ordinal);
        return feature with
        {
            RolloutVariant = inRollout ? null : feature.RolloutVariant,
            RolloutPercentage = inRollout ? 0m : feature.RolloutPercentage,
            PreviousDefaults = feature.PreviousDefaults.Where(p => !string.Equals(p, variant.Name, StringComparison.Ordinal)).ToList(),
            Variants = Replace(feature, retired),
        };
    }

    public static RegistryDocument WithFeature(RegistryDocument document, RegistryFeature feature, DateTimeOffset now)
    {
        var features = document.Features.Where(f => !string.Equals(f.Name, feature.Name, StringComparison.Ordinal)).Append(feature)
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        return document with { Version = document.Version + 1, UpdatedAt = now, Features = features };
    }

    private static RegistryVariant Normalize(RegistryVariant variant) => variant with
    {
        Tags = variant.Tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        Adapter = variant.Adapter is null ? null : variant.Adapter with { TargetModules = variant.Adapter.TargetModules.Order(StringComparer.Ordinal).ToList() },
    };

    private static List<RegistryVariant> Replace(RegistryFeature feature, RegistryVariant changed) =>
        Sorted(feature.Variants.Select(v => string.Equals(v.Name, changed.Name, StringComparison.Ordinal) ? changed : v));

    private static List<RegistryVariant> Sorted(IEnumerable<RegistryVariant> variants) => variants.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
}
