namespace FineTune.Sdk;

/// <summary>Why a job failed, as the provider reported it.</summary>
/// <param name="Code">The provider's machine-readable code, for example <c>invalid_training_file</c>.</param>
/// <param name="Message">The provider's explanation.</param>
/// <param name="Parameter">The request parameter at fault, for example <c>training_file</c>, if any.</param>
public sealed record FineTuneJobError(string? Code, string? Message, string? Parameter);
