using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>
/// The one routine that removes credentials from text the SDK writes (exception messages, log events, reports, CLI
/// errors): every credential shape of <see cref="SecretShapes"/>, found by the PII gate's own detector
/// (<see cref="PiiDetector"/>: API keys, masked keys, AWS access key ids <c>AKIA…</c>/<c>ASIA…</c>, GitHub tokens, JSON
/// web tokens, bearer tokens), then the rules that need an error text's context: AWS secret keys, any
/// <c>Authorization</c> value, SigV4 <c>Credential=</c>/<c>Signature=</c> values, secret-named fields (<c>api_key</c>,
/// <c>aws_secret_access_key</c>, <c>x-amz-security-token</c>, <c>password</c>, …), URL user-info and secret-looking
/// query parameters. Each is replaced by <c>[REDACTED]</c>; ids, ARNs, model names and hex digests are left alone.
/// Stateless and thread-safe.
/// </summary>
internal static partial class SecretScrubber
{
    /// <summary>The text that replaces a secret.</summary>
    public const string Redacted = "[REDACTED]";

    /// <summary>Removes credentials from a text.</summary>
    /// <param name="text">The text; <see langword="null"/> stays <see langword="null"/>.</param>
    /// <returns>The text without credentials (the same instance when there was none).</returns>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // The PII gate's credential shapes (SecretShapes): what the gate finds in a dataset is what is removed here.
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
        scrubbed = NamedSecretRegex().Replace(scrubbed, "${name}" + Redacted);
        scrubbed = UserInfoRegex().Replace(scrubbed, "${scheme}" + Redacted + "@");
        scrubbed = QueryRegex().Replace(scrubbed, "${name}" + Redacted);
        scrubbed = SecretKeyRegex().Replace(scrubbed, m => IsMixed(m.ValueSpan) ? Redacted : m.Value);
        return scrubbed;
    }

    /// <summary>Removes credentials from every text of a list (options validation failures, for example).</summary>
    /// <param name="texts">The texts.</param>
    /// <returns>The scrubbed texts, in order.</returns>
    public static List<string> ScrubAll(IEnumerable<string> texts) => texts.Select(t => Scrub(t)).ToList();

    /// <summary>
    /// Returns an exception chain safe to keep inside a <see cref="FineTuneException"/>: the same instance when no
    /// message in it holds a credential, else a copy in which each such exception is replaced by a
    /// <see cref="RedactedException"/> naming its type, with the scrubbed message and the original stack trace.
    /// </summary>
    /// <param name="exception">The exception; <see langword="null"/> stays <see langword="null"/>.</param>
    /// <returns>The exception, or its scrubbed copy.</returns>
    public static Exception? ScrubChain(Exception? exception)
    {
        if (exception is null or FineTuneException)
        {
            return exception; // a FineTuneException scrubbed itself (and its inner chain) when it was made
        }

        var inner = ScrubChain(exception.InnerException);
        var message = Scrub(exception.Message);
        if (ReferenceEquals(inner, exception.InnerException) && string.Equals(message, exception.Message, StringComparison.Ordinal))
        {
            return exception;
        }

        var copy = new RedactedException(exception.GetType().FullName ?? exception.GetType().Name, message, inner);
        if (exception.StackTrace is { } trace)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.SetRemoteStackTrace(copy, trace);
        }

        return copy;
    }

    // An AWS secret key has upper case, lower case and digits; a hex digest (SHA-1 is also 40 characters) does not.
    private static bool IsMixed(ReadOnlySpan<char> value) =>
        value.IndexOfAnyInRange('A', 'Z') >= 0 && value.IndexOfAnyInRange('a', 'z') >= 0 && value.IndexOfAnyInRange('0', '9') >= 0;

    // "Authorization: Bearer X", "authorization=Basic X", "\"Authorization\": \"AWS4-HMAC-SHA256 Credential=…\"".
    [GeneratedRegex(@"(?i)(?<name>\b(?:proxy-)?authorization[""']?\s*[:=]\s*[""']?(?:(?:bearer|basic|token|aws4-hmac-sha256)\s+)?)[^\s""',;]+")]
    private static partial Regex AuthorizationRegex();

    // Secret-named fields in headers, JSON, config files, SigV4 headers and canonical requests:
    // "api_key": "…", x-api-key: …, aws_secret_access_key=…, x-amz-security-token:…, Credential=…, Signature=….
    [GeneratedRegex(@"(?i)(?<name>(?<![A-Za-z0-9_-])[""']?(?:x-)?(?:api[-_]?key|apikey|access[-_]?key[-_]?id|aws[-_]?secret(?:[-_]?access)?[-_]?key|secret[-_]?access[-_]?key|secret[-_]?key|client[-_]?secret|aws[-_]?session[-_]?token|session[-_]?token|x-amz-security-token|x-amz-signature|x-amz-credential|security[-_]?token|access[-_]?token|refresh[-_]?token|id[-_]?token|password|passwd|credential|signature|cookie|set-cookie)[""']?\s*[:=]\s*[""']?)(?!\[REDACTED\])[^\s""',;&<>]+")]
    private static partial Regex NamedSecretRegex();

    [GeneratedRegex(@"(?i)(?<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s@?#]+@")]
    private static partial Regex UserInfoRegex();

    [GeneratedRegex(@"(?i)(?<name>[?&;](?:code|[a-z0-9_.-]*(?:key|token|secret|password|passwd|pwd|signature|sig|credential|auth)[a-z0-9_.-]*)=)(?!\[REDACTED\])[^&#\s""']+")]
    private static partial Regex QueryRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")]
    private static partial Regex SecretKeyRegex();
}

/// <summary>Stands in for an exception whose message held a credential (see <see cref="SecretScrubber.ScrubChain"/>).</summary>
internal sealed class RedactedException(string originalType, string message, Exception? innerException)
    : Exception($"{originalType}: {message}", innerException)
{
    /// <summary>Gets the full name of the type of the exception this one replaces.</summary>
    public string OriginalType { get; } = originalType;
}
