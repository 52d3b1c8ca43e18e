namespace FineTune.Sdk;

/// <summary>Scores one model output against its golden case. Built-in scorers come from <see cref="EvalScorers"/>.</summary>
/// <remarks>Implementations must be thread-safe: the runner scores many outputs at once.</remarks>
public interface IEvalScorer
{
    /// <summary>Gets the scorer's name, unique within a run (for example <c>exact</c>); reports group by it.</summary>
    /// <value>A short lower-case name.</value>
    string Name { get; }

    /// <summary>Scores an output.</summary>
    /// <param name="goldenCase">The case, with its expected answer.</param>
    /// <param name="output">The model's output text.</param>
    /// <param name="cancellationToken">Cancels the scoring.</param>
    /// <returns>The score; a scorer that cannot score returns a score with <see cref="EvalScore.ScorerError"/> set rather than throwing.</returns>
    ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default);
}
