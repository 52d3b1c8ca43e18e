namespace FineTune.Sdk.Bedrock;

/// <summary>
/// What keeping and serving a Bedrock custom model costs, beyond the training tokens priced in the SDK's price
/// catalog (per 1,000 tokens × epochs): monthly storage per custom model and Provisioned Throughput per model-unit
/// hour by commitment. Every figure carries its as-of date, source and whether it was verified against AWS; the
/// unverified ones are third-party transcriptions (docs/bedrock.md lists them). Pass your own figures for real budgets.
/// </summary>
public sealed class BedrockHostingPrices
{
    /// <summary>Gets the built-in figures (USD, us-east-1 / us-west-2).</summary>
    public static IReadOnlyList<BedrockHostingPrice> BuiltIn { get; } =
    [
        new("*", BedrockHostingCharge.StoragePerModelMonth, 1.95m, "2024", "Amazon Bedrock pricing page as copied by third parties; repeated for every family, unverified for Nova and Claude 3 Haiku", false),
        new("amazon.nova", BedrockHostingCharge.ProvisionedThroughputNoCommitmentPerUnitHour, 60.50m, "2026-09-01", "AWS Price List API offer AmazonBedrock, as transcribed by a third party", false),
        new("amazon.nova", BedrockHostingCharge.ProvisionedThroughputOneMonthPerUnitHour, 55.00m, "2026-09-01", "AWS Price List API offer AmazonBedrock, as transcribed by a third party", false),
        new("amazon.nova", BedrockHostingCharge.ProvisionedThroughputSixMonthsPerUnitHour, 30.25m, "2026-09-01", "AWS Price List API offer AmazonBedrock, as transcribed by a third party", false),
        new("amazon.titan-text-lite", BedrockHostingCharge.ProvisionedThroughputNoCommitmentPerUnitHour, 7.10m, "2024", "Amazon Bedrock pricing page as copied by a third party (undated)", false),
    ];

    /// <summary>Finds the figure for a model (the longest matching model-id prefix; <c>*</c> matches any).</summary>
    /// <param name="modelId">The base or custom model's base-model id.</param>
    /// <param name="charge">The charge wanted.</param>
    /// <param name="prices">The figures to search; <see cref="BuiltIn"/> when null.</param>
    /// <returns>The figure, or <see langword="null"/> when none is known.</returns>
    public static BedrockHostingPrice? Find(string modelId, BedrockHostingCharge charge, IEnumerable<BedrockHostingPrice>? prices = null)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        var id = modelId.Contains('/', StringComparison.Ordinal) ? modelId[(modelId.LastIndexOf('/') + 1)..] : modelId;
        return (prices ?? BuiltIn)
            .Where(p => p.Charge == charge && (p.ModelPrefix == "*" || id.StartsWith(p.ModelPrefix, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(p => p.ModelPrefix.Length)
            .FirstOrDefault();
    }

    /// <summary>Estimates a month (730 hours) of Provisioned Throughput plus the custom model's storage.</summary>
    /// <param name="modelId">The base model id.</param>
    /// <param name="modelUnits">The model units.</param>
    /// <param name="commitment"><c>OneMonth</c>, <c>SixMonths</c>, or null for no commitment.</param>
    /// <param name="prices">The figures; <see cref="BuiltIn"/> when null.</param>
    /// <returns>The monthly USD amount, or <see langword="null"/> when a figure is missing.</returns>
    public static decimal? EstimateMonthlyProvisionedHosting(string modelId, int modelUnits, string? commitment = null, IEnumerable<BedrockHostingPrice>? prices = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(modelUnits, 1);
        var charge = commitment switch
        {
            null => BedrockHostingCharge.ProvisionedThroughputNoCommitmentPerUnitHour,
            "OneMonth" => BedrockHostingCharge.ProvisionedThroughputOneMonthPerUnitHour,
            "SixMonths" => BedrockHostingCharge.ProvisionedThroughputSixMonthsPerUnitHour,
            _ => throw new ArgumentException($"commitment must be OneMonth, SixMonths or null; it was '{commitment}'.", nameof(commitment)),
        };
        var list = prices?.ToList();
        if (Find(modelId, charge, list) is not { } hourly)
        {
            return null;
        }

        var storage = Find(modelId, BedrockHostingCharge.StoragePerModelMonth, list)?.UsdAmount ?? 0m;
        return (hourly.UsdAmount * modelUnits * 730m) + storage;
    }
}

/// <summary>The kinds of hosting charge.</summary>
public enum BedrockHostingCharge
{
    /// <summary>Storage of one custom model for a month.</summary>
    StoragePerModelMonth,

    /// <summary>One model unit for one hour, no commitment.</summary>
    ProvisionedThroughputNoCommitmentPerUnitHour,

    /// <summary>One model unit for one hour, one-month commitment.</summary>
    ProvisionedThroughputOneMonthPerUnitHour,

    /// <summary>One model unit for one hour, six-month commitment.</summary>
    ProvisionedThroughputSixMonthsPerUnitHour,
}

/// <summary>One hosting price.</summary>
/// <param name="ModelPrefix">The model-id prefix it applies to; <c>*</c> for all.</param>
/// <param name="Charge">What is charged.</param>
/// <param name="UsdAmount">The amount in USD.</param>
/// <param name="AsOf">When the figure was read.</param>
/// <param name="Source">Where it comes from.</param>
/// <param name="IsVerified">Whether it was checked against AWS's own price list.</param>
public sealed record BedrockHostingPrice(string ModelPrefix, BedrockHostingCharge Charge, decimal UsdAmount, string AsOf, string Source, bool IsVerified);
