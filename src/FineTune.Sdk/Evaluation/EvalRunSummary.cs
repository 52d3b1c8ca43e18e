namespace FineTune.Sdk;

/// <summary>
/// Tallies results as they stream by, per variant: cases, errors and each scorer's passes, so a long run is summarised
/// without keeping its results in memory.
/// </summary>
/// <remarks>Not thread-safe: add results from one thread (the consumer of <see cref="IEvalRunner.RunAsync"/>).</remarks>
public sealed class EvalRunSummary
{
    private readonly List<EvalVariantTally> _variants = [];

    /// <summary>Gets how many results were added.</summary>
    /// <value>Zero at first.</value>
    public int Count { get; private set; }

    /// <summary>Gets the tallies, one per variant label, in the order the labels were first seen.</summary>
    /// <value>Empty at first.</value>
    public IReadOnlyList<EvalVariantTally> Variants => _variants;

    /// <summary>Adds one result.</summary>
    /// <param name="result">The result.</param>
    public void Add(EvalCaseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Count++;
        var tally = _variants.Find(v => string.Equals(v.Label, result.Variant, StringComparison.Ordinal));
        if (tally is null)
        {
            tally = new EvalVariantTally(result.Variant, result.ModelId);
            _variants.Add(tally);
        }

        tally.Add(result);
    }
}

/// <summary>What one variant scored in a run, tallied by <see cref="EvalRunSummary"/>.</summary>
public sealed class EvalVariantTally
{
    private readonly List<EvalScorerTally> _scorers = [];

    internal EvalVariantTally(string label, string modelId)
    {
        Label = label;
        ModelId = modelId;
    }

    /// <summary>Gets the variant's label.</summary>
    /// <value>For example <c>base</c>.</value>
    public string Label { get; }

    /// <summary>Gets the variant's model id.</summary>
    /// <value>The provider's model id.</value>
    public string ModelId { get; }

    /// <summary>Gets how many cases ran.</summary>
    /// <value>Cases, failed ones included.</value>
    public int Cases { get; private set; }

    /// <summary>Gets how many model calls failed.</summary>
    /// <value>Results with <see cref="EvalCaseResult.Error"/> set.</value>
    public int Errors { get; private set; }

    /// <summary>Gets each scorer's tally, in the order first seen.</summary>
    /// <value>One per scorer name.</value>
    public IReadOnlyList<EvalScorerTally> Scorers => _scorers;

    internal void Add(EvalCaseResult result)
    {
        Cases++;
        Errors += result.Error is null ? 0 : 1;
        foreach (var score in result.Scores)
        {
            var scorer = _scorers.Find(s => string.Equals(s.Name, score.Scorer, StringComparison.OrdinalIgnoreCase));
            if (scorer is null)
            {
                scorer = new EvalScorerTally(score.Scorer);
                _scorers.Add(scorer);
            }

            scorer.Add(score);
        }
    }
}

/// <summary>How one scorer judged one variant's outputs.</summary>
public sealed class EvalScorerTally
{
    internal EvalScorerTally(string name) => Name = name;

    /// <summary>Gets the scorer's name.</summary>
    /// <value>For example <c>exact</c>.</value>
    public string Name { get; }

    /// <summary>Gets how many outputs the scorer scored (scorer errors left out).</summary>
    /// <value>Zero or more.</value>
    public int Scored { get; private set; }

    /// <summary>Gets how many scored outputs passed.</summary>
    /// <value>At most <see cref="Scored"/>.</value>
    public int Passed { get; private set; }

    /// <summary>Gets the share of scored outputs that passed.</summary>
    /// <value>Between 0 and 1; 0 when nothing was scored.</value>
    public double PassRate => Scored == 0 ? 0 : (double)Passed / Scored;

    internal void Add(EvalScore score)
    {
        if (score.ScorerError is null)
        {
            Scored++;
            Passed += score.Passed ? 1 : 0;
        }
    }
}
