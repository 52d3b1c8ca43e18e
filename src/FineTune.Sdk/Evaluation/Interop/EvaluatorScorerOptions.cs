using Microsoft.Extensions.AI.Evaluation;

namespace FineTune.Sdk;

/// <summary>How an <see cref="IEvaluator"/> from Microsoft.Extensions.AI.Evaluation is used as an <see cref="IEvalScorer"/>.</summary>
public sealed class EvaluatorScorerOptions
{
    /// <summary>Gets or sets the metric that gives the score's value and pass/fail.</summary>
    /// <value>Defaults to <see langword="null"/>: the evaluator's only metric (an evaluator with several must name one).</value>
    public string? MetricName { get; set; }

    /// <summary>Gets or sets the scorer's name in results and reports.</summary>
    /// <value>Defaults to <see langword="null"/>: the metric name in lower case.</value>
    public string? ScorerName { get; set; }

    /// <summary>Gets or sets the lowest value of a numeric metric (mapped to score 0).</summary>
    /// <value>Defaults to 1, the bottom of the 1-5 scale Microsoft.Extensions.AI.Evaluation's quality evaluators use.</value>
    public double MinValue { get; set; } = 1;

    /// <summary>Gets or sets the highest value of a numeric metric (mapped to score 1).</summary>
    /// <value>Defaults to 5.</value>
    public double MaxValue { get; set; } = 5;

    /// <summary>
    /// Gets or sets the lowest numeric value that passes when the metric carries no interpretation (an interpretation's
    /// <see cref="EvaluationMetricInterpretation.Failed"/> wins when present).
    /// </summary>
    /// <value>Defaults to 4.</value>
    public double PassThreshold { get; set; } = 4;

    /// <summary>Gets or sets the chat configuration handed to the evaluator (the judge client of LLM-based evaluators).</summary>
    /// <value>Defaults to <see langword="null"/>. Give it the same composed chat pipeline as the models under test.</value>
    public ChatConfiguration? ChatConfiguration { get; set; }
}
