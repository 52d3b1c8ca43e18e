using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Cli.Tests.Scrubbing;

/// <summary>
/// Distinct, real-shaped (not real) secrets, and the one check that none of them — nor any 8-character piece of one —
/// survives in captured log records (message, structured state values, exception), exceptions (message and inner
/// messages) and written files.
/// </summary>
internal static class SecretLeaks
{
    public const string OpenAIKey = "sk-proj-Zt5vQ8wLm2Rn4Xp7Ks9Dh3Fj6Gb1Nc0Ya8Ue5Wi2Oq7Tr4Lh7Qx";
    public const string OpenAIKeyTail = "h7Qx"; // what OpenAI's masked 401 message leaves visible
    public const string AwsAccessKey = "AKIAQX7ZK2M5N8R4T6WB";
    public const string AwsSessionKey = "ASIAV3W9KD2JQ7TZ5MNC";
    public const string AwsSecretKey = "kV9sT2xQ7mN4pL8wR3zY6bH1cF5jD0gA+uE/iO2K";
    public const string AwsSessionToken = "IQoJb3JpZ2luX2VjEPr9kTQmWv7YhN3sZx2LcB8dRf4Ga6JpU1oE5iKt0MnVq";
    public const string GitHubToken = "ghp_R7vK2mX9pQ4tW8zL3nB6cJ1hF5dS0gY2aE7u";
    public const string Jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmdC1ib3QiLCJpYXQiOjE3NjQ3MDAwMDB9.Q2hhbmdlTWVQbGVhc2VUaGlzSXNOb3RBU2ln";
    public const string UrlPassword = "Pa55w0rd-Tr0ub4dor";
    public const string QueryKey = "qk7f3a9c1e5b2d8f4a6c";
    public const string Signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    public static readonly string[] All = [OpenAIKey, AwsAccessKey, AwsSessionKey, AwsSecretKey, AwsSessionToken, GitHubToken, Jwt, UrlPassword, QueryKey, Signature];

    /// <summary>A provider error text that echoes every secret, in the shapes providers and proxies use.</summary>
    public static string EchoingEverything =>
        $"Incorrect API key provided: {OpenAIKey}. Authorization: Bearer {Jwt} (token {GitHubToken}); "
        + $"AWS4-HMAC-SHA256 Credential={AwsAccessKey}/20261203/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature={Signature}; "
        + $"session {AwsSessionKey} aws_secret_access_key={AwsSecretKey} x-amz-security-token:{AwsSessionToken}; "
        + $"upstream https://svc:{UrlPassword}@proxy.example.com/v1?api_key={QueryKey}";

    /// <summary>Fails when any secret, or an 8-character piece of one, appears in any of the texts.</summary>
    public static void AssertNone(FakeLogCollector? logs = null, Exception? exception = null, IEnumerable<string>? files = null, params (string What, string? Text)[] texts)
    {
        var all = new List<(string What, string? Text)>(texts);
        if (logs is not null)
        {
            foreach (var record in logs.GetSnapshot())
            {
                var where = $"log event {record.Id.Id} ({record.Id.Name})";
                all.Add((where + " message", record.Message));
                foreach (var pair in record.StructuredState ?? [])
                {
                    all.Add((where + " state " + pair.Key, pair.Value));
                }

                all.Add((where + " exception", record.Exception?.ToString()));
            }
        }

        all.Add(("exception text", exception?.ToString()));
        for (var e = exception; e is not null; e = e.InnerException)
        {
            all.Add(("exception " + e.GetType().Name, e.Message));
        }

        if (exception is AggregateException aggregate)
        {
            all.AddRange(aggregate.Flatten().InnerExceptions.Select(inner => ("inner " + inner.GetType().Name, (string?)inner.ToString())));
        }

        foreach (var file in files ?? [])
        {
            all.Add(("file " + Path.GetFileName(file), File.ReadAllText(file)));
        }

        foreach (var (what, text) in all)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            foreach (var secret in All)
            {
                for (var i = 0; i + 8 <= secret.Length; i++)
                {
                    text.Should().NotContain(secret.Substring(i, 8), $"{what} must not carry any part of a secret ({secret[..6]}…)");
                }
            }

            text.Should().NotContain("*" + OpenAIKeyTail, $"{what} must not carry the visible end of a masked key");
        }
    }

    /// <summary>Every file under a folder.</summary>
    public static IEnumerable<string> FilesUnder(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories);
}
