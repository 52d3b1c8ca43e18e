using System.Globalization;

namespace FineTune.Sdk;

/// <summary>Something in the registry that needs attention (not an error: the registry keeps serving).</summary>
/// <param name="Rule">The rule: <c>variant.stale</c>, <c>base.retired</c> or <c>base.retiring</c>.</param>
/// <param name="Feature">The feature.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Message">What was found and what to do.</param>
public sealed record RegistryFinding(string Rule, string Feature, string Variant, string Message);

/// <summary>Finds stale evaluations and retired base models in a registry document.</summary>
internal static class RegistryInspection
{
    public static IReadOnlyList<RegistryFinding> Inspect(RegistryDocument document, ModelRegistryOptions options, ModelRetirementSchedule? schedule, DateTimeOffset now)
    {
        var dates = new Dictionary<string, DateOnly>(StringComparer.OrdinalIgnoreCase);
        if (schedule is not null)
        {
            foreach (var (model, date) in schedule.Entries)
            {
                dates[model] = date;
            }
        }

        foreach (var (model, date) in options.RetirementDates)
        {
            dates[model] = date;
        }

        var merged = new ModelRetirementSchedule(dates);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var findings = new List<RegistryFinding>();
        foreach (var feature in document.Features)
        {
            foreach (var variant in feature.Variants)
            {
                if (variant.Status == RegistryVariantStatus.Retired)
                {
                    continue;
                }

                var isBase = string.Equals(variant.ModelId, variant.BaseModel, StringComparison.Ordinal);
                if (!isBase && (variant.LastEvaluatedAt is null || now - variant.LastEvaluatedAt.Value > options.StaleAfter))
                {
                    findings.Add(new("variant.stale", feature.Name, variant.Name, variant.LastEvaluatedAt is { } at
                        ? string.Create(CultureInfo.InvariantCulture, $"Last evaluated {at:yyyy-MM-dd}, {(now - at).TotalDays:0} days ago (limit {options.StaleAfter.TotalDays:0} days); re-run the comparison on the current golden set.")
                        : "Never evaluated; attach a comparison report."));
                }

                if ((merged.Entries.Count > 0 ? merged.GetRetirementDate(variant.BaseModel) ?? merged.GetRetirementDate(variant.ModelId) : null) is { } retires)
                {
                    if (retires <= today)
                    {
                        findings.Add(new("base.retired", feature.Name, variant.Name, string.Create(CultureInfo.InvariantCulture, $"Base model {variant.BaseModel} retired on {retires:yyyy-MM-dd}; the variant no longer answers. Re-train on a current base.")));
                    }
                    else if (retires.DayNumber - today.DayNumber <= 30)
                    {
                        findings.Add(new("base.retiring", feature.Name, variant.Name, string.Create(CultureInfo.InvariantCulture, $"Base model {variant.BaseModel} retires on {retires:yyyy-MM-dd}, in {retires.DayNumber - today.DayNumber} days.")));
                    }
                }
            }
        }

        return findings;
    }
}
