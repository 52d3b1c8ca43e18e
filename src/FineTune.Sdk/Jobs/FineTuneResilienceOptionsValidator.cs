using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>
/// The one place <see cref="FineTuneResilienceOptions"/> are checked: at start-up through DI
/// (<c>ValidateOnStart</c>), by the constructors that take them, and by adapters' own validators for their nested
/// <c>Resilience</c> options. Every message names the field (prefixed with the options name) and its value.
/// </summary>
/// <remarks>Thread-safe and stateless.</remarks>
public sealed class FineTuneResilienceOptionsValidator : IValidateOptions<FineTuneResilienceOptions>
{
    /// <summary>Checks the options.</summary>
    /// <param name="name">The path of these options in their parent, for example <c>OpenAI.Resilience</c>; <c>Resilience</c> when null or empty.</param>
    /// <param name="options">The options.</param>
    /// <returns>Success, or a failure listing every rule broken.</returns>
    public ValidateOptionsResult Validate(string? name, FineTuneResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate(string.IsNullOrEmpty(name) ? "Resilience" : name);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static FineTuneResilienceOptions ThrowIfInvalid(FineTuneResilienceOptions options, string paramName)
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        var failures = options.Validate("Resilience");
        return failures.Count == 0 ? options : throw new ArgumentException(string.Join(" ", failures), paramName);
    }
}
