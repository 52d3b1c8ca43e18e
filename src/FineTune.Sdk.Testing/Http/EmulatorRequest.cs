using System.Text;

namespace FineTune.Sdk.Testing;

/// <summary>A transport-neutral HTTP request, filled by the in-process handler or the loopback server.</summary>
internal sealed class EmulatorRequest
{
    public EmulatorRequest(string method, string pathAndQuery, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        Method = method.ToUpperInvariant();
        Headers = headers;
        Body = body;
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question >= 0 ? pathAndQuery[..question] : pathAndQuery;
        QueryString = question >= 0 ? pathAndQuery[question..] : string.Empty;
        RawPath = path;
        Query = ParseQuery(question >= 0 ? pathAndQuery[(question + 1)..] : string.Empty);
        path = Uri.UnescapeDataString(path).TrimEnd('/');
        var v1 = path.IndexOf("/v1", StringComparison.Ordinal);
        if (v1 >= 0 && (path.Length == v1 + 3 || path[v1 + 3] == '/'))
        {
            path = path[(v1 + 3)..];
        }

        Path = path.Length == 0 ? "/" : path;
        Segments = Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    public string Method { get; }

    /// <summary>Gets the path below <c>/v1</c>, e.g. <c>/fine_tuning/jobs</c>.</summary>
    public string Path { get; }

    public string[] Segments { get; }

    /// <summary>Gets the path exactly as received (still percent-encoded, <c>/v1</c> kept), for signature checks.</summary>
    public string RawPath { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    /// <summary>Gets the raw query string including <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public byte[] Body { get; }

    public string? ContentType => Headers.TryGetValue("Content-Type", out var value) ? value : null;

    public string? QueryValue(string name)
    {
        foreach (var pair in Query)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    public string BodyText() => Encoding.UTF8.GetString(Body);

    private static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq >= 0 ? part[..eq] : part;
            var value = eq >= 0 ? part[(eq + 1)..] : string.Empty;
            result.Add(new(Uri.UnescapeDataString(key.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' '))));
        }

        return result;
    }
}
