using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// AWS Signature Version 4 (AWS4-HMAC-SHA256) for header signing: canonical request, string to sign, signing key
/// and <c>Authorization</c> header, exactly as the spec and both AWS test suites define them. Every path segment of
/// the path <em>as sent</em> is encoded once more (so an ARN sent as <c>arn%3Aaws…</c> is signed as
/// <c>arn%253Aaws…</c>), the query is decoded, re-encoded and sorted, header values are trimmed with inner runs of
/// white space collapsed, and the host carries its port when it is not the default.
/// </summary>
/// <remarks>Stateless and thread-safe. Never logs; the secret key only ever reaches the HMAC.</remarks>
internal static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public const string DateHeader = "x-amz-date";
    public const string ContentSha256Header = "x-amz-content-sha256";
    public const string SecurityTokenHeader = "x-amz-security-token";

    /// <summary>Signs a request described by its parts.</summary>
    /// <param name="credentials">The access key, secret key and optional session token.</param>
    /// <param name="scope">Region and service.</param>
    /// <param name="signedAt">The signing time (becomes <c>x-amz-date</c>).</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path as sent on the wire (already percent-encoded once), without the query.</param>
    /// <param name="query">The raw query string without <c>?</c>; empty when none.</param>
    /// <param name="headers">Every header to sign (name, value), including <c>host</c> and <c>x-amz-date</c>; repeated names allowed.</param>
    /// <param name="payloadHash">The lower-hex SHA-256 of the body.</param>
    /// <param name="normalizePath">Whether to remove dot segments and repeated slashes (true for every service but S3).</param>
    /// <returns>The signature and the intermediate strings (for tests; they hold no secret).</returns>
    public static SigV4Signature Sign(
        SigV4Credentials credentials,
        SigV4Scope scope,
        DateTimeOffset signedAt,
        string method,
        string path,
        string query,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash,
        bool normalizePath = true)
    {
        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(headers);
        var canonicalRequest = string.Join(
            '\n',
            method.ToUpperInvariant(),
            CanonicalUri(path, normalizePath),
            CanonicalQuery(query),
            canonicalHeaders,
            signedHeaders,
            payloadHash);
        var amzDate = FormatAmzDate(signedAt);
        var date = amzDate[..8];
        var credentialScope = $"{date}/{scope.Region}/{scope.Service}/aws4_request";
        var stringToSign = string.Join('\n', Algorithm, amzDate, credentialScope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = SigningKey(credentials.SecretKey, date, scope.Region, scope.Service);
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        var authorization = $"{Algorithm} Credential={credentials.AccessKey}/{credentialScope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Signature(canonicalRequest, stringToSign, signedHeaders, signature, authorization);
    }

    /// <summary>
    /// Signs an <see cref="HttpRequestMessage"/> in place: sets <c>Host</c> (with the port when not default),
    /// <c>x-amz-date</c>, <c>x-amz-content-sha256</c>, <c>x-amz-security-token</c> (temporary credentials) and
    /// <c>Authorization</c>. Signs <c>host</c>, <c>content-type</c> (when there is a body) and every <c>x-amz-*</c> header.
    /// </summary>
    /// <param name="request">The request; its URI must be absolute.</param>
    /// <param name="body">The exact body bytes that will be sent (empty for none).</param>
    /// <param name="credentials">The credentials.</param>
    /// <param name="scope">Region and service.</param>
    /// <param name="signedAt">The signing time.</param>
    public static void SignRequest(HttpRequestMessage request, ReadOnlySpan<byte> body, SigV4Credentials credentials, SigV4Scope scope, DateTimeOffset signedAt)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var host = uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        var payloadHash = body.IsEmpty ? EmptyBodySha256 : Hex(SHA256.HashData(body));
        var amzDate = FormatAmzDate(signedAt);
        request.Headers.Host = host;
        request.Headers.Remove(DateHeader);
        request.Headers.Remove(ContentSha256Header);
        request.Headers.Remove(SecurityTokenHeader);
        request.Headers.Authorization = null;
        request.Headers.TryAddWithoutValidation(DateHeader, amzDate);
        request.Headers.TryAddWithoutValidation(ContentSha256Header, payloadHash);
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.SessionToken);
        }

        var headers = new List<KeyValuePair<string, string>> { new("host", host) };
        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(header.Key, string.Join(',', header.Value)));
            }
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers.Add(new("content-type", contentType.ToString()));
        }

        var signature = Sign(credentials, scope, signedAt, request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, payloadHash);
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
    }

    /// <summary>Derives the signing key: HMAC chain over date, region, service and <c>aws4_request</c>.</summary>
    public static byte[] SigningKey(string secretKey, string date, string region, string service)
    {
        var kDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretKey), Encoding.UTF8.GetBytes(date));
        var kRegion = HMACSHA256.HashData(kDate, Encoding.UTF8.GetBytes(region));
        var kService = HMACSHA256.HashData(kRegion, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(kService, "aws4_request"u8);
    }

    /// <summary>Formats a time as <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public static string FormatAmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Builds the canonical URI: optional normalization, then every segment encoded (again) per RFC 3986.</summary>
    public static string CanonicalUri(string path, bool normalize)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        if (normalize)
        {
            path = NormalizePath(path);
        }

        var builder = new StringBuilder(path.Length + 16);
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            AppendEncoded(builder, segments[i]);
        }

        return builder.ToString();
    }

    /// <summary>Builds the canonical query: each pair decoded then encoded, sorted by name then value.</summary>
    public static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return string.Empty;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var part in query.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add((Encode(Uri.UnescapeDataString(name)), Encode(Uri.UnescapeDataString(value))));
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Name + "=" + p.Value));
    }

    /// <summary>Encodes a string per RFC 3986: unreserved characters kept, every other UTF-8 byte as <c>%XX</c>.</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        AppendEncoded(builder, value);
        return builder.ToString();
    }

    /// <summary>Lower-case hex of bytes.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static (string Canonical, string Signed) CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.Trim().ToLowerInvariant();
            if (!byName.TryGetValue(key, out var values))
            {
                byName[key] = values = [];
            }

            values.Add(CollapseWhiteSpace(value));
        }

        var canonical = new StringBuilder();
        foreach (var (name, values) in byName)
        {
            canonical.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        }

        return (canonical.ToString(), string.Join(';', byName.Keys));
    }

    private static string CollapseWhiteSpace(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string NormalizePath(string path)
    {
        var output = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                continue;
            }

            output.Add(segment);
        }

        var normalized = "/" + string.Join('/', output);
        var endsWithSlash = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
        return endsWithSlash && normalized.Length > 1 ? normalized + "/" : normalized;
    }

    private static void AppendEncoded(StringBuilder builder, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
                continue;
            }

            int length;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            }

            for (var b = 0; b < length; b++)
            {
                builder.Append('%').Append(utf8[b].ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }
}

/// <summary>Credentials as the signer needs them; <see cref="ToString"/> never shows the secret or the token.</summary>
/// <param name="AccessKey">The access key id.</param>
/// <param name="SecretKey">The secret access key.</param>
/// <param name="SessionToken">The session token of temporary credentials, or <see langword="null"/>.</param>
internal sealed record SigV4Credentials(string AccessKey, string SecretKey, string? SessionToken = null)
{
    /// <inheritdoc/>
    public override string ToString() => $"SigV4Credentials {{ AccessKey = {AccessKey}, SecretKey = ***, SessionToken = {(SessionToken is null ? "none" : "***")} }}";
}

/// <summary>The credential scope's region and service (<c>bedrock</c> for both the control plane and Runtime).</summary>
internal readonly record struct SigV4Scope(string Region, string Service);

/// <summary>A computed signature and the strings it was computed from (no secrets).</summary>
internal sealed record SigV4Signature(string CanonicalRequest, string StringToSign, string SignedHeaders, string Signature, string Authorization);
