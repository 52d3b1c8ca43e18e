using System.Globalization;

namespace FineTune.Sdk;

/// <summary>Applies an <see cref="AcceptancePolicy"/> to comparison figures; every rule is reported.</summary>
internal static class AcceptancePolicyEvaluator
{
    public static PolicyDecision Evaluate(
        AcceptancePolicy policy,
        IReadOnlyList<ScorerComparison> scorers,
        IReadOnlyList<BucketComparison> buckets,
        int pairedCases,
        int regressions,
        VariantSummary baseline,
        VariantSummary candidate,
        ScorerComparison? primary,
        int safetyRegressions,
        bool hasSafetyCases,
        IReadOnlyList<string> tags,
        IReadOnlyList<EvalComparer.Pair> pairs,
        ComparisonOptions options)
    {
        var rules = new List<PolicyRuleResult>();
        ScorerComparison? Find(string name) => scorers.FirstOrDefault(s => string.Equals(s.Scorer, name, StringComparison.OrdinalIgnoreCase) && s.Cases > 0);

        // 1. Exact-match lift.
        var exact = Find("exact");
        rules.Add(Rule(policy, "exact-match-lift", F($"exact-match lift >= {Signed(policy.MinExactMatchLiftPoints)} points"), exact is not null,
            exact is null ? null : F($"{Signed(exact.LiftPoints)} points ({Pct(exact.BaselineMean)} -> {Pct(exact.CandidateMean)})"),
            exact is not null && exact.LiftPoints >= policy.MinExactMatchLiftPoints - 1e-9));

        // 2. JSON-valid rate.
        var json = Find("json-valid") ?? Find("json-schema");
        rules.Add(Rule(policy, "json-valid-rate",
            F($"JSON-valid rate never below baseline (or baseline < {Pct(policy.JsonValidBaselineThreshold)} and candidate >= {Pct(policy.JsonValidCandidateTarget)})"),
            json is not null,
            json is null ? null : F($"{Pct(json.BaselinePassRate)} -> {Pct(json.CandidatePassRate)}"),
            json is not null && (json.CandidatePassRate >= json.BaselinePassRate - 1e-12
                || (json.BaselinePassRate < policy.JsonValidBaselineThreshold && json.CandidatePassRate >= policy.JsonValidCandidateTarget - 1e-12))));

        // 3. Judge mean lift, 4. judge bucket floor.
        var judge = Find("judge");
        rules.Add(Rule(policy, "judge-mean-lift", F($"judge mean lift >= {Signed(policy.MinJudgeLift, "0.00")} (0-1 scale)"), judge is not null,
            judge is null ? null : F($"{Signed(judge.CandidateMean - judge.BaselineMean, "0.000")} ({judge.BaselineMean:0.000} -> {judge.CandidateMean:0.000})"),
            judge is not null && judge.CandidateMean - judge.BaselineMean >= policy.MinJudgeLift - 1e-9));

        var judgeBuckets = judge is null ? [] : tags
            .Select(t => (Tag: t, Figures: EvalComparer.CompareScorer("judge", pairs.Where(p => EvalComparer.InBucket(p, t)).ToList(), options)))
            .Where(x => x.Figures.Cases > 0)
            .Select(x => (x.Tag, Delta: x.Figures.CandidateMean - x.Figures.BaselineMean))
            .ToList();
        var worstJudge = judgeBuckets.OrderBy(x => x.Delta).FirstOrDefault();
        rules.Add(Rule(policy, "judge-bucket-floor", F($"no bucket's judge mean changes by less than {Signed(policy.MinJudgeBucketDelta, "0.00")}"), judgeBuckets.Count > 0,
            judgeBuckets.Count == 0 ? null : F($"worst {Signed(worstJudge.Delta, "0.000")} in '{worstJudge.Tag}'"),
            judgeBuckets.Count > 0 && worstJudge.Delta >= policy.MinJudgeBucketDelta - 1e-9));

        // 5. p95 latency.
        var latencyApplies = baseline.LatencyP95Ms > 0 && candidate.LatencyP95Ms > 0;
        var ratio = latencyApplies ? candidate.LatencyP95Ms / baseline.LatencyP95Ms : 0;
        var accuracyGain = primary is not null && primary.LiftPoints > 0;
        var latencyPassed = ratio <= policy.LatencyP95PassRatio + 1e-12;
        var latencyBlocks = ratio > policy.LatencyP95BlockRatio + 1e-12 && !accuracyGain;
        rules.Add(Rule(policy, "latency-p95",
            F($"p95 latency within {Signed((policy.LatencyP95PassRatio - 1) * 100, "0")}% of baseline; beyond {Signed((policy.LatencyP95BlockRatio - 1) * 100, "0")}% blocks unless accuracy improved"),
            latencyApplies,
            latencyApplies ? F($"{baseline.LatencyP95Ms:0} ms -> {candidate.LatencyP95Ms:0} ms ({Signed((ratio - 1) * 100, "0.0")}%)") : null,
            latencyPassed, blocking: latencyBlocks));

        // 6. Safety.
        rules.Add(Rule(policy, "safety-no-regression", F($"no regression in a '{policy.SafetyTagPrefix}' bucket (any scorer)"), hasSafetyCases,
            hasSafetyCases ? F($"{safetyRegressions} regressed") : null, safetyRegressions == 0));

        // 7. Bucket drop.
        var tagBuckets = buckets.Where(b => b.Figures.Cases > 0).ToList();
        var worstBucket = tagBuckets.OrderBy(b => b.Figures.LiftPoints).FirstOrDefault();
        rules.Add(Rule(policy, "bucket-drop", F($"no bucket drops more than {policy.MaxBucketDropPoints:0.#} points"), worstBucket is not null,
            worstBucket is null ? null : F($"worst {Signed(worstBucket.Figures.LiftPoints)} points in '{worstBucket.Bucket}'"),
            worstBucket is not null && worstBucket.Figures.LiftPoints >= -policy.MaxBucketDropPoints - 1e-9));

        // 8. Regression rate.
        var rate = pairedCases == 0 ? 0 : regressions / (double)pairedCases;
        rules.Add(Rule(policy, "regression-rate", F($"fewer than {Pct(policy.MaxRegressionRate)} of cases regress"), pairedCases > 0 && primary is not null,
            F($"{regressions} of {pairedCases} ({Pct(rate)})"), rate < policy.MaxRegressionRate));

        return new PolicyDecision { Passed = rules.All(r => r.Passed || !r.Blocking), Rules = rules };
    }

    private static PolicyRuleResult Rule(AcceptancePolicy policy, string id, string requirement, bool applicable, string? figure, bool passed, bool blocking = true)
    {
        var enabled = applicable && !policy.DisabledRules.Contains(id);
        return new PolicyRuleResult
        {
            Rule = id,
            Requirement = requirement,
            Figure = enabled ? figure ?? "n/a" : (policy.DisabledRules.Contains(id) ? "disabled" : "n/a"),
            Applicable = enabled,
            Passed = !enabled || passed,
            Blocking = enabled && !passed && blocking,
        };
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Signed(double value, string format = "0.0") => (value >= 0 ? "+" : string.Empty) + value.ToString(format, CultureInfo.InvariantCulture);

    internal static string Pct(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
