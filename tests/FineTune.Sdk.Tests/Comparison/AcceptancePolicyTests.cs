namespace FineTune.Sdk.Tests;

public sealed class AcceptancePolicyTests
{
    [Fact]
    public void Defaults_AreThoseOfTheIssue()
    {
        var policy = new AcceptancePolicy();
        policy.MinExactMatchLiftPoints.Should().Be(3);
        policy.JsonValidBaselineThreshold.Should().Be(0.95);
        policy.JsonValidCandidateTarget.Should().Be(0.98);
        policy.MinJudgeLift.Should().Be(0.05);
        policy.MinJudgeBucketDelta.Should().Be(-0.03);
        policy.LatencyP95PassRatio.Should().Be(1.10);
        policy.LatencyP95BlockRatio.Should().Be(1.25);
        policy.SafetyTagPrefix.Should().Be("safety");
        policy.MaxBucketDropPoints.Should().Be(5);
        policy.MaxRegressionRate.Should().Be(0.15);
        var options = new ComparisonOptions();
        options.MinBucketCases.Should().Be(30);
        options.BootstrapResamples.Should().Be(2000);
        options.ConfidenceLevel.Should().Be(0.95);
    }

    [Theory]
    [InlineData(52, false)] // +2 points
    [InlineData(53, true)]  // +3 points, the boundary passes
    [InlineData(60, true)]
    public void ExactMatchLift_NeedsThreePoints(int candidatePasses, bool passed)
    {
        // 100 cases, base passes 0-49, candidate passes 0-(candidatePasses-1): no regressions.
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, i < candidatePasses)));
        var rule = report.Rule("exact-match-lift");
        rule.Applicable.Should().BeTrue();
        rule.Passed.Should().Be(passed);
        rule.Blocking.Should().Be(!passed);
        report.Decision.Passed.Should().Be(passed);
    }

    [Theory]
    [InlineData(96, 95, false)] // below base, base ≥ 95%
    [InlineData(96, 96, true)]  // equal
    [InlineData(90, 98, true)]  // base < 95% and candidate ≥ 98%
    [InlineData(94, 93, false)] // base < 95% but candidate < 98% and below base
    [InlineData(90, 92, true)]  // above base
    public void JsonValidRate_NeverBelowBaseOrReachesTarget(int baseValid, int candValid, bool passed)
    {
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, _ => (true, true), jsonValid: i => (i < baseValid, i < candValid)));
        report.Rule("json-valid-rate").Passed.Should().Be(passed);
    }

    [Theory]
    [InlineData(0.55, true)]
    [InlineData(0.54, false)]
    public void JudgeMeanLift_NeedsFiveHundredths(double candidateJudge, bool passed)
    {
        var report = EvalComparer.Compare(ComparisonFixtures.Build(40, _ => (true, true), judge: _ => (0.5, candidateJudge)));
        report.Rule("judge-mean-lift").Passed.Should().Be(passed);
    }

    [Fact]
    public void JudgeBucketFloor_BucketDroppingMoreThanThreeHundredthsBlocks()
    {
        // Bucket "x" (cases 0-9): 0.5 → 0.46 (−0.04); bucket "y": 0.5 → 1.0.
        var report = EvalComparer.Compare(ComparisonFixtures.Build(20, _ => (true, true), i => [i < 10 ? "x" : "y"], judge: i => (0.5, i < 10 ? 0.46 : 1.0)));
        var rule = report.Rule("judge-bucket-floor");
        rule.Passed.Should().BeFalse();
        rule.Figure.Should().Contain("'x'").And.Contain("-0.040");
        report.Rule("judge-mean-lift").Passed.Should().BeTrue();

        var ok = EvalComparer.Compare(ComparisonFixtures.Build(20, _ => (true, true), i => [i < 10 ? "x" : "y"], judge: i => (0.5, i < 10 ? 0.48 : 1.0)));
        ok.Rule("judge-bucket-floor").Passed.Should().BeTrue();
    }

    [Theory]
    [InlineData(109, true, false, true)]   // within 10%
    [InlineData(120, false, false, true)]  // 10-25%: a warning that does not block
    [InlineData(130, false, true, false)]  // beyond 25% without an accuracy gain: blocks
    public void LatencyP95_WithinTenPercent_BlockBeyondTwentyFive(double candLatency, bool passed, bool blocking, bool decision)
    {
        // No accuracy gain (same passes); the exact-match rule is switched off so only latency decides.
        var options = new ComparisonOptions();
        options.Policy.DisabledRules.Add("exact-match-lift");
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, i < 50), baseLatencyMs: 100, candLatencyMs: candLatency), options);
        var rule = report.Rule("latency-p95");
        rule.Passed.Should().Be(passed);
        rule.Blocking.Should().Be(blocking);
        report.Decision.Passed.Should().Be(decision);
    }

    [Fact]
    public void LatencyP95_BeyondTwentyFiveWithAccuracyGain_DoesNotBlock()
    {
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, i < 60), baseLatencyMs: 100, candLatencyMs: 140));
        report.Rule("latency-p95").Should().Match<PolicyRuleResult>(r => !r.Passed && !r.Blocking);
        report.Decision.Passed.Should().BeTrue();
    }

    [Fact]
    public void SafetyBucket_AnyRegressionBlocks()
    {
        // One safety case regresses; overall the candidate is much better (+20 points).
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50 || i == 99, i < 70), i => [i >= 95 ? "safety-jailbreak" : "general"]));
        var rule = report.Rule("safety-no-regression");
        rule.Passed.Should().BeFalse();
        rule.Figure.Should().Be("1 regressed");
        report.Decision.Passed.Should().BeFalse();
        report.Buckets.Single(b => b.Bucket == "safety-jailbreak").IsSafety.Should().BeTrue();

        var noSafety = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, i < 60)));
        noSafety.Rule("safety-no-regression").Applicable.Should().BeFalse();
    }

    [Theory]
    [InlineData(1, true)]  // bucket of 20 loses 1 case = −5 points: allowed
    [InlineData(2, false)] // loses 2 cases = −10 points: blocks
    public void BucketDrop_MoreThanFivePointsBlocks(int lostInBucket, bool passed)
    {
        // Bucket "b" = cases 0-19, all passed by base; the candidate fails the first lostInBucket of them.
        // Elsewhere (20-99) base passes 20-59 and the candidate 20-79, so the overall lift is large.
        var report = EvalComparer.Compare(ComparisonFixtures.Build(
            100,
            i => (i < 60, i < 20 ? i >= lostInBucket : i < 80),
            i => [i < 20 ? "b" : "rest"]));
        var bucket = report.Buckets.Single(b => b.Bucket == "b").Figures;
        bucket.LiftPoints.Should().BeApproximately(passed ? -5 : -10, 1e-9);
        report.Rule("bucket-drop").Passed.Should().Be(passed);
        report.Decision.Passed.Should().Be(passed);
    }

    [Theory]
    [InlineData(14, true)]
    [InlineData(15, false)]
    public void RegressionRate_FewerThanFifteenPercent(int regressions, bool passed)
    {
        // Base passes 0-49; candidate fails 0..regressions-1 and passes 50..(50+regressions+9).
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, (i >= regressions && i < 50) || (i >= 50 && i < 60 + regressions))));
        report.Regressions.Should().HaveCount(regressions);
        report.Rule("regression-rate").Passed.Should().Be(passed);
        report.Rule("regression-rate").Figure.Should().Be($"{regressions} of 100 ({regressions}.0%)");
    }

    [Fact]
    public void DisabledRule_IsReportedAndDoesNotBlock()
    {
        var options = new ComparisonOptions();
        options.Policy.DisabledRules.Add("exact-match-lift");
        var report = EvalComparer.Compare(ComparisonFixtures.Build(100, i => (i < 50, i < 50)), options);
        report.Rule("exact-match-lift").Should().Match<PolicyRuleResult>(r => r.Figure == "disabled" && !r.Applicable && r.Passed);
        report.Decision.Passed.Should().BeTrue();
        report.Decision.Rules.Select(r => r.Rule).Should().Equal("exact-match-lift", "json-valid-rate", "judge-mean-lift", "judge-bucket-floor", "latency-p95", "safety-no-regression", "bucket-drop", "regression-rate");
    }
}
