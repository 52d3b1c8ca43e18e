using Microsoft.Extensions.Time.Testing;
namespace FineTune.Sdk.Tests;

public sealed class EvalComparerTests
{
    [Fact]
    public void Compare_PairsByIdAndComputesHandCheckedFigures()
    {
        // 20 cases: base passes 0-9, candidate passes 2-13: b = 2 regressions (0,1), c = 4 improvements (10-13).
        var results = ComparisonFixtures.Build(20, i => (i < 10, i is >= 2 and < 14), i => [i < 5 ? "alpha" : "beta"]);
        results.Add(new EvalCaseResult("orphan", "base", "m-base") { Scores = [EvalScore.FromPass("exact", true)] });

        var report = EvalComparer.Compare(results);

        report.PairedCases.Should().Be(20);
        report.UnpairedCases.Should().Be(1);
        report.PrimaryScorer.Should().Be("exact");
        var exact = report.Scorers.Single();
        exact.BaselineMean.Should().Be(0.5);
        exact.CandidateMean.Should().Be(0.6);
        exact.LiftPoints.Should().BeApproximately(10, 1e-9);
        exact.Regressions.Should().Be(2);
        exact.Improvements.Should().Be(4);
        exact.McNemarP.Should().BeApproximately(0.6875, 1e-12); // 2·(C(6,0)+C(6,1)+C(6,2))/64 = 2·22/64
        exact.CiLowPoints.Should().BeLessThan(10);
        exact.CiHighPoints.Should().BeGreaterThan(10);
        report.Regressions.Select(r => r.CaseId).Should().Equal("case-000", "case-001");
        report.Improvements.Should().HaveCount(4);
        report.Buckets.Select(b => b.Bucket).Should().Equal("(all)", "alpha", "beta");
        report.Buckets[1].Figures.Cases.Should().Be(5);
        report.Buckets[1].Figures.Regressions.Should().Be(2);
        report.Buckets[1].Note.Should().Contain("Too small to tell: 5 cases");
        report.Baseline.LatencyP95Ms.Should().Be(100);
        report.Baseline.MeanInputTokens.Should().Be(10);
        report.Charts.BaselineScores.Sum().Should().Be(20);
        report.Charts.BaselineScores[9].Should().Be(10);
        report.Charts.BaselineScores[0].Should().Be(10);
    }

    [Fact]
    public void Compare_SameSeed_SameReport()
    {
        var results = ComparisonFixtures.Build(50, i => (i % 3 == 0, i % 2 == 0));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var a = ComparisonReportWriter.ToJson(EvalComparer.Compare(results, timeProvider: clock));
        var b = ComparisonReportWriter.ToJson(EvalComparer.Compare(results, timeProvider: clock));
        a.Should().Be(b);
    }

    [Fact]
    public void Compare_JudgeFailures_ExcludedAndCountedSeparately()
    {
        var results = ComparisonFixtures.Build(4, _ => (true, true), judge: _ => (0.5, 0.75));
        var broken = results.First(r => r.Variant == "candidate");
        results[results.IndexOf(broken)] = new EvalCaseResult(broken.CaseId, broken.Variant, broken.ModelId)
        {
            Scores = [EvalScore.FromPass("exact", true), new EvalScore("judge", null, false) { ScorerError = "Judge call failed: HttpRequestException" }],
            Latency = broken.Latency,
        };

        var judge = EvalComparer.Compare(results).Scorers.Single(s => s.Scorer == "judge");
        judge.Cases.Should().Be(3);
        judge.CandidateScorerFailures.Should().Be(1);
        judge.CandidateMean.Should().Be(0.75);
    }

    [Fact]
    public void Compare_FailedCandidateCall_IsRegressionWithError()
    {
        var results = ComparisonFixtures.Build(3, _ => (true, true));
        var cand = results.First(r => r.Variant == "candidate");
        results[results.IndexOf(cand)] = new EvalCaseResult(cand.CaseId, "candidate", "m-cand") { Error = "HttpRequestException: HTTP 500.", Scores = [new EvalScore("exact", 0, false)] };
        var report = EvalComparer.Compare(results);
        report.Regressions.Single().CandidateError.Should().Be("HttpRequestException: HTTP 500.");
        report.Candidate.Errors.Should().Be(1);
    }

    [Fact]
    public void Compare_InvalidOptions_NameFieldAndValue()
    {
        var options = new ComparisonOptions { CandidateLabel = "base" };
        var act = () => EvalComparer.Compare([], options);
        act.Should().Throw<ArgumentException>().WithMessage("*BaselineLabel and CandidateLabel must be non-empty and different; they were 'base' and 'base'*");
        var policy = new ComparisonOptions();
        policy.Policy.MaxRegressionRate = 2;
        ((Action)(() => EvalComparer.Compare([], policy))).Should().Throw<ArgumentException>().WithMessage("*Policy.MaxRegressionRate must be between 0 and 1; it was 2*");
    }

    [Fact]
    public void Compare_LabelScorerWithGoldenCases_SummarizesAccuracyAndMacroF1()
    {
        var cases = new[] { ("1", "a"), ("2", "b") }.Select(x => new GoldenCase(x.Item1, [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "q")], x.Item2)).ToList();
        var results = new List<EvalCaseResult>
        {
            new("1", "base", "m") { Output = "a", Scores = [EvalScore.FromPass("label", true)] },
            new("2", "base", "m") { Output = "a", Scores = [EvalScore.FromPass("label", false)] },
            new("1", "candidate", "n") { Output = "a", Scores = [EvalScore.FromPass("label", true)] },
            new("2", "candidate", "n") { Output = "b", Scores = [EvalScore.FromPass("label", true)] },
        };
        var report = EvalComparer.Compare(results, goldenCases: cases);
        report.Baseline.Labels!.Accuracy.Should().Be(0.5);
        report.Baseline.Labels.MacroF1.Should().BeApproximately((2.0 / 3 + 0) / 2, 1e-12); // a: P=1/2,R=1 → 2/3; b: 0
        report.Candidate.Labels!.MacroF1.Should().Be(1);
    }
}
