namespace FineTune.Sdk;

/// <summary>
/// Turns a failure into one short line fit for a report or a log: the provider status and code when there is one,
/// else the exception type and the first line of its message, passed through <see cref="SecretScrubber"/> and capped
/// in length.
/// </summary>
internal static class FailureText
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
        text = SecretScrubber.Scrub(text);
        return text.Length > MaxLength ? text[..MaxLength] : text;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
