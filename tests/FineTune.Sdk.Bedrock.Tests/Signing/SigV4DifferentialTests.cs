using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Bedrock.Tests;

/// <summary>
/// Differential test against the official JavaScript signer (<c>@smithy/signature-v4</c> 5.7.5, the one
/// <c>@aws-sdk/client-bedrock</c> uses, pinned by the committed package-lock.json in js-signer/): the same
/// generated requests, credentials and clocks give the same <c>Authorization</c> header. A missing node is a
/// failure, never a skip.
/// </summary>
public sealed class SigV4DifferentialTests
{
    private const int RequestCount = 400;

    [Fact]
    public async Task SignRequest_GeneratedRequests_MatchOfficialJavaScriptSigner()
    {
        var random = new Random(20261203);
        var cases = new List<(HttpRequestMessage Request, string Body, SigV4Credentials Credentials, DateTimeOffset Time, string Region)>();
        var lines = new StringBuilder();
        for (var i = 0; i < RequestCount; i++)
        {
            var generated = Generate(random, i);
            cases.Add(generated);
            lines.Append(ToJson(generated)).Append('\n');
        }

        var oracle = await NodeOracle.RunAsync(NodeOracle.SignerFolder, "sign.mjs", lines.ToString());

        oracle.Should().HaveCount(RequestCount);
        var mismatches = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var (request, body, credentials, time, region) = cases[i];
            SigV4Signer.SignRequest(request, Encoding.UTF8.GetBytes(body), credentials, new SigV4Scope(region, "bedrock"), time);
            var ours = request.Headers.GetValues("Authorization").Single();
            using var doc = JsonDocument.Parse(oracle[i]);
            var theirs = doc.RootElement.GetProperty("authorization").GetString();
            if (ours != theirs)
            {
                mismatches.Add($"#{i} {request.Method} {request.RequestUri!.AbsoluteUri}\n ours   {ours}\n theirs {theirs}");
            }

            request.Dispose();
        }

        mismatches.Should().BeEmpty();
    }

    private static (HttpRequestMessage, string, SigV4Credentials, DateTimeOffset, string) Generate(Random random, int index)
    {
        string[] methods = ["GET", "POST", "DELETE", "PATCH", "PUT"];
        string[] roots = ["model-customization-jobs", "custom-models", "provisioned-model-throughput", "model", "model-customization"];
        string[] regions = ["us-east-1", "us-west-2", "eu-central-1"];
        var method = methods[random.Next(methods.Length)];
        var segments = new List<string> { roots[random.Next(roots.Length)] };
        var extra = random.Next(0, 3);
        for (var s = 0; s < extra; s++)
        {
            segments.Add(random.Next(3) switch
            {
                0 => $"arn:aws:bedrock:{regions[random.Next(regions.Length)]}:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/{RandomText(random, 12, "abcdefghijklmnopqrstuvwxyz0123456789")}",
                1 => RandomText(random, random.Next(1, 20), "abcXYZ019-_.~ :/+=!*'()@$&,;%éü中"),
                _ => "stop",
            });
        }

        var path = "/" + string.Join('/', segments.Select(s => s is "." or ".." ? "x" : Uri.EscapeDataString(s)));
        var query = new List<(string Name, string Value)>();
        var queryCount = random.Next(0, 4);
        for (var q = 0; q < queryCount; q++)
        {
            query.Add((RandomText(random, random.Next(1, 10), "abcdefXYZ09-_"), RandomText(random, random.Next(0, 12), "abcXYZ019-_.~ :/+=&é")));
        }

        var port = random.Next(3) switch { 0 => 80, 1 => 4566, _ => random.Next(1024, 65535) };
        var uri = $"http://127.0.0.1:{port}{path}" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value))));
        var request = new HttpRequestMessage(new HttpMethod(method), uri);
        var body = method is "POST" or "PUT" or "PATCH" && random.Next(4) > 0
            ? "{\"jobName\":\"" + RandomText(random, random.Next(1, 30), "abc 019\u00e9\u4e2d\\\"") + "\"}"
            : string.Empty;
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (random.Next(3) == 0)
        {
            request.Headers.TryAddWithoutValidation("x-amz-meta-note", "  a   b\tc  ");
        }

        var credentials = new SigV4Credentials(
            "AKID" + RandomText(random, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            RandomText(random, 40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+"),
            random.Next(2) == 0 ? null : RandomText(random, 60, "abcdefghijklmnopqrstuvwxyz0123456789/+="));
        var time = DateTimeOffset.FromUnixTimeSeconds(1_400_000_000L + (random.NextInt64(500_000_000) + index));
        return (request, body, credentials, time, regions[random.Next(regions.Length)]);
    }

    private static string ToJson((HttpRequestMessage Request, string Body, SigV4Credentials Credentials, DateTimeOffset Time, string Region) item)
    {
        var uri = item.Request.RequestUri!;
        var query = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            (query.TryGetValue(name, out var values) ? values : query[name] = []).Add(value);
        }

        var headers = new Dictionary<string, string> { ["host"] = uri.IsDefaultPort ? uri.Host : uri.Authority };
        if (item.Request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        if (item.Request.Headers.TryGetValues("x-amz-meta-note", out var note))
        {
            headers["x-amz-meta-note"] = note.Single();
        }

        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["method"] = item.Request.Method.Method,
            ["hostname"] = uri.Host,
            ["port"] = uri.IsDefaultPort ? null : uri.Port,
            ["path"] = uri.AbsolutePath,
            ["query"] = query.ToDictionary(p => p.Key, p => p.Value.Count == 1 ? (object)p.Value[0] : p.Value),
            ["headers"] = headers,
            ["body"] = item.Body,
            ["accessKey"] = item.Credentials.AccessKey,
            ["secretKey"] = item.Credentials.SecretKey,
            ["sessionToken"] = item.Credentials.SessionToken,
            ["region"] = item.Region,
            ["service"] = "bedrock",
            ["time"] = item.Time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        });
    }

    private static string RandomText(Random random, int length, string alphabet)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return builder.ToString();
    }
}
