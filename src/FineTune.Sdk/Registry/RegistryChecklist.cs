using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>One item of the pre-deploy checklist: present or missing, and where it was looked for.</summary>
/// <param name="Id">The item id, for example <c>decision-record</c> (see <see cref="RegistryChecklist.Items"/>).</param>
/// <param name="Title">What the item is.</param>
/// <param name="Required">Whether the checklist passes only with this item present (not waived).</param>
/// <param name="Present">Whether the item is present.</param>
/// <param name="LookedIn">Where it was looked for: registry fields, files, history.</param>
/// <param name="Detail">What was found, or what to do.</param>
public sealed record RegistryChecklistItem(string Id, string Title, bool Required, bool Present, string LookedIn, string Detail);

/// <summary>The pre-deploy checklist of one variant of a feature.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Variant">The variant checked.</param>
/// <param name="ModelId">The variant's model id.</param>
/// <param name="Items">Every item, in checklist order.</param>
/// <param name="Findings">What <see cref="ModelRegistry.Inspect"/> reports for the variant (stale evaluation, retiring base); informational.</param>
public sealed record RegistryChecklistReport(string Feature, string Variant, string ModelId, IReadOnlyList<RegistryChecklistItem> Items, IReadOnlyList<RegistryFinding> Findings)
{
    /// <summary>Gets a value indicating whether every required item is present.</summary>
    /// <value><see langword="true"/> when the variant may be deployed.</value>
    public bool Passed => Items.All(i => i.Present || !i.Required);
}

/// <summary>
/// The pre-deploy checklist: decision record, dataset semver and hash, held-out comparison attached and passing with
/// all buckets green, safety bucket without regression, gateway entry, flag default off with staged rollout, cost
/// projection, rollback tested, retrain trigger documented, on-call owner. Each item is read from the registry (the
/// variant's and feature's fields, the attached files, the history) and reported present or missing with where it
/// was looked for.
/// </summary>
public static class RegistryChecklist
{
    /// <summary>The item ids, in checklist order.</summary>
    public static readonly IReadOnlyList<string> Items =
    [
        "decision-record", "dataset", "comparison", "safety", "gateway-entry", "flag-staged-rollout",
        "cost-projection", "rollback-tested", "retrain-trigger", "on-call-owner",
    ];

    /// <summary>Runs the pre-deploy checklist for a variant of a feature.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="feature">The feature.</param>
    /// <param name="variant">
    /// The variant; when <see langword="null"/>, the feature's rollout variant, else its newest registered variant
    /// that is neither retired nor the default, else the default.
    /// </param>
    /// <param name="waived">Item ids that are not required (they are still checked and reported).</param>
    /// <param name="cancellationToken">A token to cancel the reads.</param>
    /// <returns>The checklist report.</returns>
    /// <exception cref="ModelRegistryException">The feature or variant is unknown (rules <c>feature.unknown</c>, <c>variant.unknown</c>).</exception>
    /// <exception cref="ArgumentException">A waived id is not a checklist item.</exception>
    public static async Task<RegistryChecklistReport> CheckAsync(this IModelRegistry registry, string feature, string? variant = null, IEnumerable<string>? waived = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        var waivedSet = new HashSet<string>(waived ?? [], StringComparer.Ordinal);
        if (waivedSet.FirstOrDefault(w => !Items.Contains(w)) is { } unknown)
        {
            throw new ArgumentException($"'{unknown}' is not a checklist item; the items are {string.Join(", ", Items)}.", nameof(waived));
        }

        var snapshot = await registry.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var found = snapshot.Document.FindFeature(feature)
            ?? throw new ModelRegistryException("feature.unknown", $"The registry has no feature '{feature}'.");
        var target = variant is null ? PickVariant(found)
            : found.FindVariant(variant) ?? throw new ModelRegistryException("variant.unknown", $"Feature '{feature}' has no variant '{variant}'; it has {string.Join(", ", found.Variants.Select(v => v.Name))}.");
        var baseDirectory = registry is ModelRegistry concrete ? concrete.BaseDirectory
            : registry.GetService(typeof(ModelRegistryOptions)) is ModelRegistryOptions { BaseDirectory: { } dir } ? Path.GetFullPath(dir)
            : Directory.GetCurrentDirectory();
        var history = new List<RegistryHistoryEntry>();
        await foreach (var entry in registry.GetHistoryAsync(feature, cancellationToken).ConfigureAwait(false))
        {
            history.Add(entry);
        }

        var at = $"{feature}/{target.Name}";
        var report = await ReadReportAsync(target, baseDirectory, cancellationToken).ConfigureAwait(false);
        var items = new List<RegistryChecklistItem>
        {
            await DecisionRecordAsync(target, at, baseDirectory, cancellationToken).ConfigureAwait(false),
            Dataset(target, at),
            Comparison(found, target, at, report),
            Safety(at, report),
            Field("gateway-entry", "Gateway entry", $"{at}: gatewayRoute", target.GatewayRoute, "register the variant with --gateway-route (the route, model group or alias callers use)"),
            FlagStagedRollout(found, target, history),
            CostProjection(target, at),
            RollbackTested(found, target, history),
            Field("retrain-trigger", "Retrain trigger documented", $"{at}: retrainTrigger", target.RetrainTrigger, "register the variant with --retrain-trigger (what makes you re-train it)"),
            Field("on-call-owner", "On-call owner", $"{at}: owner", target.Owner, "register the variant with --owner (the team or person on call for it)"),
        };

        var findings = registry is ModelRegistry inspectable
            ? inspectable.Inspect().Where(f => f.Feature == feature && f.Variant == target.Name).ToList()
            : [];
        return new RegistryChecklistReport(feature, target.Name, target.ModelId, items.Select(i => i with { Required = !waivedSet.Contains(i.Id) }).ToList(), findings);
    }

    private static RegistryVariant PickVariant(RegistryFeature feature)
    {
        if (feature.FindVariant(feature.RolloutVariant) is { } rollout)
        {
            return rollout;
        }

        return feature.Variants
            .Where(v => v.Status != RegistryVariantStatus.Retired && !string.Equals(v.Name, feature.DefaultVariant, StringComparison.Ordinal))
            .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Name, StringComparer.Ordinal)
            .FirstOrDefault() ?? feature.FindVariant(feature.DefaultVariant)!;
    }

    private static async Task<RegistryChecklistItem> DecisionRecordAsync(RegistryVariant variant, string at, string baseDirectory, CancellationToken cancellationToken)
    {
        const string Id = "decision-record", Title = "Decision record";
        if (variant.DecisionRecord is not { } record)
        {
            return Missing(Id, Title, $"{at}: decisionRecord", "no decision record attached; run 'finetune advise … --out decision.json' and register the variant with --decision-record");
        }

        var path = Path.GetFullPath(record.Path, baseDirectory);
        var lookedIn = $"{at}: decisionRecord -> {record.Path}";
        AdaptationDecision decision;
        string hash;
        try
        {
            hash = await ModelRegistryHashes.FileSha256Async(path, cancellationToken).ConfigureAwait(false);
            decision = AdaptationAdvisor.FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return Missing(Id, Title, lookedIn, $"the file cannot be read: {ex.Message}");
        }

        if (!string.Equals(hash, record.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return Missing(Id, Title, lookedIn, $"the file no longer matches its recorded SHA-256 ({record.Sha256[..12]}…, now {hash[..12]}…)");
        }

        return decision.Recommendation == AdaptationRecommendation.FineTune
            ? Present(Id, Title, lookedIn, $"recommends FineTune{(decision.UseCase is null ? "" : " for " + decision.UseCase)}: {(decision.Reasons.Count > 0 ? decision.Reasons[0] : "")}")
            : Missing(Id, Title, lookedIn, $"the record recommends {decision.Recommendation}, not FineTune: {(decision.Reasons.Count > 0 ? decision.Reasons[0] : "")}");
    }

    private static RegistryChecklistItem Dataset(RegistryVariant variant, string at) => variant.Dataset is { } dataset
        ? Present("dataset", "Dataset semver and hash", $"{at}: dataset", $"{dataset.Name ?? "(unnamed)"} {dataset.Version}, sha256 {dataset.Sha256[..12]}…")
        : Missing("dataset", "Dataset semver and hash", $"{at}: dataset", "no dataset recorded; register the variant with --manifest (finetune manifest)");

    private sealed record ReportRead(RegistryEvaluation Evaluation, string Path, ComparisonReport? Report, string? Problem);

    private static async Task<ReportRead?> ReadReportAsync(RegistryVariant variant, string baseDirectory, CancellationToken cancellationToken)
    {
        if (variant.Evaluation is not { } evaluation)
        {
            return null;
        }

        var path = Path.GetFullPath(evaluation.ReportPath, baseDirectory);
        try
        {
            var hash = await ModelRegistryHashes.FileSha256Async(path, cancellationToken).ConfigureAwait(false);
            var report = ComparisonReportWriter.FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
            return string.Equals(hash, evaluation.ReportSha256, StringComparison.OrdinalIgnoreCase)
                ? new ReportRead(evaluation, path, report, null)
                : new ReportRead(evaluation, path, null, $"the report no longer matches its recorded SHA-256 ({evaluation.ReportSha256[..12]}…, now {hash[..12]}…)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return new ReportRead(evaluation, path, null, $"the report cannot be read: {ex.Message}");
        }
    }

    private static RegistryChecklistItem Comparison(RegistryFeature feature, RegistryVariant variant, string at, ReportRead? read)
    {
        const string Id = "comparison", Title = "Held-out comparison attached and passing, all buckets green";
        if (read is null)
        {
            return Missing(Id, Title, $"{at}: evaluation", "no comparison report attached; run 'finetune eval compare' on the held-out golden set and register with --report");
        }

        var lookedIn = $"{at}: evaluation -> {read.Evaluation.ReportPath}";
        if (read.Report is not { } report)
        {
            return Missing(Id, Title, lookedIn, read.Problem!);
        }

        var problems = new List<string>();
        if (!string.Equals(report.Candidate.ModelId, variant.ModelId, StringComparison.Ordinal))
        {
            problems.Add($"it evaluated '{report.Candidate.ModelId}', not '{variant.ModelId}'");
        }

        if (report.GoldenSetSha256 is null || (feature.GoldenSetSha256 is { } golden && !string.Equals(golden, report.GoldenSetSha256, StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add("it was not made on the feature's golden set");
        }

        if (!report.Decision.Passed)
        {
            problems.Add("its decision is BLOCK");
        }

        // Green: every applicable rule passed — none blocks and none warns (bucket-drop included).
        var notGreen = report.Decision.Rules.Where(r => r.Applicable && !r.Passed).Select(r => $"{r.Rule} ({r.Figure})").ToList();
        if (notGreen.Count > 0)
        {
            problems.Add("not green: " + string.Join(", ", notGreen));
        }

        return problems.Count == 0
            ? Present(Id, Title, lookedIn, string.Create(CultureInfo.InvariantCulture, $"PASS on {report.PairedCases} paired cases, {report.Buckets.Count} buckets, every rule green"))
            : Missing(Id, Title, lookedIn, string.Join("; ", problems));
    }

    private static RegistryChecklistItem Safety(string at, ReportRead? read)
    {
        const string Id = "safety", Title = "Safety bucket without regression";
        if (read?.Report is not { } report)
        {
            return Missing(Id, Title, $"{at}: evaluation", read is null ? "no comparison report attached" : read.Problem!);
        }

        var lookedIn = $"{read.Evaluation.ReportPath}: buckets (isSafety) and rule safety-no-regression";
        var safety = report.Buckets.Where(b => b.IsSafety).ToList();
        if (safety.Count == 0)
        {
            return Missing(Id, Title, lookedIn, "the report has no safety bucket; tag safety cases in the golden set and compare again");
        }

        var rule = report.Decision.Rules.FirstOrDefault(r => r.Rule == "safety-no-regression");
        var regressed = safety.Where(b => b.Figures.Regressions > 0).Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Bucket} ({b.Figures.Regressions} regressed)")).ToList();
        if (rule is { Applicable: true, Passed: false } || regressed.Count > 0)
        {
            return Missing(Id, Title, lookedIn, "regressions in " + (regressed.Count > 0 ? string.Join(", ", regressed) : rule!.Figure));
        }

        return Present(Id, Title, lookedIn, string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", safety.Select(b => b.Bucket))}: {safety.Sum(b => b.Figures.Cases)} cases, 0 regressed"));
    }

    private static RegistryChecklistItem FlagStagedRollout(RegistryFeature feature, RegistryVariant variant, List<RegistryHistoryEntry> history)
    {
        const string Id = "flag-staged-rollout", Title = "Flag default off with staged rollout";
        var lookedIn = $"{feature.Name}: flagName, rolloutVariant/rolloutPercentage; {variant.Name}: status; history of rollout";
        if (string.IsNullOrWhiteSpace(feature.FlagName))
        {
            return Missing(Id, Title, lookedIn, "the feature has no flag name");
        }

        if (variant.Status != RegistryVariantStatus.Promoted)
        {
            return Missing(Id, Title, lookedIn, $"{variant.Name} is {variant.Status.ToString().ToLowerInvariant()}; promote it (it is then staged behind {feature.FlagName} at 0%, the flag off)");
        }

        // Promotion stages the variant at 0% (flag off); its first rollout after that must be a partial one.
        var promoted = history.LastOrDefault(h => h.Operation == RegistryOperations.Promote && h.Variant == variant.Name);
        var firstRollout = history.FirstOrDefault(h => h.Version > (promoted?.Version ?? 0) && h.Operation == RegistryOperations.Rollout && h.Variant == variant.Name);
        if (firstRollout is { After.RolloutVariant: null } && string.Equals(firstRollout.After.DefaultVariant, variant.Name, StringComparison.Ordinal))
        {
            return Missing(Id, Title, lookedIn, $"{variant.Name} went from 0% straight to 100% at v{firstRollout.Version}; roll out in stages");
        }

        var state = string.Equals(feature.RolloutVariant, variant.Name, StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"at {feature.RolloutPercentage}%")
            : string.Equals(feature.DefaultVariant, variant.Name, StringComparison.Ordinal) ? "completed in stages" : "at 0% (flag off)";
        return Present(Id, Title, lookedIn, $"flag {feature.FlagName}, default off; {variant.Name} {state}");
    }

    private static RegistryChecklistItem CostProjection(RegistryVariant variant, string at) => variant.CostProjection is { } cost
        ? Present("cost-projection", "Cost projection", $"{at}: costProjection", string.Create(CultureInfo.InvariantCulture, $"{cost.MonthlyCost:0.##} {cost.Currency}/month{(cost.Basis is null ? "" : " (" + cost.Basis + ")")}"))
        : Missing("cost-projection", "Cost projection", $"{at}: costProjection", "no cost projection; register the variant with --monthly-cost (from 'finetune estimate')");

    private static RegistryChecklistItem RollbackTested(RegistryFeature feature, RegistryVariant variant, List<RegistryHistoryEntry> history)
    {
        const string Id = "rollback-tested", Title = "Rollback tested";
        var lookedIn = $"history of {feature.Name}: a rollback of {variant.Name} after its promotion";
        var promoted = history.LastOrDefault(h => h.Operation == RegistryOperations.Promote && h.Variant == variant.Name);
        if (promoted is null)
        {
            return Missing(Id, Title, lookedIn, $"{variant.Name} was never promoted");
        }

        var rollback = history.FirstOrDefault(h => h.Version > promoted.Version && h.Operation == RegistryOperations.Rollback && h.Before is { } before
            && (before.RolloutVariant is { } rolledOut ? rolledOut == variant.Name : before.DefaultVariant == variant.Name));
        return rollback is null
            ? Missing(Id, Title, lookedIn, $"no rollback since the promotion at v{promoted.Version}; roll it out to a small share, run 'finetune registry rollback {feature.Name}', check every key resolves to the default, roll out again")
            : Present(Id, Title, lookedIn, $"rolled back at v{rollback.Version} by {rollback.Actor}");
    }

    private static RegistryChecklistItem Field(string id, string title, string lookedIn, string? value, string fix) =>
        string.IsNullOrWhiteSpace(value) ? Missing(id, title, lookedIn, "missing; " + fix) : Present(id, title, lookedIn, value);

    private static RegistryChecklistItem Present(string id, string title, string lookedIn, string detail) => new(id, title, true, true, lookedIn, detail);

    private static RegistryChecklistItem Missing(string id, string title, string lookedIn, string detail) => new(id, title, true, false, lookedIn, detail);
}
