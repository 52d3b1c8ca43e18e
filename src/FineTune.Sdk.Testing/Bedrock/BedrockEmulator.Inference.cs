using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Provisioned throughput, custom model deployments (bedrock.md §1.7-§1.8) and Runtime Converse/ConverseStream (§2).</content>
public sealed partial class BedrockEmulator
{
    private const double CharactersPerToken = 6;
    private static readonly string[] ThroughputStatuses = ["Creating", "InService", "Updating", "Failed"];
    private static readonly string[] DeploymentStatuses = ["Creating", "Active", "Failed"];
    private readonly Dictionary<string, BedrockProvisionedThroughput> _provisioned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BedrockDeployment> _deployments = new(StringComparer.Ordinal);

    private EmulatorResponse RouteBedrock(EmulatorRequest request)
    {
        var s = Segments(request);
        var method = request.Method;
        switch (s.Length > 0 ? s[0] : string.Empty)
        {
            case "model-customization-jobs":
                switch (s.Length, method)
                {
                    case (1, "POST"):
                        return CreateJob(request);
                    case (1, "GET"):
                        return ListJobs(request);
                    case (2, "GET"):
                        var job = FindJob(s[1]);
                        return Json(200, w => WriteJob(w, job));
                    case (3, "POST") when s[2] == "stop":
                        return StopJob(FindJob(s[1]));
                }

                break;
            case "custom-models":
                switch (s.Length, method)
                {
                    case (1, "GET"):
                        return ListCustomModels(request);
                    case (2, "GET"):
                        return GetCustomModel(s[1]);
                    case (2, "DELETE"):
                        return DeleteCustomModel(s[1]);
                }

                break;
            case "provisioned-model-throughput":
                switch (s.Length, method)
                {
                    case (1, "POST"):
                        return CreateThroughput(request);
                    case (2, "GET"):
                        var throughput = FindThroughput(s[1]);
                        return Json(200, w => WriteThroughput(w, throughput, summary: false));
                    case (2, "DELETE"):
                        return DeleteThroughput(FindThroughput(s[1]));
                }

                break;
            case "provisioned-model-throughputs" when s.Length == 1 && method == "GET":
                return ListThroughputs(request);
            case "model-customization" when s.Length >= 2 && s[1] == "custom-model-deployments":
                switch (s.Length, method)
                {
                    case (2, "POST"):
                        return CreateDeployment(request);
                    case (2, "GET"):
                        return ListDeployments(request);
                    case (3, "GET"):
                        var deployment = FindDeployment(s[2]);
                        return Json(200, w => WriteDeployment(w, deployment));
                    case (3, "DELETE"):
                        return DeleteDeployment(FindDeployment(s[2]));
                }

                break;
            case "model" when s.Length == 3 && method == "POST" && s[2] is "converse" or "converse-stream":
                return Converse(request, s[1], stream: s[2] == "converse-stream");
        }

        throw new AwsApiException(404, "UnknownOperationException", $"No operation matches {method} {request.RawPath}.");
    }

    private EmulatorResponse CreateThroughput(EmulatorRequest request)
    {
        using var document = ParseBody(request);
        var root = document.RootElement;
        var token = OptionalString(root, "clientRequestToken");
        if (token is not null)
        {
            CheckString("clientRequestToken", token, TokenPattern, 256);
            if (_provisioned.Values.FirstOrDefault(p => p.ClientRequestToken == token) is { } existing)
            {
                return Json(201, w => ArnBody(w, "provisionedModelArn", existing.Arn));
            }
        }

        if (!root.TryGetProperty("modelUnits", out var unitsElement) || unitsElement.ValueKind != JsonValueKind.Number || !unitsElement.TryGetInt32(out var units))
        {
            throw AwsApiException.Constraint("modelUnits", null, "Member must not be null");
        }

        if (units < 1)
        {
            throw AwsApiException.Constraint("modelUnits", units.ToString(CultureInfo.InvariantCulture), "Member must have value greater than or equal to 1");
        }

        var name = CheckString("provisionedModelName", RequiredString(root, "provisionedModelName"), "([0-9a-zA-Z][_-]?){1,63}", 63);
        var modelId = CheckString("modelId", RequiredString(root, "modelId"), null, 2048);
        var commitment = OptionalString(root, "commitmentDuration");
        if (commitment is not null)
        {
            CheckEnum("commitmentDuration", commitment, ["OneMonth", "SixMonths"]);
        }

        var custom = FindCustomModel(modelId);
        var foundation = custom?.BaseModel ?? BedrockModelCatalog.Find(modelId)
            ?? throw AwsApiException.NotFound($"Could not find the model {modelId} for provisioned throughput.");
        if (_provisioned.Values.Any(p => p.Name == name))
        {
            throw AwsApiException.Validation($"Provisioned throughput with the name {name} already exists.");
        }

        var now = UtcNow();
        var throughput = new BedrockProvisionedThroughput
        {
            Arn = $"arn:aws:bedrock:{Options.Region}:{Options.AccountId}:provisioned-model/{RandomId(12)}",
            Name = name,
            ModelUnits = units,
            FoundationModel = foundation,
            CustomModel = custom,
            CommitmentDuration = commitment,
            ClientRequestToken = token,
            Sequence = NextSequence(),
            CreationTime = now,
            LastModifiedTime = now,
        };
        _provisioned[throughput.Arn] = throughput;
        return Json(201, w => ArnBody(w, "provisionedModelArn", throughput.Arn));
    }

    private static void ArnBody(Utf8JsonWriter w, string name, string arn)
    {
        w.WriteStartObject();
        w.WriteString(name, arn);
        w.WriteEndObject();
    }

    private BedrockProvisionedThroughput FindThroughput(string identifier) =>
        (_provisioned.TryGetValue(identifier, out var throughput) ? throughput : _provisioned.Values.FirstOrDefault(p => p.Name == identifier))
        ?? throw AwsApiException.NotFound($"Could not find provisioned throughput with identifier {identifier}.");

    private void WriteThroughput(Utf8JsonWriter w, BedrockProvisionedThroughput p, bool summary)
    {
        w.WriteStartObject();
        w.WriteString("provisionedModelName", p.Name);
        w.WriteString("provisionedModelArn", p.Arn);
        w.WriteString("modelArn", p.ModelArn(Options.Region));
        w.WriteString("desiredModelArn", p.ModelArn(Options.Region));
        w.WriteString("foundationModelArn", p.FoundationModel.Arn(Options.Region));
        w.WriteNumber("modelUnits", p.ModelUnits);
        w.WriteNumber("desiredModelUnits", p.ModelUnits);
        w.WriteString("status", p.Status);
        if (p.CommitmentDuration is not null)
        {
            w.WriteString("commitmentDuration", p.CommitmentDuration);
            w.WriteString("commitmentExpirationTime", Iso(p.CreationTime.AddMonths(p.CommitmentDuration == "OneMonth" ? 1 : 6)));
        }

        w.WriteString("creationTime", Iso(p.CreationTime));
        w.WriteString("lastModifiedTime", Iso(p.LastModifiedTime));
        _ = summary;
        w.WriteEndObject();
    }

    private EmulatorResponse ListThroughputs(EmulatorRequest request)
    {
        var after = QueryTime(request, "creationTimeAfter");
        var before = QueryTime(request, "creationTimeBefore");
        var status = request.QueryValue("statusEquals");
        if (status is not null)
        {
            CheckEnum("statusEquals", status, ThroughputStatuses);
        }

        var modelArn = request.QueryValue("modelArnEquals");
        var nameContains = request.QueryValue("nameContains");
        var items = _provisioned.Values.Where(p => (after is null || p.CreationTime > after) && (before is null || p.CreationTime < before)
            && (status is null || p.Status == status) && (modelArn is null || p.ModelArn(Options.Region) == modelArn)
            && (nameContains is null || p.Name.Contains(nameContains, StringComparison.Ordinal)));
        var page = Page(request, "throughputs", Sort(request, items, p => p.Sequence), out var nextToken);
        return PageJson(page, nextToken, "provisionedModelSummaries", (w, p) =>
        {
            WriteThroughput(w, p, summary: true);
        });
    }

    private EmulatorResponse DeleteThroughput(BedrockProvisionedThroughput throughput)
    {
        _provisioned.Remove(throughput.Arn);
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }

    private EmulatorResponse CreateDeployment(EmulatorRequest request)
    {
        using var document = ParseBody(request);
        var root = document.RootElement;
        var token = OptionalString(root, "clientRequestToken");
        if (token is not null)
        {
            CheckString("clientRequestToken", token, TokenPattern, 256);
            if (_deployments.Values.FirstOrDefault(d => d.ClientRequestToken == token) is { } existing)
            {
                return Json(202, w => ArnBody(w, "customModelDeploymentArn", existing.Arn));
            }
        }

        var name = CheckString("modelDeploymentName", RequiredString(root, "modelDeploymentName"), "([0-9a-zA-Z][_-]?){1,63}", 63);
        var modelArn = RequiredString(root, "modelArn");
        var model = _customModels.TryGetValue(modelArn, out var m) ? m : throw AwsApiException.NotFound($"Could not find the custom model {modelArn}.");
        var description = OptionalString(root, "description");
        if (_deployments.Values.Any(d => d.Name == name))
        {
            throw AwsApiException.Validation($"A custom model deployment with the name {name} already exists.");
        }

        var now = UtcNow();
        var deployment = new BedrockDeployment
        {
            Arn = $"arn:aws:bedrock:{Options.Region}:{Options.AccountId}:custom-model-deployment/{RandomId(12)}",
            Name = name,
            Model = model,
            Description = description,
            ClientRequestToken = token,
            Sequence = NextSequence(),
            CreatedAt = now,
            LastUpdatedAt = now,
        };
        _deployments[deployment.Arn] = deployment;
        return Json(202, w => ArnBody(w, "customModelDeploymentArn", deployment.Arn));
    }

    private BedrockDeployment FindDeployment(string identifier) =>
        (_deployments.TryGetValue(identifier, out var deployment) ? deployment : _deployments.Values.FirstOrDefault(d => d.Name == identifier))
        ?? throw AwsApiException.NotFound($"Could not find a custom model deployment with identifier {identifier}.");

    private static void WriteDeployment(Utf8JsonWriter w, BedrockDeployment d)
    {
        w.WriteStartObject();
        w.WriteString("customModelDeploymentArn", d.Arn);
        w.WriteString("modelDeploymentName", d.Name);
        w.WriteString("modelArn", d.Model.Arn);
        w.WriteString("createdAt", Iso(d.CreatedAt));
        w.WriteString("status", d.Status);
        if (d.Description is not null)
        {
            w.WriteString("description", d.Description);
        }

        w.WriteString("lastUpdatedAt", Iso(d.LastUpdatedAt));
        w.WriteEndObject();
    }

    private EmulatorResponse ListDeployments(EmulatorRequest request)
    {
        var after = QueryTime(request, "createdAfter");
        var before = QueryTime(request, "createdBefore");
        var status = request.QueryValue("statusEquals");
        if (status is not null)
        {
            CheckEnum("statusEquals", status, DeploymentStatuses);
        }

        var modelArn = request.QueryValue("modelArnEquals");
        var nameContains = request.QueryValue("nameContains");
        var sortBy = request.QueryValue("sortBy");
        if (sortBy is not null)
        {
            CheckEnum("sortBy", sortBy, ["CreationTime"]);
        }

        var items = _deployments.Values.Where(d => (after is null || d.CreatedAt > after) && (before is null || d.CreatedAt < before)
            && (status is null || d.Status == status) && (modelArn is null || d.Model.Arn == modelArn)
            && (nameContains is null || d.Name.Contains(nameContains, StringComparison.Ordinal)));
        var page = Page(request, "deployments", Sort(request, items, d => d.Sequence), out var nextToken);
        return PageJson(page, nextToken, "modelDeploymentSummaries", (w, d) =>
        {
            w.WriteStartObject();
            w.WriteString("customModelDeploymentArn", d.Arn);
            w.WriteString("customModelDeploymentName", d.Name);
            w.WriteString("modelArn", d.Model.Arn);
            w.WriteString("createdAt", Iso(d.CreatedAt));
            w.WriteString("status", d.Status);
            w.WriteString("lastUpdatedAt", Iso(d.LastUpdatedAt));
            w.WriteEndObject();
        });
    }

    private EmulatorResponse DeleteDeployment(BedrockDeployment deployment)
    {
        _deployments.Remove(deployment.Arn);
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }

    /// <summary>Resolves a Runtime <c>modelId</c> to what answers: a custom model's trained pairs, or a base model.</summary>
    private (BedrockFoundationModel Base, IReadOnlyDictionary<string, LearnedAnswer>? Learned) ResolveInvocationModel(string modelId)
    {
        if (_provisioned.TryGetValue(modelId, out var throughput))
        {
            if (throughput.Status != "InService")
            {
                throw new AwsApiException(429, "ModelNotReadyException", $"The provisioned throughput {throughput.Name} is {throughput.Status}, not InService yet. Try again later.");
            }

            return (throughput.FoundationModel, throughput.CustomModel?.Learned);
        }

        if (_deployments.TryGetValue(modelId, out var deployment))
        {
            if (deployment.Status != "Active")
            {
                throw new AwsApiException(429, "ModelNotReadyException", $"The custom model deployment {deployment.Name} is {deployment.Status}, not Active yet. Try again later.");
            }

            return (deployment.Model.BaseModel, deployment.Model.Learned);
        }

        if (modelId.Contains(":provisioned-model/", StringComparison.Ordinal) || modelId.Contains(":custom-model-deployment/", StringComparison.Ordinal))
        {
            throw AwsApiException.NotFound($"The model {modelId} does not exist.");
        }

        if (modelId.Contains(":custom-model/", StringComparison.Ordinal))
        {
            throw AwsApiException.Validation("A custom model can only be invoked through provisioned throughput or a custom model deployment: use that ARN as modelId.");
        }

        return BedrockModelCatalog.Find(modelId) is { } foundation
            ? (foundation, null)
            : throw AwsApiException.Validation("The provided model identifier is invalid.");
    }

    private EmulatorResponse Converse(EmulatorRequest request, string modelId, bool stream)
    {
        var started = TimeProvider.GetTimestamp();
        var (baseModel, learned) = ResolveInvocationModel(modelId);
        using var document = ParseBody(request);
        var root = document.RootElement;
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw AwsApiException.Validation("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
        }

        string? previous = null;
        var index = 0;
        var inputCharacters = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (role is not ("user" or "assistant"))
            {
                throw AwsApiException.Constraint($"messages.{index + 1}.member.role", role, "Member must satisfy enum value set: [user, assistant]");
            }

            if (index == 0 && role != "user")
            {
                throw AwsApiException.Validation("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
            }

            if (role == previous)
            {
                throw AwsApiException.Validation("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
            }

            if (!message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
            {
                throw AwsApiException.Constraint($"messages.{index + 1}.member.content", null, "Member must not be null");
            }

            inputCharacters += (TrainingFile.ContentText(message) ?? string.Empty).Length;
            previous = role;
            index++;
        }

        if (root.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.Array)
        {
            inputCharacters += system.EnumerateArray().Sum(b => b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!.Length : 0);
        }

        var (maxTokens, stopSequences) = InferenceConfig(root);
        var prompt = TrainingFile.LastUserPrompt(messages) ?? string.Empty;
        var answer = learned is null
            ? _answers.BaseAnswer(baseModel.InvocationId, prompt, Options.BaseModelAccuracy)
            : _answers.TrainedAnswer(learned, baseModel.InvocationId, prompt, Options.BaseModelAccuracy);
        var text = answer.Kind == LearnedAnswer.Text ? answer.Value : string.Join("\n", AnswerBook.Calls(answer).Select(c => $"{c.Name}({c.Arguments})"));
        var stopReason = "end_turn";
        foreach (var stop in stopSequences)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0)
            {
                text = text[..at];
                stopReason = "stop_sequence";
            }
        }

        var outputTokens = Tokens(text.Length);
        if (maxTokens is { } max && outputTokens > max)
        {
            text = text[..Math.Min(text.Length, (int)(max * CharactersPerToken))];
            outputTokens = max;
            stopReason = "max_tokens";
        }

        var inputTokens = Tokens(inputCharacters);
        var latencyMs = Math.Max(1, (long)TimeProvider.GetElapsedTime(started).TotalMilliseconds);
        return stream
            ? ConverseStream(text, stopReason, inputTokens, outputTokens, latencyMs)
            : Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("output");
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                w.WriteStartObject();
                w.WriteString("text", text);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteString("stopReason", stopReason);
                WriteUsage(w, inputTokens, outputTokens);
                WriteMetrics(w, latencyMs);
                w.WriteEndObject();
            });
    }

    private static (int? MaxTokens, List<string> StopSequences) InferenceConfig(JsonElement root)
    {
        int? maxTokens = null;
        var stops = new List<string>();
        if (!root.TryGetProperty("inferenceConfig", out var config) || config.ValueKind != JsonValueKind.Object)
        {
            return (maxTokens, stops);
        }

        if (config.TryGetProperty("maxTokens", out var mt) && mt.ValueKind == JsonValueKind.Number)
        {
            maxTokens = mt.TryGetInt32(out var value) && value >= 1 ? value : throw AwsApiException.Constraint("inferenceConfig.maxTokens", mt.GetRawText(), "Member must have value greater than or equal to 1");
        }

        foreach (var name in (string[])["temperature", "topP"])
        {
            if (config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() is < 0 or > 1)
            {
                throw AwsApiException.Constraint("inferenceConfig." + name, v.GetRawText(), "Member must have value less than or equal to 1");
            }
        }

        if (config.TryGetProperty("stopSequences", out var ss) && ss.ValueKind == JsonValueKind.Array)
        {
            stops.AddRange(ss.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String && s.GetString()!.Length > 0).Select(s => s.GetString()!));
        }

        return (maxTokens, stops);
    }

    /// <summary>Token counts are estimates for non-OpenAI families: about 6 characters per token (bedrock.md §3.1), at least 1.</summary>
    private static int Tokens(int characters) => Math.Max(1, (int)Math.Ceiling(characters / CharactersPerToken));

    private static void WriteUsage(Utf8JsonWriter w, int inputTokens, int outputTokens)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("inputTokens", inputTokens);
        w.WriteNumber("outputTokens", outputTokens);
        w.WriteNumber("totalTokens", inputTokens + outputTokens);
        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, long latencyMs)
    {
        w.WriteStartObject("metrics");
        w.WriteNumber("latencyMs", latencyMs);
        w.WriteEndObject();
    }

    /// <summary>ConverseStream: messageStart, text deltas, contentBlockStop, messageStop, metadata — one event-stream message each.</summary>
    private static EmulatorResponse ConverseStream(string text, string stopReason, int inputTokens, int outputTokens, long latencyMs)
    {
        using var body = new MemoryStream();
        body.Write(EventStream.Event("messageStart", JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("role", "assistant");
            w.WriteEndObject();
        })));
        const int DeltaCharacters = 24;
        for (var start = 0; start < text.Length || start == 0; start += DeltaCharacters)
        {
            var piece = text.Length == 0 ? string.Empty : text.Substring(start, Math.Min(DeltaCharacters, text.Length - start));
            body.Write(EventStream.Event("contentBlockDelta", JsonBody.Write(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("delta");
                w.WriteString("text", piece);
                w.WriteEndObject();
                w.WriteNumber("contentBlockIndex", 0);
                w.WriteEndObject();
            })));
            if (text.Length == 0)
            {
                break;
            }
        }

        body.Write(EventStream.Event("contentBlockStop", JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("contentBlockIndex", 0);
            w.WriteEndObject();
        })));
        body.Write(EventStream.Event("messageStop", JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("stopReason", stopReason);
            w.WriteEndObject();
        })));
        body.Write(EventStream.Event("metadata", JsonBody.Write(w =>
        {
            w.WriteStartObject();
            WriteUsage(w, inputTokens, outputTokens);
            WriteMetrics(w, latencyMs);
            w.WriteEndObject();
        })));
        return new EmulatorResponse(200, "application/vnd.amazon.eventstream", body.ToArray());
    }
}
