using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>
/// The one routine that removes credentials from text the SDK writes (exception messages, log events, reports): API
/// keys and tokens in every shape the PII gate knows (<see cref="PiiDetector"/>), masked key fragments, AWS access
/// keys (<c>AKIA…</c>, <c>ASIA…</c>) and secret keys, <c>Authorization</c> values, URL user-info and secret-looking
/// query parameters. Each is replaced by <c>[REDACTED]</c>.
/// </summary>
internal static partial class SecretScrubber
{
    /// <summary>The text that replaces a secret.</summary>
    public const string Redacted = "[REDACTED]";

    /// <summary>Removes credentials from a text.</summary>
    /// <param name="text">The text; <see langword="null"/> stays <see langword="null"/>.</param>
    /// <returns>The text without credentials.</returns>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var scrubbed = text;
        var spans = PiiDetector.Detect(scrubbed, includeIpAddresses: false);
        for (var i = spans.Count - 1; i >= 0; i--)
        {
            var span = spans[i];
            if (span.Kind is PiiKind.ApiKey or PiiKind.BearerToken)
            {
                scrubbed = string.Concat(scrubbed.AsSpan(0, span.Start), Redacted, scrubbed.AsSpan(span.Start + span.Length));
            }
        }

        scrubbed = AuthorizationRegex().Replace(scrubbed, "${name}" + Redacted);
        scrubbed = UserInfoRegex().Replace(scrubbed, "${scheme}" + Redacted + "@");
        scrubbed = QueryRegex().Replace(scrubbed, "${name}" + Redacted);
        scrubbed = AccessKeyRegex().Replace(scrubbed, Redacted);
        scrubbed = MaskedKeyRegex().Replace(scrubbed, Redacted);
        scrubbed = SecretKeyRegex().Replace(scrubbed, m => IsMixed(m.ValueSpan) ? Redacted : m.Value);
        return scrubbed;
    }

    // An AWS secret key has upper case, lower case and digits; a hex digest (SHA-1 is also 40 characters) does not.
    private static bool IsMixed(ReadOnlySpan<char> value) =>
        value.IndexOfAnyInRange('A', 'Z') >= 0 && value.IndexOfAnyInRange('a', 'z') >= 0 && value.IndexOfAnyInRange('0', '9') >= 0;

    [GeneratedRegex(@"(?i)(?<name>\b(?:proxy-)?authorization[""']?\s*[:=]\s*[""']?(?:(?:bearer|basic|token|aws4-hmac-sha256)\s+)?)[^\s""',;]+")]
    private static partial Regex AuthorizationRegex();

    [GeneratedRegex(@"(?i)(?<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s@]+@")]
    private static partial Regex UserInfoRegex();

    [GeneratedRegex(@"(?i)(?<name>[?&;][a-z0-9_.-]*(?:key|token|secret|password|passwd|pwd|signature|sig|credential|auth)[a-z0-9_.-]*=)[^&#\s""']+")]
    private static partial Regex QueryRegex();

    [GeneratedRegex(@"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")]
    private static partial Regex AccessKeyRegex();

    // OpenAI's 401 text names a masked key ("sk-proj-****…abcd"): the visible ends are still part of the key.
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_*-]*\*[A-Za-z0-9_*-]*")]
    private static partial Regex MaskedKeyRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")]
    private static partial Regex SecretKeyRegex();
}
