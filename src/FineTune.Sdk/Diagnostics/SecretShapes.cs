using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>
/// The one list of credential shapes: the PII gate (<see cref="PiiDetector"/>) finds them in datasets and
/// <see cref="SecretScrubber"/> removes them — through that same detector — from every text the SDK writes. A shape added
/// here is both found and scrubbed.
/// </summary>
/// <remarks>
/// Each shape identifies itself (a prefix or a header name), so the gate can rule it out cheaply from a JSON string's raw
/// bytes. The scrubber adds rules that need a context only error texts and URLs have (named fields such as
/// <c>aws_secret_access_key=</c>, any <c>Authorization</c> scheme, URL user-info, secret query parameters, a bare
/// 40-character AWS secret key); in training rows those would flag ordinary prose and ids.
/// </remarks>
internal static partial class SecretShapes
{
    /// <summary>Gets the self-identifying shapes with a sample of each, for tests and documentation.</summary>
    public static IReadOnlyList<(string Name, string Sample)> Samples { get; } =
    [
        ("OpenAI / Anthropic key (sk-, sk-proj-, sk-ant-)", "sk-proj-Zt5vQ8wLm2Rn4Xp7Ks9Dh3Fj6Gb1Nc0Ya8Ue5Wi2Oq7Tr4Lh7Qx"),
        ("masked key in a provider's 401 text", "sk-proj-****************************h7Qx"),
        ("AWS access key id (long-term)", "AKIAQX7ZK2M5N8R4T6WB"),
        ("AWS access key id (temporary)", "ASIAV3W9KD2JQ7TZ5MNC"),
        ("GitHub token", "ghp_R7vK2mX9pQ4tW8zL3nB6cJ1hF5dS0gY2aE7u"),
        ("GitHub fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"),
        ("JSON web token", "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmdC1ib3QiLCJpYXQiOjE3NjQ3MDAwMDB9.Q2hhbmdlTWVQbGVhc2VUaGlzSXNOb3RBU2ln"),
        ("Authorization: Bearer value", "Authorization: Bearer abcdefghijklmnop"),
        ("Bearer token on its own", "Bearer v2.local.8f3kq9w7x1"),
    ];

    /// <summary>API keys: <c>sk-</c> keys, AWS access key ids (<c>AKIA</c>, <c>ASIA</c>), GitHub tokens.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])(?:sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?![A-Za-z0-9_-])")]
    public static partial Regex ApiKey();

    /// <summary>A masked key as OpenAI's 401 text names it (<c>sk-proj-****…abcd</c>): the visible ends are part of the key.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_*-]*\*[A-Za-z0-9_*-]*")]
    public static partial Regex MaskedKey();

    /// <summary>The token of an <c>Authorization: Bearer</c> header (group <c>token</c>).</summary>
    [GeneratedRegex(@"(?i)\bAuthorization\s*[:=]\s*[""']?Bearer\s+(?<token>[A-Za-z0-9._~+/=-]{8,})")]
    public static partial Regex AuthorizationBearer();

    /// <summary>A bearer token on its own (group <c>token</c>): 8+ token characters with a digit, so prose ("Bearer authentication") stays.</summary>
    [GeneratedRegex(@"\b[Bb]earer\s+(?<token>(?=[A-Za-z._~+/-]*[0-9])[A-Za-z0-9._~+/-]{8,}=*)")]
    public static partial Regex Bearer();

    /// <summary>A JSON web token: three base64url parts, the first an encoded JSON object (<c>eyJ</c>).</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    public static partial Regex Jwt();
}
