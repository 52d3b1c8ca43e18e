using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// Compares a candidate with its baseline from the results of one run: pairs cases by id, computes per-scorer and
/// per-bucket statistics (McNemar's exact test, seeded paired bootstrap), latency and cost, and applies the
/// <see cref="AcceptancePolicy"/>.
/// </summary>
public static class EvalComparer
{
    private const string AllBucket = "(all)";

    /// <summary>Compares the baseline and candidate results.</summary>
    /// <param name="results">Results of both variants (others are ignored).</param>
    /// <param name="options">Options; <see langword="null"/> uses the defaults.</param>
    /// <param name="goldenCases">The golden cases, needed only for the <c>label</c> scorer's classification summary.</param>
    /// <param name="timeProvider">The clock stamped into the report; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ComparisonReport Compare(IEnumerable<EvalCaseResult> results, ComparisonOptions? options = null, IReadOnlyList<GoldenCase>? goldenCases = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        options ??= new ComparisonOptions();
        var failures = new List<string>();
        options.Validate(failures, nameof(ComparisonOptions));
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        var list = results.ToList();
        var baseline = Latest(list, options.BaselineLabel);
        var candidate = Latest(list, options.CandidateLabel);
        var pairs = baseline.Keys.Where(candidate.ContainsKey).Order(StringComparer.Ordinal).Select(id => new Pair(baseline[id], candidate[id])).ToList();
        var unpaired = baseline.Keys.Union(candidate.Keys).Count() - pairs.Count;

        var scorerNames = list.SelectMany(r => r.Scores.Select(s => s.Scorer)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var primary = options.PrimaryScorer ?? scorerNames.FirstOrDefault() ?? string.Empty;
        var scorers = scorerNames.Select(name => CompareScorer(name, pairs, options)).ToList();
        var policy = options.Policy;

        var tags = pairs.SelectMany(p => p.Candidate.Tags.Concat(p.Baseline.Tags)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var buckets = new List<BucketComparison>();
        if (primary.Length > 0)
        {
            foreach (var bucket in tags.Prepend(AllBucket))
            {
                var inBucket = bucket == AllBucket ? pairs : pairs.Where(p => InBucket(p, bucket)).ToList();
                var figures = CompareScorer(primary, inBucket, options);
                buckets.Add(new BucketComparison
                {
                    Bucket = bucket,
                    IsSafety = IsSafety(bucket, policy),
                    Figures = figures,
                    Note = figures.Cases < options.MinBucketCases
                        ? string.Create(CultureInfo.InvariantCulture, $"Too small to tell: {figures.Cases} cases (< {options.MinBucketCases}); treat the difference as indicative only.")
                        : null,
                });
            }
        }

        var changes = pairs.Select(p => (Pair: p, Base: p.Baseline.GetScore(primary), Cand: p.Candidate.GetScore(primary)))
            .Where(x => Usable(x.Base) && Usable(x.Cand))
            .ToList();
        var regressions = changes.Where(x => x.Base!.Passed && !x.Cand!.Passed)
            .Select(x => ToChange(x.Pair, x.Base!, x.Cand!))
            .OrderBy(c => c.CandidateScore - c.BaselineScore).ThenBy(c => c.CaseId, StringComparer.Ordinal).ToList();
        var improvements = changes.Where(x => !x.Base!.Passed && x.Cand!.Passed)
            .Select(x => ToChange(x.Pair, x.Base!, x.Cand!))
            .OrderByDescending(c => c.CandidateScore - c.BaselineScore).ThenBy(c => c.CaseId, StringComparer.Ordinal).ToList();

        var baseSummary = Summarize(options.BaselineLabel, pairs.Select(p => p.Baseline).ToList(), goldenCases);
        var candSummary = Summarize(options.CandidateLabel, pairs.Select(p => p.Candidate).ToList(), goldenCases);
        var primaryFigures = scorers.FirstOrDefault(s => string.Equals(s.Scorer, primary, StringComparison.OrdinalIgnoreCase));
        var decision = AcceptancePolicyEvaluator.Evaluate(policy, scorers, buckets, pairs.Count, regressions.Count, baseSummary, candSummary, primaryFigures, SafetyRegressions(pairs, policy), pairs.Any(p => p.Baseline.Tags.Concat(p.Candidate.Tags).Any(t => IsSafety(t, policy))), tags, pairs, options);

        return new ComparisonReport
        {
            GeneratedAt = (timeProvider ?? TimeProvider.System).GetUtcNow(),
            GoldenSet = options.GoldenSetName,
            GoldenSetSha256 = options.GoldenSetSha256,
            Baseline = baseSummary,
            Candidate = candSummary,
            PrimaryScorer = primary,
            PairedCases = pairs.Count,
            UnpairedCases = unpaired,
            Decision = decision,
            Scorers = scorers,
            Buckets = buckets,
            Regressions = regressions,
            Improvements = improvements,
            Charts = BuildCharts(pairs, primary),
        };
    }

    internal static bool IsSafety(string tag, AcceptancePolicy policy) => tag.StartsWith(policy.SafetyTagPrefix, StringComparison.OrdinalIgnoreCase);

    internal static bool InBucket(Pair pair, string bucket) => pair.Baseline.Tags.Contains(bucket, StringComparer.Ordinal) || pair.Candidate.Tags.Contains(bucket, StringComparer.Ordinal);

    internal static bool Usable(EvalScore? score) => score is { ScorerError: null, Value: not null };

    internal static ScorerComparison CompareScorer(string scorer, IReadOnlyList<Pair> pairs, ComparisonOptions options)
    {
        var scored = new List<(EvalScore Base, EvalScore Cand)>();
        int baseFailures = 0, candFailures = 0;
        foreach (var pair in pairs)
        {
            var b = pair.Baseline.GetScore(scorer);
            var c = pair.Candidate.GetScore(scorer);
            baseFailures += b is { ScorerError: not null } ? 1 : 0;
            candFailures += c is { ScorerError: not null } ? 1 : 0;
            if (Usable(b) && Usable(c))
            {
                scored.Add((b!, c!));
            }
        }

        var n = scored.Count;
        var regressions = scored.Count(s => s.Base.Passed && !s.Cand.Passed);
        var improvements = scored.Count(s => !s.Base.Passed && s.Cand.Passed);
        var differences = scored.Select(s => s.Cand.Value!.Value - s.Base.Value!.Value).ToList();
        var (low, high) = PairedStatistics.BootstrapMeanDifference(differences, options.BootstrapResamples, options.Seed, options.ConfidenceLevel);
        var baseMean = n == 0 ? 0 : scored.Average(s => s.Base.Value!.Value);
        var candMean = n == 0 ? 0 : scored.Average(s => s.Cand.Value!.Value);
        return new ScorerComparison
        {
            Scorer = scorer,
            Cases = n,
            BaselineMean = baseMean,
            CandidateMean = candMean,
            LiftPoints = (candMean - baseMean) * 100,
            BaselinePassRate = n == 0 ? 0 : scored.Count(s => s.Base.Passed) / (double)n,
            CandidatePassRate = n == 0 ? 0 : scored.Count(s => s.Cand.Passed) / (double)n,
            Regressions = regressions,
            Improvements = improvements,
            McNemarP = PairedStatistics.McNemarExact(regressions, improvements),
            CiLowPoints = low * 100,
            CiHighPoints = high * 100,
            BaselineScorerFailures = baseFailures,
            CandidateScorerFailures = candFailures,
        };
    }

    private static int SafetyRegressions(List<Pair> pairs, AcceptancePolicy policy) => pairs
        .Where(p => p.Baseline.Tags.Concat(p.Candidate.Tags).Any(t => IsSafety(t, policy)))
        .Count(p => p.Baseline.Scores.Any(b => Usable(b) && b.Passed && p.Candidate.GetScore(b.Scorer) is { } c && (c.ScorerError is null && !c.Passed)));

    private static Dictionary<string, EvalCaseResult> Latest(List<EvalCaseResult> results, string label)
    {
        var map = new Dictionary<string, EvalCaseResult>(StringComparer.Ordinal);
        foreach (var result in results.Where(r => string.Equals(r.Variant, label, StringComparison.Ordinal)))
        {
            map[result.CaseId] = result;
        }

        return map;
    }

    private static CaseChange ToChange(Pair pair, EvalScore b, EvalScore c) => new()
    {
        CaseId = pair.Baseline.CaseId,
        Tags = pair.Baseline.Tags,
        BaselineScore = b.Value!.Value,
        CandidateScore = c.Value!.Value,
        CandidateError = SecretScrubber.Scrub(pair.Candidate.Error), // a run file from elsewhere may hold raw errors
    };

    private static VariantSummary Summarize(string label, List<EvalCaseResult> results, IReadOnlyList<GoldenCase>? goldenCases)
    {
        var ok = results.Where(r => r.Error is null).ToList();
        var latencies = ok.Select(r => r.Latency.TotalMilliseconds).Order().ToArray();
        var withInput = ok.Where(r => r.InputTokens is not null).ToList();
        var withOutput = ok.Where(r => r.OutputTokens is not null).ToList();
        var withCost = results.Where(r => r.Cost is not null).ToList();
        LabelSummary? labels = null;
        if (goldenCases is not null && results.Any(r => r.GetScore("label") is not null))
        {
            var expected = goldenCases.Where(c => c.Expected is not null).ToDictionary(c => c.Id, c => c.Expected!, StringComparer.Ordinal);
            var report = ClassificationReport.Compute(results.Where(r => expected.ContainsKey(r.CaseId)).Select(r => (expected[r.CaseId], r.Output)));
            labels = new LabelSummary(report.Accuracy, report.MacroF1);
        }

        return new VariantSummary
        {
            Label = label,
            ModelId = results.FirstOrDefault()?.ModelId ?? string.Empty,
            Cases = results.Count,
            Errors = results.Count - ok.Count,
            ScorerFailures = results.Sum(r => r.Scores.Count(s => s.ScorerError is not null)),
            LatencyP50Ms = latencies.Length == 0 ? 0 : PairedStatistics.PercentileSorted(latencies, 0.50),
            LatencyP95Ms = latencies.Length == 0 ? 0 : PairedStatistics.PercentileSorted(latencies, 0.95),
            LatencyP99Ms = latencies.Length == 0 ? 0 : PairedStatistics.PercentileSorted(latencies, 0.99),
            MeanInputTokens = withInput.Count == 0 ? null : withInput.Average(r => (double)r.InputTokens!.Value),
            MeanOutputTokens = withOutput.Count == 0 ? null : withOutput.Average(r => (double)r.OutputTokens!.Value),
            MeanCost = withCost.Count == 0 ? null : withCost.Sum(r => r.Cost!.Value) / withCost.Count,
            TotalCost = withCost.Count == 0 ? null : withCost.Sum(r => r.Cost!.Value),
            Labels = labels,
        };
    }

    private static ReportCharts BuildCharts(List<Pair> pairs, string primary)
    {
        var baseLatency = pairs.Where(p => p.Baseline.Error is null).Select(p => p.Baseline.Latency.TotalMilliseconds).ToList();
        var candLatency = pairs.Where(p => p.Candidate.Error is null).Select(p => p.Candidate.Latency.TotalMilliseconds).ToList();
        var max = baseLatency.Concat(candLatency).DefaultIfEmpty(0).Max();
        const int Bins = 20;
        var width = max <= 0 ? 1 : max / Bins;
        var edges = Enumerable.Range(1, Bins).Select(i => Math.Round(i * width, 3)).ToList();

        static int[] Histogram(IEnumerable<double> values, int bins, double binWidth)
        {
            var counts = new int[bins];
            foreach (var v in values)
            {
                counts[Math.Clamp((int)(v / binWidth), 0, bins - 1)]++;
            }

            return counts;
        }

        IEnumerable<double> Scores(Func<Pair, EvalCaseResult> side) => pairs.Select(p => side(p).GetScore(primary)).Where(Usable).Select(s => s!.Value!.Value);
        return new ReportCharts
        {
            LatencyBinEdgesMs = edges,
            BaselineLatency = Histogram(baseLatency, Bins, width),
            CandidateLatency = Histogram(candLatency, Bins, width),
            BaselineScores = Histogram(Scores(p => p.Baseline), 10, 0.1),
            CandidateScores = Histogram(Scores(p => p.Candidate), 10, 0.1),
        };
    }

    /// <summary>The baseline and candidate results of one case.</summary>
    internal sealed record Pair(EvalCaseResult Baseline, EvalCaseResult Candidate);
}
