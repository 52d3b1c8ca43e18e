using Microsoft.Extensions.Options;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// The one place <see cref="OpenAIFineTuneProviderOptions"/> are checked: at start-up under <c>AddOpenAI</c>
/// (<c>ValidateOnStart</c>) and by <see cref="OpenAIFineTuneProvider"/>'s constructor. Messages name the field and
/// the value, never the key.
/// </summary>
internal sealed class OpenAIFineTuneProviderOptionsValidator : IValidateOptions<OpenAIFineTuneProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIFineTuneProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Failures(options, string.IsNullOrEmpty(name) ? "OpenAI" : $"OpenAI[{name}]");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static List<string> Failures(OpenAIFineTuneProviderOptions options, string prefix)
    {
        var failures = new List<string>();
        if (options.Endpoint is { } endpoint && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.Endpoint)} must be an absolute http or https address; it was '{endpoint}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ResolveApiKey()))
        {
            failures.Add($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.ApiKey)} is not set and the {OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} environment variable is empty; set one of them (any non-empty value works for the emulator).");
        }

        if (options.IdempotencyScanLimit is < 1 or > 10_000)
        {
            failures.Add($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.IdempotencyScanLimit)} must be between 1 and 10000; it was {options.IdempotencyScanLimit}.");
        }

        if (options.LargeFileThresholdBytes < 1)
        {
            failures.Add($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.LargeFileThresholdBytes)} must be at least 1; it was {options.LargeFileThresholdBytes}.");
        }

        if (options.UploadPartBytes is < 1 or > 64 * 1024 * 1024)
        {
            failures.Add($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.UploadPartBytes)} must be between 1 and 67108864 (64 MiB); it was {options.UploadPartBytes}.");
        }

        if (new FineTuneResilienceOptionsValidator().Validate($"{prefix}.{nameof(OpenAIFineTuneProviderOptions.Resilience)}", options.Resilience) is { Failed: true } resilience)
        {
            failures.AddRange(resilience.Failures);
        }

        return SecretScrubber.ScrubAll(failures); // values are echoed: an endpoint may carry user-info or a key
    }
}
