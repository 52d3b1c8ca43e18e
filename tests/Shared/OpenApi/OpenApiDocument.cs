using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace FineTune.Tests;

/// <summary>
/// OpenAI's published OpenAPI document (<c>../shared/reference/openai-openapi.json</c>, openai/openai-openapi 2.3.0,
/// MIT) as an oracle we did not write: each operation's response schema, the error envelope, and the example responses
/// under <c>x-oaiMeta</c>. Loaded once per test process.
/// </summary>
internal sealed partial class OpenApiDocument
{
    private const string BaseUri = "https://openai-openapi.oracle.test/components";
    private static readonly Lazy<OpenApiDocument> Instance = new(() => new OpenApiDocument(Path.Combine(RepoPaths.Shared, "reference", "openai-openapi.json")));
    private readonly List<Operation> _operations = [];
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly BuildOptions _buildOptions;
    private readonly JsonObject _paths;

    private OpenApiDocument(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        _paths = root["paths"]!.AsObject();
        var components = root["components"]!["schemas"]!.DeepClone().AsObject();
        Normalize(components);
        OpenApiTolerances.PatchSchemas(components);

        // The components become the $defs of one registered schema; every operation's schema is a $ref into it.
        var text = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$id"] = BaseUri, ["$defs"] = components }
            .ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        _buildOptions = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        JsonSchema.FromText(text, _buildOptions);

        foreach (var (template, item) in _paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var schema = operation?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>();
                var pattern = "^" + PathParameter().Replace(Regex.Escape(template), "[^/]+") + "$";
                _operations.Add(new Operation(method.ToUpperInvariant(), template, new Regex(pattern, RegexOptions.CultureInvariant), schema?["#/components/schemas/".Length..]));
            }
        }
    }

    /// <summary>Gets the document.</summary>
    public static OpenApiDocument Default => Instance.Value;

    /// <summary>Finds the operation serving a request path below <c>/v1</c>, e.g. <c>POST /fine_tuning/jobs/ftjob-1/cancel</c>.</summary>
    public Operation? Find(string method, string path) =>
        _operations.FirstOrDefault(o => o.Method == method && o.PathPattern.IsMatch(path));

    /// <summary>Gets the schema of a component (e.g. <c>FineTuningJob</c>, <c>ErrorResponse</c>).</summary>
    public JsonSchema Schema(string component)
    {
        lock (_schemas)
        {
            if (!_schemas.TryGetValue(component, out var schema))
            {
                schema = JsonSchema.FromText($$"""{"$ref":"{{BaseUri}}#/$defs/{{component}}"}""", _buildOptions);
                _schemas[component] = schema;
            }

            return schema;
        }
    }

    /// <summary>Gets the example responses of an operation from its <c>x-oaiMeta.examples</c>, parsed leniently: the
    /// document's examples carry trailing commas and one Python <c>None</c> (read as null) and list items elided as
    /// <c>{ ... }</c> (dropped); an example still not JSON is skipped.</summary>
    public IReadOnlyList<JsonElement> ExampleResponses(string method, string template)
    {
        var examples = _paths[template]?[method.ToLowerInvariant()]?["x-oaiMeta"]?["examples"];
        var texts = examples switch
        {
            JsonArray array => array.Select(e => e?["response"]?.GetValue<string>()),
            JsonObject one => [one["response"]?.GetValue<string>()],
            _ => [],
        };
        var options = new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
        var parsed = new List<JsonElement>();
        foreach (var text in texts.Where(t => !string.IsNullOrWhiteSpace(t)))
        {
            try
            {
                parsed.Add(JsonDocument.Parse(ElidedItem().Replace(PythonNone().Replace(text!, ": null"), string.Empty), options).RootElement.Clone());
            }
            catch (JsonException)
            {
                // Prose, not a response; the tests pin how many examples parse.
            }
        }

        return parsed;
    }

    /// <summary>Rewrites the two OpenAPI 3.0 leftovers the document still uses into JSON Schema 2020-12, meaning what
    /// they meant (these are not tolerances: they make the schema say what its authors wrote):
    /// <c>nullable: true</c> (also null) and a boolean <c>exclusiveMinimum</c> (the <c>minimum</c> is exclusive).</summary>
    private static void Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj.ToList())
                {
                    Normalize(value);
                }

                if (obj["exclusiveMinimum"] is JsonValue exclusive && exclusive.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    obj.Remove("exclusiveMinimum");
                    if (exclusive.GetValueKind() == JsonValueKind.True && obj["minimum"] is { } minimum)
                    {
                        obj.Remove("minimum");
                        obj["exclusiveMinimum"] = minimum;
                    }
                }

                if (obj["nullable"] is JsonValue nullable && nullable.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    obj.Remove("nullable");
                    if (nullable.GetValueKind() == JsonValueKind.True)
                    {
                        var inner = new JsonObject();
                        foreach (var (key, value) in obj.ToList())
                        {
                            obj.Remove(key);
                            inner[key] = value;
                        }

                        obj["anyOf"] = new JsonArray(inner, new JsonObject { ["type"] = "null" });
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Normalize(item);
                }

                break;
        }
    }

    [GeneratedRegex(@",\s*\{\s*\.\.\.\s*\}")]
    private static partial Regex ElidedItem();

    [GeneratedRegex(@":\s*None\b")]
    private static partial Regex PythonNone();

    [GeneratedRegex(@"\\\{[^}]+}")]
    private static partial Regex PathParameter();

    /// <summary>One operation: method, path template, and the component its 200 response is (null when not JSON).</summary>
    internal sealed record Operation(string Method, string Template, Regex PathPattern, string? ResponseComponent);
}
