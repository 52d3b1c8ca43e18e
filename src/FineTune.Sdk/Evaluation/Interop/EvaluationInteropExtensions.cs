using Microsoft.Extensions.AI.Evaluation;

namespace FineTune.Sdk;

/// <summary>Interop with Microsoft.Extensions.AI.Evaluation: its evaluators as our scorers, and our scorers as its evaluators.</summary>
public static class EvaluationInteropExtensions
{
    /// <summary>
    /// Uses an <see cref="IEvaluator"/> as an <see cref="IEvalScorer"/>, so its metric lands in results and comparisons
    /// like a built-in scorer's. The evaluator gets the case's messages, the output as the response, and a
    /// <see cref="GoldenCaseEvaluationContext"/> with the expected answer.
    /// </summary>
    /// <param name="evaluator">The evaluator; must be thread-safe (the runner scores many outputs at once).</param>
    /// <param name="options">Which metric scores and how; defaults when null.</param>
    /// <returns>The scorer.</returns>
    /// <exception cref="ArgumentException">The metric is not one the evaluator reports, or the options are inconsistent.</exception>
    public static IEvalScorer AsEvalScorer(this IEvaluator evaluator, EvaluatorScorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        return new EvaluatorScorer(evaluator, options ?? new EvaluatorScorerOptions());
    }

    /// <summary>Uses one of our scorers as an <see cref="IEvaluator"/> reporting one numeric metric named like the scorer.</summary>
    /// <param name="scorer">The scorer.</param>
    /// <returns>The evaluator; pass a <see cref="GoldenCaseEvaluationContext"/> so the scorer sees the expected answer.</returns>
    public static IEvaluator AsEvaluator(this IEvalScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        return new ScorerEvaluator(scorer);
    }
}
