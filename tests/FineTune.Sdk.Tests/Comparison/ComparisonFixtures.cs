namespace FineTune.Sdk.Tests;

/// <summary>Builds paired results with chosen pass/fail patterns, latencies and tags.</summary>
internal static class ComparisonFixtures
{
    public static List<EvalCaseResult> Build(
        int n,
        Func<int, (bool Base, bool Cand)> exact,
        Func<int, string[]>? tags = null,
        double baseLatencyMs = 100,
        double candLatencyMs = 100,
        Func<int, (double Base, double Cand)>? judge = null,
        Func<int, (bool Base, bool Cand)>? jsonValid = null)
    {
        var results = new List<EvalCaseResult>();
        for (var i = 0; i < n; i++)
        {
            var (b, c) = exact(i);
            var caseTags = tags?.Invoke(i) ?? [];
            results.Add(Make(i, "base", "m-base", b, caseTags, baseLatencyMs, judge?.Invoke(i).Base, jsonValid?.Invoke(i).Base));
            results.Add(Make(i, "candidate", "m-cand", c, caseTags, candLatencyMs, judge?.Invoke(i).Cand, jsonValid?.Invoke(i).Cand));
        }

        return results;
    }

    private static EvalCaseResult Make(int i, string variant, string model, bool exact, string[] tags, double latency, double? judge, bool? json)
    {
        var scores = new List<EvalScore> { EvalScore.FromPass("exact", exact) };
        if (json is { } j)
        {
            scores.Add(EvalScore.FromPass("json-valid", j));
        }

        if (judge is { } v)
        {
            scores.Add(new EvalScore("judge", v, v >= 0.75));
        }

        return new EvalCaseResult("case-" + i.ToString("000", System.Globalization.CultureInfo.InvariantCulture), variant, model)
        {
            Tags = tags,
            Output = "out",
            Latency = TimeSpan.FromMilliseconds(latency),
            InputTokens = 10,
            OutputTokens = 4,
            Scores = scores,
        };
    }

    public static PolicyRuleResult Rule(this ComparisonReport report, string id) => report.Decision.Rules.Single(r => r.Rule == id);
}
