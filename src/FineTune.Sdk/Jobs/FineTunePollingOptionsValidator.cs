using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>The one place <see cref="FineTunePollingOptions"/> are checked (DI start-up and <see cref="FineTuneJobHandle"/>'s constructor); messages name the field and its value.</summary>
internal sealed class FineTunePollingOptionsValidator : IValidateOptions<FineTunePollingOptions>
{
    public ValidateOptionsResult Validate(string? name, FineTunePollingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate(string.IsNullOrEmpty(name) ? "Polling" : name);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static FineTunePollingOptions ThrowIfInvalid(FineTunePollingOptions options, string paramName)
    {
        var failures = options.Validate("Polling");
        return failures.Count == 0 ? options : throw new ArgumentException(string.Join(" ", failures), paramName);
    }
}
