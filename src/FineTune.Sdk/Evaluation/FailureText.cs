using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>
/// Turns a failure into one short line fit for a report or a log: the provider status and code when there is one,
/// else the exception type and the first line of its message, with anything that looks like a key or a bearer token
/// removed and the length capped.
/// </summary>
internal static partial class FailureText
{
    private const int MaxLength = 200;

    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var text = exception switch
        {
            Polly.Timeout.TimeoutRejectedException => "Timed out (case timeout).",
            FineTuneException { StatusCode: { } status } fine => $"{nameof(FineTuneException)}: HTTP {status}{(fine.ProviderCode is null ? "" : " (" + fine.ProviderCode + ")")}: {FirstLine(fine.Message)}",
            HttpRequestException { StatusCode: { } status } => $"{exception.GetType().Name}: HTTP {(int)status}.",
            _ when exception.Data["StatusCode"] is int code => $"{exception.GetType().Name}: HTTP {code}.",
            _ => exception.GetType().Name + ": " + FirstLine(exception.Message),
        };
        text = Secret().Replace(SecretScrubber.Scrub(text)!, SecretScrubber.Redacted);
        return text.Length > MaxLength ? text[..MaxLength] : text;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    [GeneratedRegex(@"(?i)(bearer\s+\S+|\b(sk|pk|rk|sess|key|AKIA|ASIA)[-_A-Za-z0-9]{12,}|\b[A-Za-z0-9+/_-]{32,}={0,2})")]
    private static partial Regex Secret();
}
