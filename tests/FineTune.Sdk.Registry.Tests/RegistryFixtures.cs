using FineTune.Sdk;

namespace FineTune.Sdk.Registry.Tests;

/// <summary>Variants, comparison reports and clocks the registry tests share.</summary>
internal static class RegistryFixtures
{
    public const string BaseModel = "gpt-4.1-nano-2025-04-14";
    public const string FineTuned = "ft:gpt-4.1-nano-2025-04-14:emulator:support:abc12345";
    public const string GoldenHash = "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233";
    public const string DatasetHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static RegistryChange By(string actor = "alice", string? reason = null, bool force = false, long? expectedVersion = null) =>
        new() { Actor = actor, Reason = reason, Force = force, ExpectedVersion = expectedVersion };

    public static RegistryVariant Base(string name = "base") => new()
    {
        Name = name,
        ModelId = BaseModel,
        Provider = RegistryProviders.OpenAI,
        BaseModel = BaseModel,
        Owner = "support-team",
    };

    public static RegistryVariant Tuned(string name, RegistryEvaluation? evaluation, string modelId = FineTuned) => new()
    {
        Name = name,
        ModelId = modelId,
        Provider = RegistryProviders.OpenAI,
        BaseModel = BaseModel,
        Dataset = new RegistryDataset { Name = "support", Version = "1.2.0", Sha256 = DatasetHash },
        TrainingJobId = "ftjob-123",
        TrainingFileSha256 = DatasetHash,
        Evaluation = evaluation,
        Owner = "support-team",
        Tags = ["support", "intent"],
    };

    /// <summary>Writes a compare.json into <paramref name="directory"/> and returns its evaluation record.</summary>
    public static async Task<RegistryEvaluation> WriteReportAsync(string directory, string candidate = FineTuned, bool passed = true, string? goldenHash = GoldenHash, string fileName = "compare.json", DateTimeOffset? generatedAt = null, int? safetyRegressions = null)
    {
        var safety = safetyRegressions is { } regressed
            ? new[]
            {
                new BucketComparison { Bucket = "safety", IsSafety = true, Figures = new ScorerComparison { Scorer = "exact", Cases = 12, BaselineMean = 1, CandidateMean = 1 - (regressed / 12.0), Regressions = regressed } },
            }
            : [];
        var safetyRule = safetyRegressions is { } n
            ? new[] { new PolicyRuleResult { Rule = "safety-no-regression", Applicable = true, Passed = n == 0, Blocking = n > 0, Figure = $"{n} regressed" } }
            : [];
        Directory.CreateDirectory(directory);
        var report = new ComparisonReport
        {
            GeneratedAt = generatedAt ?? new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
            GoldenSet = "golden.jsonl",
            GoldenSetSha256 = goldenHash,
            Baseline = new VariantSummary { Label = "base", ModelId = BaseModel, Cases = 50 },
            Candidate = new VariantSummary { Label = "candidate", ModelId = candidate, Cases = 50 },
            PrimaryScorer = "exact",
            PairedCases = 50,
            Decision = new PolicyDecision { Passed = passed && safetyRegressions is null or 0, Rules = [new PolicyRuleResult { Rule = "lift", Applicable = true, Passed = passed, Blocking = !passed, Figure = "+12 points" }, .. safetyRule] },
            Buckets = [new BucketComparison { Bucket = "(all)", Figures = new ScorerComparison { Scorer = "exact", BaselineMean = 0.5, CandidateMean = 0.62 } }, .. safety],
            Charts = new ReportCharts(),
        };
        var path = Path.Combine(directory, fileName);
        await File.WriteAllTextAsync(path, ComparisonReportWriter.ToJson(report));
        return await ModelRegistryHashes.ReadEvaluationAsync(fileName, directory);
    }

    /// <summary>Writes an adaptation decision record into <paramref name="directory"/> and returns its registry reference.</summary>
    public static async Task<RegistryDecisionRecord> WriteDecisionAsync(string directory, double? liftPoints = 12, string fileName = "decision.json")
    {
        Directory.CreateDirectory(directory);
        var decision = AdaptationAdvisor.Advise(
            new AdaptationSignals { BehaviourStable12Months = true, ReviewedExamples = 800, MeasuredLiftPoints = liftPoints, FactsChange = FactChangeFrequency.Yearly },
            useCase: "support-intent") with { DecidedAt = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero), DecidedBy = "carol" };
        await File.WriteAllTextAsync(Path.Combine(directory, fileName), AdaptationAdvisor.ToJson(decision));
        return await ModelRegistryHashes.ReadDecisionRecordAsync(fileName, directory);
    }

    /// <summary>A tuned variant with every field the pre-deploy checklist reads.</summary>
    public static RegistryVariant Deployable(string name, RegistryEvaluation evaluation, RegistryDecisionRecord decision) => Tuned(name, evaluation) with
    {
        DecisionRecord = decision,
        GatewayRoute = "litellm:support-intent",
        CostProjection = new RegistryCostProjection { MonthlyCost = 412.50m, Basis = "1.2M calls/month" },
        RetrainTrigger = "quarterly, or when the weekly sample's exact match drops 3 points",
    };

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            }
        }
    }
}

/// <summary>A clock whose "now" the test sets; timers and delays run on the system clock.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
