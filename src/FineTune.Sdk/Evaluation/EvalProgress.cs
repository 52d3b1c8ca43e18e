namespace FineTune.Sdk;

/// <summary>Progress of a run, reported after each case and variant finishes.</summary>
/// <param name="Completed">Case-variant pairs finished so far, including those resumed from the run file.</param>
/// <param name="Total">Case-variant pairs in the run.</param>
/// <param name="Failed">Pairs whose call failed.</param>
/// <param name="Cached">Pairs answered from the response cache.</param>
public readonly record struct EvalProgress(int Completed, int Total, int Failed, int Cached);
