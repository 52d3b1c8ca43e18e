using System.Text.Json.Nodes;

namespace FineTune.Tests;

/// <summary>
/// The ONE place where the emulator may differ from OpenAI's OpenAPI document: only where live responses are recorded to
/// differ the same way. Each tolerance names its source (<c>../shared/reference/openai.md</c>, section and evidence tag)
/// and rewrites the response to what the document accepts before validation; anything else the document rejects
/// fails the test that drove the emulator.
/// </summary>
internal static class OpenApiTolerances
{
    /// <summary>Gets the tolerances. A schema patch changes the document once, at load; a response rewrite undoes a
    /// deviation in one response before it is validated.</summary>
    public static IReadOnlyList<Tolerance> All { get; } =
    [
        new(
            "empty error object on a job that has not failed",
            "openai.md §1.6, row 'error': `{}` on non-failed jobs in live responses [REC: openai-dotnet SessionRecords/FineTuningClientTests]; the document allows only null or {code, message, param}",
            RewriteResponse: node => ForEach(node, "fine_tuning.job", job =>
            {
                if (job["error"] is JsonObject { Count: 0 } && job["status"]?.GetValue<string>() != "failed")
                {
                    job["error"] = null;
                }
            })),
        new(
            "status 'paused' on a fine-tuning job",
            "openai.md §1.5 (pause returns status 'paused' — the document's own example for POST /fine_tuning/jobs/{id}/pause) and §1.6 'Status values': 'paused' is not in the document's status enum",
            PatchSchema: components => components["FineTuningJob"]!["properties"]!["status"]!["enum"]!.AsArray().Add("paused")),
        new(
            "null for a field the document marks optional (not in its object's 'required')",
            "openai.md §1.6 (estimated_finish, metadata null in live jobs [REC]), §1.7 (event 'data' null on 'Fine-tuning job started' [REC]), §1.2 (file 'expires_at' nullable [SPEC, PY]); the document types these fields without null",
            PatchSchema: NullForOptionalProperties),
        new(
            "null first_id/last_id on an empty list page",
            "openai.md §1.1 and §6.5 (lists add first_id/last_id) record no empty page; the document requires strings, and no id exists on an empty page. Third-party mocks of these lists return null [3P]; the only tolerance without a recording",
            RewriteResponse: node =>
            {
                if (node is JsonObject { } list && list["object"]?.GetValue<string>() == "list" && list["data"] is JsonArray { Count: 0 })
                {
                    foreach (var key in new[] { "first_id", "last_id" })
                    {
                        if (list.ContainsKey(key) && list[key] is null)
                        {
                            list[key] = string.Empty;
                        }
                    }
                }
            }),
    ];

    /// <summary>Applies the schema patches to the document's components (once, at load).</summary>
    public static void PatchSchemas(JsonObject components)
    {
        foreach (var tolerance in All)
        {
            tolerance.PatchSchema?.Invoke(components);
        }
    }

    /// <summary>Applies the response rewrites to a response about to be validated.</summary>
    public static void Apply(JsonNode? response)
    {
        foreach (var tolerance in All)
        {
            tolerance.RewriteResponse?.Invoke(response);
        }
    }

    private static void NullForOptionalProperties(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj.ToList())
                {
                    NullForOptionalProperties(child);
                }

                if (obj["properties"] is JsonObject properties && obj["type"]?.GetValue<string>() is null or "object")
                {
                    var required = (obj["required"] as JsonArray)?.Select(r => r?.GetValue<string>()).ToHashSet() ?? [];
                    foreach (var (name, schema) in properties.ToList())
                    {
                        if (!required.Contains(name) && schema is JsonObject)
                        {
                            properties[name] = new JsonObject { ["anyOf"] = new JsonArray(schema.DeepClone(), new JsonObject { ["type"] = "null" }) };
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    NullForOptionalProperties(item);
                }

                break;
        }
    }

    /// <summary>Calls <paramref name="action"/> on every object in <paramref name="node"/> whose <c>object</c> is <paramref name="type"/>.</summary>
    private static void ForEach(JsonNode? node, string type, Action<JsonObject> action)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["object"] is JsonValue value && value.TryGetValue<string>(out var objectType) && objectType == type)
                {
                    action(obj);
                }

                foreach (var (_, child) in obj.ToList())
                {
                    ForEach(child, type, action);
                }

                break;
            case JsonArray array:
                foreach (var item in array.ToList())
                {
                    ForEach(item, type, action);
                }

                break;
        }
    }

    /// <summary>One tolerated deviation: what it is, where live behaviour is recorded, and how it is undone.</summary>
    internal sealed record Tolerance(string Name, string Source, Action<JsonObject>? PatchSchema = null, Action<JsonNode?>? RewriteResponse = null);
}
