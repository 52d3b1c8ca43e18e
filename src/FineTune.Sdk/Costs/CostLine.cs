namespace FineTune.Sdk;

/// <summary>One line of a cost estimate's breakdown.</summary>
/// <param name="Label">What the line is, for example <c>Training</c> or <c>Retry buffer (20%)</c>.</param>
/// <param name="Tokens">The billed tokens the line charges for, when it charges for tokens.</param>
/// <param name="Amount">The amount in the estimate's currency.</param>
public sealed record CostLine(string Label, long? Tokens, decimal Amount);
