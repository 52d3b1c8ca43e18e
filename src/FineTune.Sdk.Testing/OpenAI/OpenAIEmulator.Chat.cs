using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Chat completions and models: how trained and base models answer (docs/emulator.md).</content>
public sealed partial class OpenAIEmulator
{
    private const long BaseModelOwnerCreated = 1_700_000_000;

    private EmulatorResponse ChatCompletion(EmulatorRequest request)
    {
        using var document = ParseJsonBody(request);
        var root = document.RootElement;
        var model = OptionalString(root, "model") ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw OpenAIApiException.BadRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }

        var n = root.TryGetProperty("n", out var nElement) && nElement.ValueKind == JsonValueKind.Number ? nElement.GetInt32() : 1;
        if (n is < 1 or > 128)
        {
            throw OpenAIApiException.BadRequest("Invalid 'n': expected an integer between 1 and 128.", "n", "integer_out_of_range");
        }

        var prompt = TrainingFile.LastUserPrompt(messages) ?? string.Empty;
        var answer = Answer(model, prompt);
        var legacyFunctions = root.TryGetProperty("functions", out var functions) && functions.ValueKind == JsonValueKind.Array
            && !(root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array);
        // Usage comes from the SDK's tokenizer and chat accounting: prompt = the request's messages (and tools) under the
        // billing formula, completion = the answer's tokens.
        var tokenizer = TiktokenTokenizer.ForModel(model);
        var promptTokens = new ChatTokenAccounting(tokenizer).CountExample(root).Total;
        var completionTokens = Math.Max(1, tokenizer.CountTokens(answer.Value));
        var finishReason = answer.Kind switch
        {
            LearnedAnswer.Text => "stop",
            LearnedAnswer.FunctionCall when legacyFunctions => "function_call",
            _ => "tool_calls",
        };
        var maxTokens = root.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind == JsonValueKind.Number ? mct.GetInt32()
            : root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32() : int.MaxValue;
        if (answer.Kind == LearnedAnswer.Text && completionTokens > maxTokens)
        {
            answer = answer with { Value = tokenizer.Decode(tokenizer.Encode(answer.Value).AsSpan(0, Math.Max(0, maxTokens))) };
            completionTokens = maxTokens;
            finishReason = "length";
        }

        var calls = AnswerBook.Calls(answer);
        var callIds = calls.Select(_ => RandomId("call_", 24)).ToList();
        var id = RandomId("chatcmpl-", 29);
        var created = Now();
        var stream = root.TryGetProperty("stream", out var streamElement) && streamElement.ValueKind == JsonValueKind.True;
        var reply = new ChatReply(id, created, model, n, answer, calls, callIds, legacyFunctions, finishReason);
        if (stream)
        {
            var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
                && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            return StreamChat(reply, includeUsage ? (promptTokens, completionTokens * n) : null);
        }

        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            for (var i = 0; i < n; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("index", i);
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                WriteAnswer(w, reply, withIndexes: false);
                w.WriteNull("refusal");
                w.WriteStartArray("annotations");
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteNull("logprobs");
                w.WriteString("finish_reason", finishReason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteUsage(w, promptTokens, completionTokens * n);
            w.WriteString("service_tier", "default");
            w.WriteNull("system_fingerprint");
            w.WriteEndObject();
        });
    }

    /// <summary>Writes <c>content</c> and, for trained tool answers, <c>tool_calls</c> or the legacy <c>function_call</c>.</summary>
    private static void WriteAnswer(Utf8JsonWriter w, ChatReply reply, bool withIndexes)
    {
        if (reply.Answer.Kind == LearnedAnswer.Text)
        {
            w.WriteString("content", reply.Answer.Value);
            return;
        }

        w.WriteNull("content");
        if (reply.Answer.Kind == LearnedAnswer.FunctionCall && reply.LegacyFunctions)
        {
            w.WriteStartObject("function_call");
            w.WriteString("name", reply.Calls[0].Name);
            w.WriteString("arguments", reply.Calls[0].Arguments);
            w.WriteEndObject();
            return;
        }

        w.WriteStartArray("tool_calls");
        for (var i = 0; i < reply.Calls.Count; i++)
        {
            w.WriteStartObject();
            if (withIndexes)
            {
                w.WriteNumber("index", i);
            }

            w.WriteString("id", reply.CallIds[i]);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", reply.Calls[i].Name);
            w.WriteString("arguments", reply.Calls[i].Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static EmulatorResponse StreamChat(ChatReply reply, (int Prompt, int Completion)? usage)
    {
        var body = new StringBuilder();
        void Chunk(Action<Utf8JsonWriter> choices, bool withUsage)
        {
            var json = JsonBody.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("id", reply.Id);
                w.WriteString("object", "chat.completion.chunk");
                w.WriteNumber("created", reply.Created);
                w.WriteString("model", reply.Model);
                w.WriteNull("system_fingerprint");
                w.WriteStartArray("choices");
                choices(w);
                w.WriteEndArray();
                if (withUsage)
                {
                    WriteUsage(w, usage!.Value.Prompt, usage.Value.Completion);
                }
                else if (usage is not null)
                {
                    w.WriteNull("usage");
                }

                w.WriteEndObject();
            });
            body.Append("data: ").Append(Encoding.UTF8.GetString(json)).Append("\n\n");
        }

        for (var i = 0; i < reply.N; i++)
        {
            var index = i;
            Chunk(w => WriteDelta(w, index, reply, finishReason: null), withUsage: false);
            Chunk(w => WriteDelta(w, index, null, reply.FinishReason), withUsage: false);
        }

        if (usage is not null)
        {
            Chunk(_ => { }, withUsage: true);
        }

        body.Append("data: [DONE]\n\n");
        return EmulatorResponse.Text(200, "text/event-stream", body.ToString());
    }

    private static void WriteDelta(Utf8JsonWriter w, int index, ChatReply? reply, string? finishReason)
    {
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        if (reply is not null)
        {
            w.WriteString("role", "assistant");
            WriteAnswer(w, reply, withIndexes: true);
            w.WriteNull("refusal");
        }

        w.WriteEndObject();
        w.WriteNull("logprobs");
        JsonBody.WriteNullableString(w, "finish_reason", finishReason);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, int promptTokens, int completionTokens)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", promptTokens);
        w.WriteNumber("completion_tokens", completionTokens);
        w.WriteNumber("total_tokens", promptTokens + completionTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The answer rule of docs/emulator.md: trained pairs first, then the nearest trained prompt by word overlap, then the deliberately imperfect base model.</summary>
    private LearnedAnswer Answer(string model, string prompt)
    {
        if (model.StartsWith("ft:", StringComparison.Ordinal))
        {
            var job = FindJobForModel(model) ?? throw ModelNotFound(model);
            return _answers.GeneralisedAnswer(job.Learned, job.BaseModel.Id, prompt, Options.BaseModelAccuracy);
        }

        var baseModel = ModelCatalog.Find(model) ?? throw ModelNotFound(model);
        return _answers.BaseAnswer(baseModel.Id, prompt, Options.BaseModelAccuracy);
    }

    /// <summary>Everything one chat answer needs to be written, plain or streamed.</summary>
    private sealed record ChatReply(
        string Id, long Created, string Model, int N, LearnedAnswer Answer, List<(string Name, string Arguments)> Calls, List<string> CallIds, bool LegacyFunctions, string FinishReason);

    private EmulatedJob? FindJobForModel(string model)
    {
        if (_deletedModels.Contains(model))
        {
            return null;
        }

        foreach (var job in _jobs.Values)
        {
            if (job.FineTunedModel == model || job.Checkpoints.Any(c => c.Model == model))
            {
                return job;
            }
        }

        return null;
    }

    private static OpenAIApiException ModelNotFound(string model) =>
        OpenAIApiException.NotFound($"The model `{model}` does not exist or you do not have access to it.", null, "model_not_found");

    private EmulatorResponse ListModels()
    {
        var models = new List<(string Id, long Created, string Owner)>();
        foreach (var model in ModelCatalog.Models)
        {
            models.Add((model.Id, model.Created, "system"));
        }

        foreach (var (alias, snapshot) in ModelCatalog.AliasMap)
        {
            models.Add((alias, ModelCatalog.Find(snapshot)!.Created, "system"));
        }

        foreach (var job in _jobs.Values.OrderBy(j => j.Sequence))
        {
            if (job.FineTunedModel is not null && !_deletedModels.Contains(job.FineTunedModel))
            {
                models.Add((job.FineTunedModel, job.FinishedAt ?? job.CreatedAt, Options.OrganizationSlug));
            }
        }

        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var (id, created, owner) in models)
            {
                WriteModel(w, id, created, owner);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private EmulatorResponse RetrieveModel(string id)
    {
        if (id.StartsWith("ft:", StringComparison.Ordinal))
        {
            var job = FindJobForModel(id) ?? throw ModelNotFound(id);
            return Ok(w => WriteModel(w, id, job.FinishedAt ?? job.CreatedAt, Options.OrganizationSlug));
        }

        var model = ModelCatalog.Find(id) ?? throw ModelNotFound(id);
        return Ok(w => WriteModel(w, id, model.Created, "system"));
    }

    private EmulatorResponse DeleteModel(string id)
    {
        if (!id.StartsWith("ft:", StringComparison.Ordinal))
        {
            throw new OpenAIApiException(403, "You do not have permission to delete this model.", "invalid_request_error", "model", "model_not_deletable");
        }

        _ = FindJobForModel(id) ?? throw ModelNotFound(id);
        _deletedModels.Add(id);
        return Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "model");
            w.WriteBoolean("deleted", true);
            w.WriteEndObject();
        });
    }

    private static void WriteModel(Utf8JsonWriter w, string id, long created, string owner)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", created);
        w.WriteString("owned_by", owner);
        w.WriteEndObject();
    }
}
