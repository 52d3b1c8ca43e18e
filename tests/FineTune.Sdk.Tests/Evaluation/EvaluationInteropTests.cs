using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace FineTune.Sdk.Tests;

public sealed class EvaluationInteropTests
{
    private static GoldenCase Case(string id, string expected) => new(id, [new ChatMessage(ChatRole.User, "question " + id)], expected);

    [Fact]
    public async Task AsEvalScorer_EvaluatorMetricsLandInTheComparisonLikeOurs()
    {
        var evaluator = new LengthEvaluator();
        var options = new EvalRunOptions();
        options.Scorers.Add(EvalScorers.ExactMatch());
        options.Scorers.Add(evaluator.AsEvalScorer(new EvaluatorScorerOptions { MetricName = "Matches", ScorerName = "matches" }));
        GoldenCase[] cases = [Case("c1", "yes"), Case("c2", "no"), Case("c3", "maybe")];
        var baseline = FakeChatClient.Answering(_ => "wrong");
        var candidate = new FakeChatClient { OnGetResponse = (m, _, _) => Task.FromResult(FakeChatClient.Response(m[^1].Text switch { "question c1" => "yes", "question c2" => "no", _ => "maybe" })) };

        var results = new List<EvalCaseResult>();
        await foreach (var result in new EvalRunner().RunAsync(cases, [new ModelVariant("base", "b", baseline), new ModelVariant("candidate", "c", candidate)], options))
        {
            results.Add(result);
        }

        var report = EvalComparer.Compare(results, new ComparisonOptions { PrimaryScorer = "matches" }, cases);

        results.Where(r => r.Variant == "candidate").Should().OnlyContain(r => r.GetScore("matches")!.Passed && r.GetScore("matches")!.Value == 1);
        results.Where(r => r.Variant == "base").Should().OnlyContain(r => !r.GetScore("matches")!.Passed && r.GetScore("matches")!.Details!["Length"] == 5);
        report.PairedCases.Should().Be(3);
        evaluator.SawExpected.Should().BeEquivalentTo(["yes", "yes", "no", "no", "maybe", "maybe"], "each case is scored once per variant, with its expected answer");
    }

    [Fact]
    public async Task AsEvalScorer_NumericMetric_IsScaledAndPassesOnTheInterpretationWhenThereIsOne()
    {
        var numeric = new FixedEvaluator(new NumericMetric("Relevance", 4, "on topic"));
        var interpreted = new FixedEvaluator(new NumericMetric("Relevance", 5) { Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Poor, failed: true, "judged poor") });

        var plain = await numeric.AsEvalScorer().ScoreAsync(Case("c", "x"), "out");
        var failed = await interpreted.AsEvalScorer().ScoreAsync(Case("c", "x"), "out");

        (plain.Scorer, plain.Value, plain.Passed, plain.Reason).Should().Be(("relevance", 0.75, true, "on topic"));
        (failed.Value, failed.Passed, failed.Reason).Should().Be((1.0, false, "judged poor"));
    }

    [Fact]
    public async Task AsEvalScorer_ErrorDiagnosticOrThrowingEvaluator_IsAScorerErrorNotAModelFailure()
    {
        var withError = new NumericMetric("Relevance", null);
        withError.AddDiagnostics(EvaluationDiagnostic.Error("judge unreachable\nstack"));
        var diagnosed = await new FixedEvaluator(withError).AsEvalScorer().ScoreAsync(Case("c", "x"), "out");
        var thrown = await new FixedEvaluator(null).AsEvalScorer().ScoreAsync(Case("c", "x"), "out");

        diagnosed.ScorerError.Should().Be("Evaluator error: judge unreachable");
        diagnosed.Value.Should().BeNull();
        thrown.ScorerError.Should().StartWith("Evaluator failed: InvalidOperationException: evaluator broke");
    }

    [Fact]
    public void AsEvalScorer_SeveralMetricsWithoutAChoice_ThrowsNamingThem()
    {
        var act = () => new LengthEvaluator().AsEvalScorer();

        act.Should().Throw<ArgumentException>().WithMessage("*2 metrics (Matches, Length)*MetricName*");
        ((Action)(() => new LengthEvaluator().AsEvalScorer(new EvaluatorScorerOptions { MetricName = "Nope" }))).Should().Throw<ArgumentException>().WithMessage("*no metric named 'Nope'*");
    }

    [Fact]
    public async Task AsEvaluator_OurScorer_ReportsOneInterpretedMetricWithDetails()
    {
        var evaluator = EvalScorers.FieldF1(passThreshold: 1).AsEvaluator();
        var goldenCase = new GoldenCase("c", [new ChatMessage(ChatRole.User, "q")], "{\"a\":1,\"b\":2}");

        var result = await evaluator.EvaluateAsync(goldenCase.Messages, new ChatResponse(new ChatMessage(ChatRole.Assistant, "{\"a\":1,\"b\":3}")), null, [new GoldenCaseEvaluationContext(goldenCase)]);

        evaluator.EvaluationMetricNames.Should().Equal("fields");
        var metric = result.Get<NumericMetric>("fields");
        metric.Value.Should().BeGreaterThan(0).And.BeLessThan(1);
        metric.Interpretation!.Failed.Should().BeTrue();
        metric.Interpretation.Rating.Should().Be(EvaluationRating.Unacceptable);
        metric.Metadata.Should().ContainKey("precision");
    }

    [Fact]
    public async Task AsEvaluator_ScorerError_BecomesAnErrorDiagnostic()
    {
        var evaluator = EvalScorers.LlmJudge(FakeChatClient.Answering(_ => "no json here")).AsEvaluator();

        var result = await evaluator.EvaluateAsync([new ChatMessage(ChatRole.User, "q")], new ChatResponse(new ChatMessage(ChatRole.Assistant, "a")));

        var metric = result.Get<NumericMetric>("judge");
        metric.Value.Should().BeNull();
        metric.Diagnostics.Should().ContainSingle(d => d.Severity == EvaluationDiagnosticSeverity.Error);
        metric.Interpretation!.Rating.Should().Be(EvaluationRating.Inconclusive);
    }

    /// <summary>Reports whether the output equals the expected answer (from the golden-case context) and its length.</summary>
    private sealed class LengthEvaluator : IEvaluator
    {
        public List<string> SawExpected { get; } = [];

        public IReadOnlyCollection<string> EvaluationMetricNames { get; } = ["Matches", "Length"];

        public ValueTask<EvaluationResult> EvaluateAsync(IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null, IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default)
        {
            var expected = additionalContext!.OfType<GoldenCaseEvaluationContext>().Single().GoldenCase.Expected!;
            lock (SawExpected)
            {
                SawExpected.Add(expected);
            }

            return ValueTask.FromResult(new EvaluationResult(new BooleanMetric("Matches", modelResponse.Text == expected), new NumericMetric("Length", modelResponse.Text.Length)));
        }
    }

    /// <summary>Answers one fixed metric, or throws when given none.</summary>
    private sealed class FixedEvaluator(EvaluationMetric? metric) : IEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames { get; } = ["Relevance"];

        public ValueTask<EvaluationResult> EvaluateAsync(IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null, IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default)
            => metric is null ? throw new InvalidOperationException("evaluator broke") : ValueTask.FromResult(new EvaluationResult(metric));
    }
}
