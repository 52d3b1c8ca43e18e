using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>Validates <see cref="FineTuningOptions"/> at start-up; every message names the field and its value.</summary>
internal sealed class FineTuningOptionsValidator : IValidateOptions<FineTuningOptions>
{
    public ValidateOptionsResult Validate(string? name, FineTuningOptions options)
    {
        var failures = new List<string>();
        options.Datasets.Validate(failures);
        options.Tokens.Validate(failures);
        options.Costs.Validate(failures);
        options.Evaluation.Validate(failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
