using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FineTune.Sdk.Testing;

namespace FineTune.Tests;

/// <summary>
/// Validates every control-plane and Runtime answer a <see cref="BedrockEmulator"/> gives against the published API models
/// (shared/reference bedrock-service-2.json and bedrock-runtime-service-2.json): the operation found by method and URI
/// pattern, its success status, and the output shape — required members, no undefined member, types, enum values,
/// lengths and patterns, ConverseStream events against <c>ConverseStreamOutput</c>; errors against their error shape and
/// status (common AWS errors outside the models — signature and authentication errors — are accepted by name). S3 paths
/// are outside these models and skipped. Installed for every emulator a test assembly creates (module initializer);
/// violations are thrown when the emulator is disposed, so the test that drove it fails.
/// </summary>
internal sealed partial class BedrockApiModelValidator : IEmulatorResponseObserver
{
    /// <summary>Errors every AWS JSON service answers that the service models do not list.</summary>
    private static readonly HashSet<string> CommonErrors = new(StringComparer.Ordinal)
    {
        "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException", "UnknownOperationException",
        "IncompleteSignatureException", "ExpiredTokenException",
    };

    private static readonly Lazy<ApiModel> ControlPlane = new(() => new ApiModel(Load("bedrock-service-2.json")));
    private static readonly Lazy<ApiModel> Runtime = new(() => new ApiModel(Load("bedrock-runtime-service-2.json")));
    private readonly List<string> _violations = [];
    private int _checked;

    /// <summary>Gets the number of answers validated against an operation so far.</summary>
    public int Checked => Volatile.Read(ref _checked);

    /// <summary>Gets the most recently created validator on this async flow (for tests that check the checker).</summary>
    public static BedrockApiModelValidator? Last => LastCreated.Value;

    private static AsyncLocal<BedrockApiModelValidator?> LastCreated { get; } = new();

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly installs its oracle before any test runs.")]
    internal static void Install() => BedrockEmulator.ObserverFactory = () =>
    {
        var validator = new BedrockApiModelValidator();
        LastCreated.Value = validator;
        return validator;
    };

    public void OnResponse(EmulatorRequest request, EmulatorResponse response)
    {
        if (request.Headers.TryGetValue("Authorization", out var authorization) && authorization.Contains("/s3/aws4_request", StringComparison.Ordinal))
        {
            return; // S3 is outside the Bedrock models
        }

        var violations = Validate(request.Method, request.RawPath, response.StatusCode, response.ContentType, response.Headers, response.Body, out var matched);
        if (matched)
        {
            Interlocked.Increment(ref _checked);
        }

        if (violations.Count > 0)
        {
            lock (_violations)
            {
                _violations.AddRange(violations);
            }
        }
    }

    public void OnDisposed()
    {
        lock (_violations)
        {
            if (_violations.Count > 0)
            {
                throw new InvalidOperationException("The Bedrock emulator answered outside the API models:\n" + string.Join("\n", _violations.Take(20)));
            }
        }
    }

    /// <summary>Validates one answer; <paramref name="matched"/> tells whether an operation of the models was found.</summary>
    public static IReadOnlyList<string> Validate(string method, string rawPath, int status, string contentType, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, out bool matched)
    {
        matched = false;
        if (status == 0)
        {
            return [];
        }

        var (api, operation) = Find(method, rawPath);
        if (operation is null)
        {
            return [];
        }

        matched = true;
        var problems = new List<string>();
        var where = $"{method} {rawPath} ({operation.Value.GetProperty("name").GetString()}) → {status}";
        if (status >= 400)
        {
            var errorType = headers.FirstOrDefault(h => string.Equals(h.Key, "x-amzn-ErrorType", StringComparison.OrdinalIgnoreCase)).Value;
            var code = errorType?.Split(':')[0];
            if (code is null)
            {
                problems.Add($"{where}: an error without x-amzn-ErrorType");
            }
            else if (api!.Shapes.TryGetProperty(code, out var shape) && shape.TryGetProperty("error", out var error))
            {
                if (error.TryGetProperty("httpStatusCode", out var expected) && expected.GetInt32() != status)
                {
                    problems.Add($"{where}: {code} is {expected.GetInt32()} in the model");
                }

                var json = JsonNode.Parse(body)!.AsObject();
                json.Remove("__type");
                Check(api, code, json, where, problems);
            }
            else if (!CommonErrors.Contains(code))
            {
                problems.Add($"{where}: error {code} is neither in the model nor a common AWS error");
            }

            return problems;
        }

        var definition = operation.Value;
        var expectedStatus = definition.GetProperty("http").TryGetProperty("responseCode", out var responseCode) ? responseCode.GetInt32() : 200;
        if (status != expectedStatus)
        {
            problems.Add($"{where}: the model answers {expectedStatus}");
        }

        if (!definition.TryGetProperty("output", out var output))
        {
            return problems;
        }

        var outputShape = output.GetProperty("shape").GetString()!;
        if (contentType.StartsWith("application/vnd.amazon.eventstream", StringComparison.Ordinal))
        {
            var union = api!.Shapes.GetProperty("ConverseStreamOutput").GetProperty("members");
            foreach (var (eventHeaders, payload) in EventStream.Parse(body))
            {
                var type = eventHeaders[":event-type"];
                if (!union.TryGetProperty(type, out var member))
                {
                    problems.Add($"{where}: event {type} is not a member of ConverseStreamOutput");
                    continue;
                }

                Check(api, member.GetProperty("shape").GetString()!, JsonNode.Parse(payload), where + " event " + type, problems);
            }
        }
        else if (contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            Check(api!, outputShape, body.Length == 0 ? new JsonObject() : JsonNode.Parse(body), where, problems);
        }
        else
        {
            problems.Add($"{where}: content type {contentType} for a JSON operation");
        }

        return problems;
    }

    private static (ApiModel? Api, JsonElement? Operation) Find(string method, string rawPath)
    {
        foreach (var api in new[] { ControlPlane.Value, Runtime.Value })
        {
            JsonElement? best = null;
            var bestLiterals = -1;
            foreach (var (pattern, literals, operation) in api.Routes)
            {
                if (operation.GetProperty("http").GetProperty("method").GetString() == method && pattern.IsMatch(rawPath) && literals > bestLiterals)
                {
                    best = operation;
                    bestLiterals = literals;
                }
            }

            if (best is not null)
            {
                return (api, best);
            }
        }

        return (null, null);
    }

    /// <summary>Checks <paramref name="value"/> against a shape of the model, adding every deviation to <paramref name="problems"/>.</summary>
    internal static void Check(ApiModel api, string shapeName, JsonNode? value, string path, List<string> problems)
    {
        var shape = api.Shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                if (value is not JsonObject obj)
                {
                    problems.Add($"{path}: expected an object ({shapeName})");
                    return;
                }

                var members = shape.GetProperty("members");
                if (shape.TryGetProperty("required", out var required))
                {
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                    {
                        // Members bound to headers or the URI are not in the JSON body.
                        if (!obj.ContainsKey(name) && !(members.GetProperty(name).TryGetProperty("location", out _)))
                        {
                            problems.Add($"{path}: required member '{name}' of {shapeName} is missing");
                        }
                    }
                }

                foreach (var (name, child) in obj)
                {
                    if (!members.TryGetProperty(name, out var member))
                    {
                        problems.Add($"{path}: member '{name}' is not defined by {shapeName}");
                        continue;
                    }

                    Check(api, member.GetProperty("shape").GetString()!, child, path + "." + name, problems);
                }

                if (shape.TryGetProperty("union", out var union) && union.GetBoolean() && obj.Count != 1)
                {
                    problems.Add($"{path}: union {shapeName} must have exactly one member");
                }

                return;
            case "list":
                if (value is not JsonArray array)
                {
                    problems.Add($"{path}: expected an array ({shapeName})");
                    return;
                }

                CheckSize(shape, array.Count, path, problems);
                for (var i = 0; i < array.Count; i++)
                {
                    Check(api, shape.GetProperty("member").GetProperty("shape").GetString()!, array[i], $"{path}[{i}]", problems);
                }

                return;
            case "map":
                if (value is not JsonObject map)
                {
                    problems.Add($"{path}: expected a map ({shapeName})");
                    return;
                }

                foreach (var (key, item) in map)
                {
                    Check(api, shape.GetProperty("key").GetProperty("shape").GetString()!, JsonValue.Create(key), $"{path}<key>", problems);
                    Check(api, shape.GetProperty("value").GetProperty("shape").GetString()!, item, $"{path}.{key}", problems);
                }

                return;
            case "string":
                if (value is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                {
                    problems.Add($"{path}: expected a string ({shapeName})");
                    return;
                }

                var text = s.GetValue<string>();
                if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(e => e.GetString() == text))
                {
                    problems.Add($"{path}: '{text}' is not a value of enum {shapeName}");
                }

                CheckSize(shape, text.Length, path, problems);
                if (shape.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    problems.Add($"{path}: '{text}' does not match the pattern of {shapeName}");
                }

                return;
            case "timestamp":
                if (value is not JsonValue t || t.GetValueKind() != JsonValueKind.String
                    || !DateTimeOffset.TryParseExact(t.GetValue<string>(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                {
                    problems.Add($"{path}: expected an ISO-8601 timestamp ({shapeName}), got {value?.ToJsonString()}");
                }

                return;
            case "integer" or "long":
                if (value is not JsonValue whole || whole.GetValueKind() != JsonValueKind.Number || !long.TryParse(whole.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    problems.Add($"{path}: expected an integer ({shapeName})");
                    return;
                }

                CheckSize(shape, number, path, problems);
                return;
            case "float" or "double":
                if (value is not JsonValue f || f.GetValueKind() != JsonValueKind.Number)
                {
                    problems.Add($"{path}: expected a number ({shapeName})");
                }

                return;
            case "boolean":
                if (value is not JsonValue b || b.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{path}: expected a boolean ({shapeName})");
                }

                return;
            case "document":
                return;
            default:
                problems.Add($"{path}: shape type '{type}' of {shapeName} is not checked");
                return;
        }
    }

    private static void CheckSize(JsonElement shape, long size, string path, List<string> problems)
    {
        if (shape.TryGetProperty("min", out var min) && size < min.GetInt64())
        {
            problems.Add($"{path}: {size} is below the minimum {min}");
        }

        if (shape.TryGetProperty("max", out var max) && size > max.GetInt64())
        {
            problems.Add($"{path}: {size} is above the maximum {max}");
        }
    }

    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Shared, "reference", file))).RootElement;

    /// <summary>An API model with its operations' URI patterns, most specific first.</summary>
    internal sealed class ApiModel
    {
        public ApiModel(JsonElement model)
        {
            Shapes = model.GetProperty("shapes");
            foreach (var operation in model.GetProperty("operations").EnumerateObject())
            {
                var uri = operation.Value.GetProperty("http").GetProperty("requestUri").GetString()!.Split('?')[0];
                var regex = "^" + Label().Replace(Regex.Escape(uri).Replace(@"\{", "{", StringComparison.Ordinal), m => m.Groups[1].Value.EndsWith('+') ? ".+" : "[^/]+") + "/?$";
                Routes.Add((new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), Label().Replace(uri, string.Empty).Length, operation.Value));
            }
        }

        public JsonElement Shapes { get; }

        public List<(Regex Pattern, int Literals, JsonElement Operation)> Routes { get; } = [];
    }

    [GeneratedRegex(@"\{([^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
