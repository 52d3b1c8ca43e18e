using Microsoft.Extensions.AI.Evaluation;

namespace FineTune.Sdk;

/// <summary>
/// The golden case (and its expected answer, as the context's text) handed to an <see cref="IEvaluator"/>: evaluators
/// adapted from our scorers read the case from it, and other evaluators may read the expected answer.
/// </summary>
public sealed class GoldenCaseEvaluationContext : EvaluationContext
{
    /// <summary>The context's name.</summary>
    public const string ContextName = "Golden case";

    /// <summary>Initializes a new instance of the <see cref="GoldenCaseEvaluationContext"/> class.</summary>
    /// <param name="goldenCase">The case.</param>
    public GoldenCaseEvaluationContext(GoldenCase goldenCase)
        : base(ContextName, goldenCase?.Expected ?? string.Empty)
    {
        ArgumentNullException.ThrowIfNull(goldenCase);
        GoldenCase = goldenCase;
    }

    /// <summary>Gets the golden case.</summary>
    /// <value>With its messages, expected answer and tags.</value>
    public GoldenCase GoldenCase { get; }
}
