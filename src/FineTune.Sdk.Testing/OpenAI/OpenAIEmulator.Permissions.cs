using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Checkpoint permissions (openai.md 1.5): share a checkpoint model with projects. The admin-key requirement is not emulated.</content>
public sealed partial class OpenAIEmulator
{
    private readonly List<(string Id, string Checkpoint, string ProjectId, long CreatedAt, long Sequence)> _permissions = [];

    private EmulatorResponse RoutePermissions(EmulatorRequest request, string[] s)
    {
        // /fine_tuning/checkpoints/{checkpoint}/permissions[/{permission_id}]
        var checkpoint = s[2];
        RequireCheckpointModel(checkpoint);
        if (s.Length == 4 && request.Method == "GET")
        {
            return ListPermissions(checkpoint, request);
        }

        if (s.Length == 4 && request.Method == "POST")
        {
            return CreatePermissions(checkpoint, request);
        }

        if (s.Length == 5 && request.Method == "DELETE")
        {
            var index = _permissions.FindIndex(p => p.Id == s[4] && p.Checkpoint == checkpoint);
            if (index < 0)
            {
                throw OpenAIApiException.NotFound($"No such checkpoint permission: {s[4]}", "permission_id");
            }

            _permissions.RemoveAt(index);
            return Ok(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", s[4]);
                w.WriteString("object", "checkpoint.permission");
                w.WriteBoolean("deleted", true);
                w.WriteEndObject();
            });
        }

        throw OpenAIApiException.NotFound($"Invalid URL ({request.Method} /v1{request.Path})");
    }

    private void RequireCheckpointModel(string model)
    {
        if (FindJobForModel(model) is null)
        {
            throw OpenAIApiException.NotFound($"Checkpoint {model} not found.", "fine_tuned_model_checkpoint", "model_not_found");
        }
    }

    private EmulatorResponse CreatePermissions(string checkpoint, EmulatorRequest request)
    {
        using var document = ParseJsonBody(request);
        if (!document.RootElement.TryGetProperty("project_ids", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0)
        {
            throw OpenAIApiException.BadRequest("Missing required parameter: 'project_ids'.", "project_ids", "missing_required_parameter");
        }

        var created = new List<(string Id, string Checkpoint, string ProjectId, long CreatedAt, long Sequence)>();
        foreach (var id in ids.EnumerateArray())
        {
            var projectId = id.ValueKind == JsonValueKind.String ? id.GetString()! : throw OpenAIApiException.BadRequest("Invalid 'project_ids': expected strings.", "project_ids");
            var permission = (RandomId("cp_", 24), checkpoint, projectId, Now(), NextSequence());
            _permissions.Add(permission);
            created.Add(permission);
        }

        return Ok(w => JsonBody.WriteList(w, created, false, p => p.Id, WritePermission, withCursorIds: true));
    }

    private EmulatorResponse ListPermissions(string checkpoint, EmulatorRequest request)
    {
        var limit = Limit(request, 10, 100);
        var order = request.QueryValue("order") ?? "descending";
        if (order is not ("ascending" or "descending"))
        {
            throw OpenAIApiException.BadRequest($"Invalid 'order': expected 'ascending' or 'descending', got '{order}'.", "order");
        }

        var projectId = request.QueryValue("project_id");
        var matching = _permissions.Where(p => p.Checkpoint == checkpoint && (projectId is null || p.ProjectId == projectId));
        var ordered = (order == "ascending" ? matching.OrderBy(p => p.Sequence) : matching.OrderByDescending(p => p.Sequence)).ToList();
        var (page, hasMore) = Paginate(ordered, p => p.Id, request.QueryValue("after"), limit);
        return Ok(w => JsonBody.WriteList(w, page, hasMore, p => p.Id, WritePermission, withCursorIds: true));
    }

    private static void WritePermission(Utf8JsonWriter w, (string Id, string Checkpoint, string ProjectId, long CreatedAt, long Sequence) permission)
    {
        w.WriteStartObject();
        w.WriteString("id", permission.Id);
        w.WriteString("object", "checkpoint.permission");
        w.WriteNumber("created_at", permission.CreatedAt);
        w.WriteString("project_id", permission.ProjectId);
        w.WriteEndObject();
    }
}
