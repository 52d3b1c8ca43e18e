namespace FineTune.Sdk;

/// <summary>The score one scorer gave one output.</summary>
/// <param name="Scorer">The scorer's name, for example <c>exact</c>.</param>
/// <param name="Value">The score in [0, 1] (1 is best); <see langword="null"/> when the scorer could not score.</param>
/// <param name="Passed">Whether the output passed this scorer.</param>
public sealed record EvalScore(string Scorer, double? Value, bool Passed)
{
    /// <summary>Gets why the score is what it is (a judge's explanation, a schema error), never the output itself.</summary>
    /// <value>Optional.</value>
    public string? Reason { get; init; }

    /// <summary>
    /// Gets why the scorer itself failed (a judge call that errored or returned no parsable score). Such scores are
    /// reported separately and left out of means; they are not held against the model.
    /// </summary>
    /// <value><see langword="null"/> when the scorer worked.</value>
    public string? ScorerError { get; init; }

    /// <summary>Gets extra figures (precision, recall, the judge's raw 1-5 score).</summary>
    /// <value>Optional; <see langword="null"/> when none.</value>
    public IReadOnlyDictionary<string, double>? Details { get; init; }

    /// <summary>Creates a pass/fail score with value 1 or 0.</summary>
    /// <param name="scorer">The scorer's name.</param>
    /// <param name="passed">Whether the output passed.</param>
    /// <param name="reason">An optional reason.</param>
    /// <returns>The score.</returns>
    public static EvalScore FromPass(string scorer, bool passed, string? reason = null) => new(scorer, passed ? 1 : 0, passed) { Reason = reason };
}
