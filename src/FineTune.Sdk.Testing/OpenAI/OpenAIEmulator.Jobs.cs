using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Fine-tuning jobs: create, list, retrieve, cancel, pause, resume, events, checkpoints (openai.md 1.4-1.8).</content>
public sealed partial class OpenAIEmulator
{
    private static readonly string[] JobFields = ["model", "training_file", "validation_file", "suffix", "seed", "metadata", "integrations", "method", "hyperparameters"];

    private EmulatorResponse CreateJob(EmulatorRequest request)
    {
        if (Options.RefuseJobCreation)
        {
            throw new OpenAIApiException(Options.RefusedJobCreationStatusCode, Options.RefusedJobCreationMessage, "invalid_request_error", null, Options.RefusedJobCreationCode);
        }

        using var document = ParseJsonBody(request);
        var root = document.RootElement;
        foreach (var property in root.EnumerateObject())
        {
            if (!JobFields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw OpenAIApiException.BadRequest($"{property.Name}: extra inputs are not permitted", property.Name);
            }
        }

        var modelName = OptionalString(root, "model") ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        var baseModel = ResolveTrainableModel(modelName);
        var trainingId = OptionalString(root, "training_file") ?? throw OpenAIApiException.BadRequest("Missing required parameter: 'training_file'.", "training_file", "missing_required_parameter");
        if (!_files.TryGetValue(trainingId, out var trainingFile) || trainingFile.Purpose != "fine-tune")
        {
            throw OpenAIApiException.BadRequest($"invalid training_file: {trainingId}", "training_file");
        }

        var validationId = OptionalString(root, "validation_file");
        EmulatedFile? validationFile = null;
        if (validationId is not null && (!_files.TryGetValue(validationId, out validationFile) || validationFile.Purpose != "fine-tune"))
        {
            throw OpenAIApiException.BadRequest($"invalid validation_file: {validationId}", "validation_file");
        }

        var suffix = OptionalString(root, "suffix");
        if (suffix is not null && (suffix.Length is < 1 or > 64 || suffix.Contains(':', StringComparison.Ordinal)))
        {
            throw OpenAIApiException.BadRequest($"Invalid 'suffix': must be 1 to 64 characters without ':' (got {suffix.Length} characters).", "suffix");
        }

        int seed;
        if (root.TryGetProperty("seed", out var seedElement) && seedElement.ValueKind != JsonValueKind.Null)
        {
            if (!seedElement.TryGetInt32(out seed) || seed < 0)
            {
                throw OpenAIApiException.BadRequest("Invalid 'seed': expected an integer between 0 and 2147483647.", "seed", "integer_out_of_range");
            }
        }
        else
        {
            seed = _random.Next(0, int.MaxValue);
        }

        var metadata = ParseMetadata(root);
        var integrations = ParseIntegrations(root);
        var (methodType, hyper, graderJson) = ParseMethod(root);
        if (!baseModel.Methods.Contains(methodType, StringComparer.Ordinal))
        {
            throw OpenAIApiException.BadRequest($"Model {baseModel.Id} does not support the '{methodType}' fine-tuning method.", "method", "invalid_method");
        }

        if (methodType == "reinforcement" && graderJson is null)
        {
            throw OpenAIApiException.BadRequest("Missing required parameter: 'method.reinforcement.grader'.", "method.reinforcement.grader", "missing_required_parameter");
        }

        var training = TrainingFile.Check(trainingFile.Content, methodType, "training_file", baseModel.Accounting, requireMinimum: true);
        var validation = validationFile is null ? null : TrainingFile.Check(validationFile.Content, methodType, "validation_file", baseModel.Accounting, requireMinimum: false);
        var now = UtcNow();
        var id = RandomId("ftjob-", 24);
        var job = new EmulatedJob
        {
            Ids = _journal is null ? null : new Random(_journal.DeriveSeed("job:" + id)),
            Id = id,
            Sequence = NextSequence(),
            CreatedAt = now.ToUnixTimeSeconds(),
            Model = modelName.StartsWith("ft:", StringComparison.Ordinal) ? modelName : baseModel.Id,
            BaseModel = baseModel,
            TrainingFile = trainingId,
            ValidationFile = validationId,
            Suffix = suffix,
            Seed = seed,
            Metadata = metadata,
            Integrations = integrations,
            Method = methodType,
            GraderJson = graderJson,
            Epochs = hyper.GetValueOrDefault("n_epochs", HyperValue.Auto),
            BatchSize = hyper.GetValueOrDefault("batch_size", HyperValue.Auto),
            LearningRate = hyper.GetValueOrDefault("learning_rate_multiplier", HyperValue.Auto),
            Beta = hyper.GetValueOrDefault("beta", HyperValue.Auto),
            Training = training,
            Validation = validation,
            FailAtStep = Options.FailTrainingAtStep,
            PhaseStart = now,
        };
        foreach (var (key, value) in hyper)
        {
            if (key is not ("n_epochs" or "batch_size" or "learning_rate_multiplier" or "beta"))
            {
                job.ExtraHyperparameters[key] = value.IsAuto ? "auto" : value.Value.ToString(CultureInfo.InvariantCulture);
            }
        }

        _jobs[job.Id] = job;
        AddEvent(job, job.CreatedAt, "info", $"Created fine-tuning job: {job.Id}");
        AddEvent(job, job.CreatedAt, "info", validationId is null
            ? $"Validating training file: {trainingId}"
            : $"Validating training file: {trainingId} and validation file: {validationId}");
        if (!_replaying && Options.LoseJobCreateResponses > 0)
        {
            Options.LoseJobCreateResponses--;
            return EmulatorResponse.LostInFlight();
        }

        return Ok(w => WriteJob(w, job));
    }

    private BaseModel ResolveTrainableModel(string modelName)
    {
        if (modelName.StartsWith("ft:", StringComparison.Ordinal))
        {
            var source = _jobs.Values.FirstOrDefault(j => j.FineTunedModel == modelName);
            if (source is not null && !_deletedModels.Contains(modelName))
            {
                return source.BaseModel;
            }
        }
        else if (ModelCatalog.Find(modelName) is { } model)
        {
            return model;
        }

        throw OpenAIApiException.BadRequest($"Model {modelName} is not available for fine-tuning or does not exist.", null, "model_not_available");
    }

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw OpenAIApiException.BadRequest($"Invalid type for '{name}': expected a string.", name, "invalid_type");
    }

    private static Dictionary<string, string>? ParseMetadata(JsonElement root)
    {
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIApiException.BadRequest("Invalid type for 'metadata': expected an object.", "metadata", "invalid_type");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in metadata.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw OpenAIApiException.BadRequest($"Invalid type for 'metadata.{pair.Name}': expected a string.", "metadata", "invalid_type");
            }

            var value = pair.Value.GetString()!;
            if (pair.Name.Length > 64 || value.Length > 512)
            {
                throw OpenAIApiException.BadRequest("Invalid 'metadata': keys are at most 64 characters and values at most 512 characters.", "metadata");
            }

            result[pair.Name] = value;
        }

        if (result.Count > 16)
        {
            throw OpenAIApiException.BadRequest($"Invalid 'metadata': at most 16 key-value pairs are allowed (got {result.Count}).", "metadata");
        }

        return result;
    }

    private static List<string> ParseIntegrations(JsonElement root)
    {
        var result = new List<string>();
        if (!root.TryGetProperty("integrations", out var integrations) || integrations.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (integrations.ValueKind != JsonValueKind.Array)
        {
            throw OpenAIApiException.BadRequest("Invalid type for 'integrations': expected an array.", "integrations", "invalid_type");
        }

        foreach (var integration in integrations.EnumerateArray())
        {
            if (integration.ValueKind != JsonValueKind.Object || !integration.TryGetProperty("type", out var type) || type.GetString() != "wandb"
                || !integration.TryGetProperty("wandb", out var wandb) || !wandb.TryGetProperty("project", out _))
            {
                throw OpenAIApiException.BadRequest("Invalid 'integrations': each item must be {\"type\":\"wandb\",\"wandb\":{\"project\":...}}.", "integrations");
            }

            result.Add(integration.GetRawText());
        }

        if (result.Count > 5)
        {
            throw OpenAIApiException.BadRequest("Invalid 'integrations': at most 5 integrations are allowed.", "integrations");
        }

        return result;
    }

    private static (string Type, Dictionary<string, HyperValue> Hyper, string? Grader) ParseMethod(JsonElement root)
    {
        var hyper = new Dictionary<string, HyperValue>(StringComparer.Ordinal);
        if (!root.TryGetProperty("method", out var method) || method.ValueKind == JsonValueKind.Null)
        {
            if (root.TryGetProperty("hyperparameters", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
            {
                ParseHyperparameters(legacy, "supervised", "hyperparameters", hyper);
            }

            return ("supervised", hyper, null);
        }

        if (method.ValueKind != JsonValueKind.Object || !method.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw OpenAIApiException.BadRequest("Invalid 'method': expected {\"type\": \"supervised\" | \"dpo\" | \"reinforcement\", ...}.", "method");
        }

        var type = typeElement.GetString()!;
        if (type is not ("supervised" or "dpo" or "reinforcement"))
        {
            throw OpenAIApiException.BadRequest($"Invalid 'method.type': '{type}' is not one of ['supervised', 'dpo', 'reinforcement'].", "method.type");
        }

        string? grader = null;
        foreach (var property in method.EnumerateObject())
        {
            if (property.Name is "type" || property.NameEquals(type))
            {
                continue;
            }

            throw OpenAIApiException.BadRequest($"method.{property.Name}: extra inputs are not permitted", "method." + property.Name);
        }

        if (method.TryGetProperty(type, out var body) && body.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in body.EnumerateObject())
            {
                if (property.Name == "hyperparameters" && property.Value.ValueKind == JsonValueKind.Object)
                {
                    ParseHyperparameters(property.Value, type, $"method.{type}.hyperparameters", hyper);
                }
                else if (property.Name == "grader" && type == "reinforcement")
                {
                    grader = property.Value.GetRawText();
                }
                else if (property.Name != "hyperparameters")
                {
                    throw OpenAIApiException.BadRequest($"method.{type}.{property.Name}: extra inputs are not permitted", $"method.{type}.{property.Name}");
                }
            }
        }

        return (type, hyper, grader);
    }

    private static void ParseHyperparameters(JsonElement element, string type, string path, Dictionary<string, HyperValue> result)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var param = path + "." + name;
            var value = property.Value;
            var allowed = name is "n_epochs" or "batch_size" or "learning_rate_multiplier"
                || (type == "dpo" && name == "beta")
                || (type == "reinforcement" && name is "reasoning_effort" or "compute_multiplier" or "eval_interval" or "eval_samples");
            if (!allowed)
            {
                throw OpenAIApiException.BadRequest($"{name}: extra inputs are not permitted", param);
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() == "auto")
            {
                result[name] = HyperValue.Auto;
                continue;
            }

            if (name == "reasoning_effort")
            {
                var effort = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (effort is not ("default" or "low" or "medium" or "high"))
                {
                    throw OpenAIApiException.BadRequest("Invalid 'reasoning_effort': expected 'default', 'low', 'medium' or 'high'.", param);
                }

                continue;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                throw OpenAIApiException.BadRequest($"Invalid type for '{param}': expected \"auto\" or a number.", param, "invalid_type");
            }

            var number = value.GetDouble();
            var isInteger = value.TryGetInt32(out var integer);
            var (ok, rule) = name switch
            {
                "n_epochs" => (isInteger && integer is >= 1 and <= 50, "an integer between 1 and 50"),
                "batch_size" => (isInteger && integer is >= 1 and <= 256, "an integer between 1 and 256"),
                "learning_rate_multiplier" => (number > 0, "a number greater than 0"),
                "beta" => (number is > 0 and <= 2, "a number greater than 0 and at most 2"),
                "compute_multiplier" => (number is >= 0.00001 and <= 10, "a number between 0.00001 and 10"),
                _ => (isInteger && integer >= 1, "an integer of at least 1"),
            };
            if (!ok)
            {
                throw OpenAIApiException.BadRequest($"Invalid '{param}': expected {rule}, got {value.GetRawText()}.", param, "invalid_value");
            }

            result[name] = isInteger && name is not ("learning_rate_multiplier" or "beta" or "compute_multiplier") ? HyperValue.Int(integer) : HyperValue.Number(number);
        }
    }

    private EmulatedJob GetJob(string id) =>
        _jobs.TryGetValue(id, out var job) ? job : throw OpenAIApiException.NotFound($"Could not find fine-tuning job: {id}", "fine_tuning_job_id", "fine_tuning_job_not_found");

    private EmulatorResponse ListJobs(EmulatorRequest request)
    {
        var limit = Limit(request, 20, 100);
        IEnumerable<EmulatedJob> jobs = _jobs.Values;
        if (request.QueryValue("metadata") == "null")
        {
            jobs = jobs.Where(j => j.Metadata is null || j.Metadata.Count == 0);
        }

        foreach (var (key, value) in request.Query)
        {
            if (key.StartsWith("metadata[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                var name = key["metadata[".Length..^1];
                jobs = jobs.Where(j => j.Metadata is not null && j.Metadata.TryGetValue(name, out var v) && v == value);
            }
        }

        var ordered = jobs.OrderByDescending(j => j.Sequence).ToList();
        var (page, hasMore) = Paginate(ordered, j => j.Id, request.QueryValue("after"), limit);
        return Ok(w => JsonBody.WriteList(w, page, hasMore, j => j.Id, WriteJob, withCursorIds: false));
    }

    private EmulatorResponse CancelJob(EmulatedJob job)
    {
        if (job.IsTerminal)
        {
            throw OpenAIApiException.BadRequest($"Job {job.Id} has already {(job.Status == "cancelled" ? "been cancelled" : "completed")}; only jobs that have not finished can be cancelled.", "fine_tuning_job_id");
        }

        job.Status = "cancelled";
        AddEvent(job, Now(), "info", "Fine-tuning job cancelled");
        return Ok(w => WriteJob(w, job));
    }

    private EmulatorResponse PauseJob(EmulatedJob job)
    {
        if (job.Status != "running")
        {
            throw OpenAIApiException.BadRequest($"Job {job.Id} is {job.Status}; only running jobs can be paused.", "fine_tuning_job_id");
        }

        job.Status = "paused";
        AddEvent(job, Now(), "info", $"Fine-tuning job paused at step {job.StepsDone}/{job.TotalSteps}");
        return Ok(w => WriteJob(w, job));
    }

    private EmulatorResponse ResumeJob(EmulatedJob job)
    {
        if (job.Status != "paused")
        {
            throw OpenAIApiException.BadRequest($"Job {job.Id} is {job.Status}; only paused jobs can be resumed.", "fine_tuning_job_id");
        }

        job.Status = "queued";
        job.PhaseStart = UtcNow();
        AddEvent(job, Now(), "info", "Fine-tuning job resumed, moving job to queued state");
        return Ok(w => WriteJob(w, job));
    }

    private static EmulatorResponse ListEvents(EmulatedJob job, EmulatorRequest request)
    {
        var limit = Limit(request, 20, 100);
        var ordered = Enumerable.Reverse(job.Events).ToList();
        var (page, hasMore) = Paginate(ordered, e => e.Id, request.QueryValue("after"), limit);
        return Ok(w => JsonBody.WriteList(w, page, hasMore, e => e.Id, WriteEvent, withCursorIds: false));
    }

    private static EmulatorResponse ListCheckpoints(EmulatedJob job, EmulatorRequest request)
    {
        var limit = Limit(request, 10, 100);
        var ordered = job.Checkpoints.OrderByDescending(c => c.Step).ToList();
        var (page, hasMore) = Paginate(ordered, c => c.Id, request.QueryValue("after"), limit);
        return Ok(w => JsonBody.WriteList(w, page, hasMore, c => c.Id, WriteCheckpoint, withCursorIds: true));
    }

    private void AddEvent(EmulatedJob job, long createdAt, string level, string message, string type = "message", string? dataJson = "{}")
    {
        job.Events.Add(new EmulatedEvent(RandomId("ftevent-", 24, random: job.Ids), createdAt, level, message, type, dataJson));
    }

    private void AdvanceAll()
    {
        var now = UtcNow();
        foreach (var job in _jobs.Values)
        {
            Advance(job, now);
        }
    }

    private TimeSpan Scaled(TimeSpan duration) => TimeSpan.FromTicks((long)(duration.Ticks / Options.Speed));

    private void Advance(EmulatedJob job, DateTimeOffset now)
    {
        while (true)
        {
            switch (job.Status)
            {
                case "validating_files":
                {
                    var end = job.PhaseStart + Scaled(Options.ValidationDuration);
                    if (now < end)
                    {
                        return;
                    }

                    FinishValidation(job, end);
                    break;
                }

                case "queued":
                {
                    var end = job.PhaseStart + Scaled(Options.QueueDuration);
                    if (now < end)
                    {
                        return;
                    }

                    job.Status = "running";
                    job.PhaseStart = end;
                    job.StepsAtPhaseStart = job.StepsDone;
                    AddEvent(job, end.ToUnixTimeSeconds(), "info", job.StepsDone == 0 ? "Fine-tuning job started" : $"Fine-tuning job resumed at step {job.StepsDone}", dataJson: null);
                    break;
                }

                case "running":
                {
                    var step = Scaled(Options.StepDuration);
                    var reached = job.StepsAtPhaseStart + (int)Math.Min(int.MaxValue, (now - job.PhaseStart).Ticks / Math.Max(1, step.Ticks));
                    var target = Math.Min(reached, job.TotalSteps);
                    while (job.StepsDone < target && job.Status == "running")
                    {
                        job.StepsDone++;
                        var at = job.PhaseStart + (step * (job.StepsDone - job.StepsAtPhaseStart));
                        CompleteStep(job, at);
                    }

                    return;
                }

                default:
                    return;
            }
        }
    }

    private void FinishValidation(EmulatedJob job, DateTimeOffset at)
    {
        var failure = job.Training.ErrorCode is not null ? (job.Training, "training_file")
            : job.Validation?.ErrorCode is not null ? (job.Validation, "validation_file")
            : default;
        if (failure.Item1 is not null)
        {
            Fail(job, at, failure.Item1.ErrorCode!, failure.Item1.ErrorMessage!, failure.Item2, finished: false);
            return;
        }

        var n = job.Training.ExampleCount;
        if (job.Epochs.IsAuto)
        {
            job.Epochs = HyperValue.Int(n * 3 < 100 ? Math.Min(25, 100 / n) : n * 3 > 25_000 ? Math.Max(1, 25_000 / n) : 3);
        }

        if (job.BatchSize.IsAuto)
        {
            job.BatchSize = HyperValue.Int(Math.Clamp((int)Math.Ceiling(n * 0.002), 1, 256));
        }

        if (job.LearningRate.IsAuto)
        {
            job.LearningRate = HyperValue.Number(job.Method == "dpo" ? 0.1 : 1.8);
        }

        if (job.Method == "dpo" && job.Beta.IsAuto)
        {
            job.Beta = HyperValue.Number(0.1);
        }

        job.StepsPerEpoch = (int)Math.Ceiling(n / job.BatchSize.Value);
        job.TotalSteps = job.StepsPerEpoch * (int)job.Epochs.Value;
        foreach (var pair in job.Training.Pairs)
        {
            job.Learned.TryAdd(pair.Prompt, pair.Answer);
        }

        // Continued fine-tuning from an ft: model keeps what that model learned; the new file wins on conflicts.
        if (job.Model.StartsWith("ft:", StringComparison.Ordinal) && FindJobForModel(job.Model) is { } source)
        {
            foreach (var (prompt, answer) in source.Learned)
            {
                job.Learned.TryAdd(prompt, answer);
            }
        }

        job.ReservedModelName = $"ft:{job.BaseModel.Id}:{Options.OrganizationSlug}:{job.Suffix}:{RandomId(string.Empty, 8, random: job.Ids)}";
        var unix = at.ToUnixTimeSeconds();
        if (job.Training.TruncatedExamples > 0)
        {
            AddEvent(job, unix, "warn", $"{job.Training.TruncatedExamples} example(s) exceed the {job.BaseModel.MaxTokensPerExample}-token limit of {job.BaseModel.Id} and will be truncated to the first {job.BaseModel.MaxTokensPerExample} tokens");
        }

        AddEvent(job, unix, "info", "Files validated, moving job to queued state");
        job.Status = "queued";
        job.PhaseStart = at;
    }

    private void Fail(EmulatedJob job, DateTimeOffset at, string code, string message, string? param, bool finished)
    {
        job.Status = "failed";
        job.ErrorCode = code;
        job.ErrorMessage = message;
        job.ErrorParam = param;
        job.FinishedAt = finished ? at.ToUnixTimeSeconds() : null;
        AddEvent(job, at.ToUnixTimeSeconds(), "error", message);
    }

    private void CompleteStep(EmulatedJob job, DateTimeOffset at)
    {
        var unix = at.ToUnixTimeSeconds();
        var stepNumber = job.StepsDone;
        var epochEnd = stepNumber % job.StepsPerEpoch == 0;
        var metricInterval = Math.Max(1, (int)Math.Ceiling(job.TotalSteps / 100.0));
        var reportStep = stepNumber % metricInterval == 0 || stepNumber == job.TotalSteps;
        var row = Metrics(job, stepNumber, withValidation: job.ValidationFile is not null && (reportStep || epochEnd), fullValidation: job.ValidationFile is not null && epochEnd);
        job.Metrics.Add(row);
        if (reportStep)
        {
            var message = new StringBuilder();
            message.Append(CultureInfo.InvariantCulture, $"Step {stepNumber}/{job.TotalSteps}: training loss={row.TrainLoss:0.00}");
            if (row.ValidLoss is { } validLoss)
            {
                message.Append(CultureInfo.InvariantCulture, $", validation loss={validLoss:0.00}");
            }

            if (row.FullValidLoss is { } fullValidLoss)
            {
                message.Append(CultureInfo.InvariantCulture, $", full validation loss={fullValidLoss:0.00}");
            }

            AddEvent(job, unix, "info", message.ToString(), "metrics", MetricsData(row, job.TotalSteps));
        }

        if (job.FailAtStep is { } failAt && stepNumber >= Math.Min(failAt, job.TotalSteps))
        {
            Fail(job, at, "server_error", "The job failed due to an internal error. Please try again; you were not charged for this job.", null, finished: true);
            return;
        }

        if (epochEnd)
        {
            var final = stepNumber == job.TotalSteps;
            var model = final ? job.ReservedModelName! : $"ft:{job.BaseModel.Id}:{Options.OrganizationSlug}:{job.Suffix}:{RandomId(string.Empty, 8, random: job.Ids)}:ckpt-step-{stepNumber}";
            job.Checkpoints.Add(new EmulatedCheckpoint(RandomId("ftckpt_", 24, random: job.Ids), unix, model, job.Id, stepNumber, row));
            if (job.Checkpoints.Count > 3)
            {
                job.Checkpoints.RemoveAt(0);
            }
        }

        if (stepNumber == job.TotalSteps)
        {
            job.FineTunedModel = job.ReservedModelName;
            job.TrainedTokens = job.Training.TokensPerEpoch * (long)job.Epochs.Value;
            var csv = ResultsCsv(job);
            var result = AddFile("step_metrics.csv", "fine-tune-results", csv, createdAt: unix, random: job.Ids);
            job.ResultFiles.Add(result.Id);
            job.Status = "succeeded";
            job.FinishedAt = unix;
            AddEvent(job, unix, "info", $"New fine-tuned model created: {job.FineTunedModel}");
            AddEvent(job, unix, "info", "The job has successfully completed");
        }
    }

    private static MetricsRow Metrics(EmulatedJob job, int step, bool withValidation, bool fullValidation)
    {
        var progress = (double)step / job.TotalSteps;
        var curve = Curve(job);
        var noise = (Unit(job.Seed, step, 1) - 0.5) * 0.2 * (1 - (0.5 * progress));
        var smoothTrain = Math.Max(0.01, curve.Decay(0.05, 1.9, progress) + noise);
        var trainLoss = smoothTrain + curve.Spike(step);
        double? validLoss = withValidation ? Math.Max(0.01, smoothTrain + 0.08 + ((Unit(job.Seed, step, 2) - 0.5) * 0.1) + curve.Overfit(progress)) : null;
        double? fullValidLoss = fullValidation ? Math.Max(0.01, curve.Decay(0.13, 1.9, progress) + curve.Overfit(progress)) : null;
        return new MetricsRow(
            step,
            Math.Round(trainLoss, 5),
            Math.Round(Accuracy(trainLoss), 5),
            validLoss is { } v ? Math.Round(v, 5) : null,
            validLoss is { } v2 ? Math.Round(Accuracy(v2), 5) : null,
            fullValidLoss is { } f ? Math.Round(f, 5) : null,
            fullValidLoss is { } f2 ? Math.Round(Accuracy(f2), 5) : null);
    }

    /// <summary>The job's curve: 2 epochs at multiplier 1.8 (0.1 for DPO) are the full budget (docs/emulator.md).</summary>
    private static TrainingCurve Curve(EmulatedJob job)
    {
        var defaultMultiplier = job.Method == "dpo" ? 0.1 : 1.8;
        return new TrainingCurve(job.Seed, (int)job.Epochs.Value, 2, job.LearningRate.Value / defaultMultiplier, job.Training.ExampleCount);
    }

    private static double Accuracy(double loss) => Math.Clamp(1 - (loss / 2.2), 0, 1);

    private static double Unit(int seed, int step, int stream) => TrainingCurve.Unit(seed, step, stream);

    private static string MetricsData(MetricsRow row, int totalSteps) => Encoding.UTF8.GetString(JsonBody.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("step", row.Step);
        w.WriteNumber("train_loss", row.TrainLoss);
        if (row.ValidLoss is { } validLoss)
        {
            w.WriteNumber("valid_loss", validLoss);
        }

        w.WriteNumber("total_steps", totalSteps);
        if (row.FullValidLoss is { } fullValidLoss)
        {
            w.WriteNumber("full_valid_loss", fullValidLoss);
        }

        w.WriteNumber("train_mean_token_accuracy", row.TrainAccuracy);
        if (row.ValidAccuracy is { } validAccuracy)
        {
            w.WriteNumber("valid_mean_token_accuracy", validAccuracy);
        }

        if (row.FullValidAccuracy is { } fullValidAccuracy)
        {
            w.WriteNumber("full_valid_mean_token_accuracy", fullValidAccuracy);
        }

        w.WriteEndObject();
    }));

    private static byte[] ResultsCsv(EmulatedJob job)
    {
        var csv = new StringBuilder("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");
        foreach (var row in job.Metrics)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{row.Step},{row.TrainLoss},{row.TrainAccuracy},{(row.ValidLoss is { } v ? v.ToString(CultureInfo.InvariantCulture) : string.Empty)},{(row.ValidAccuracy is { } a ? a.ToString(CultureInfo.InvariantCulture) : string.Empty)}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private void WriteJob(Utf8JsonWriter w, EmulatedJob job)
    {
        w.WriteStartObject();
        w.WriteString("object", "fine_tuning.job");
        w.WriteString("id", job.Id);
        w.WriteString("model", job.Model);
        w.WriteNumber("created_at", job.CreatedAt);
        JsonBody.WriteNullableNumber(w, "finished_at", job.FinishedAt);
        JsonBody.WriteNullableString(w, "fine_tuned_model", job.FineTunedModel);
        w.WriteString("organization_id", Options.OrganizationId);
        w.WriteStartArray("result_files");
        foreach (var id in job.ResultFiles)
        {
            w.WriteStringValue(id);
        }

        w.WriteEndArray();
        w.WriteString("status", job.Status);
        JsonBody.WriteNullableString(w, "validation_file", job.ValidationFile);
        w.WriteString("training_file", job.TrainingFile);
        w.WritePropertyName("hyperparameters");
        w.WriteStartObject();
        WriteHyper(w, "batch_size", job.BatchSize);
        WriteHyper(w, "learning_rate_multiplier", job.LearningRate);
        WriteHyper(w, "n_epochs", job.Epochs);
        w.WriteEndObject();
        JsonBody.WriteNullableNumber(w, "trained_tokens", job.TrainedTokens);
        w.WritePropertyName("error");
        w.WriteStartObject();
        if (job.ErrorCode is not null)
        {
            w.WriteString("code", job.ErrorCode);
            w.WriteString("message", job.ErrorMessage);
            JsonBody.WriteNullableString(w, "param", job.ErrorParam);
        }

        w.WriteEndObject();
        JsonBody.WriteNullableString(w, "user_provided_suffix", job.Suffix);
        w.WriteNumber("seed", job.Seed);
        JsonBody.WriteNullableNumber(w, "estimated_finish", EstimatedFinish(job));
        w.WriteStartArray("integrations");
        foreach (var integration in job.Integrations)
        {
            w.WriteRawValue(integration);
        }

        w.WriteEndArray();
        if (job.Metadata is null)
        {
            w.WriteNull("metadata");
        }
        else
        {
            w.WriteStartObject("metadata");
            foreach (var (key, value) in job.Metadata)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }

        w.WriteStartObject("method");
        w.WriteString("type", job.Method);
        w.WriteStartObject(job.Method);
        if (job.GraderJson is not null)
        {
            w.WritePropertyName("grader");
            w.WriteRawValue(job.GraderJson);
        }

        w.WriteStartObject("hyperparameters");
        WriteHyper(w, "batch_size", job.BatchSize);
        if (job.Method == "dpo")
        {
            WriteHyper(w, "beta", job.Beta);
        }

        WriteHyper(w, "learning_rate_multiplier", job.LearningRate);
        WriteHyper(w, "n_epochs", job.Epochs);
        foreach (var (key, value) in job.ExtraHyperparameters)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                w.WriteNumber(key, number);
            }
            else
            {
                w.WriteString(key, value);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNull("usage_metrics");
        w.WriteBoolean("shared_with_openai", false);
        w.WriteNull("eval_id");
        w.WriteEndObject();
    }

    private long? EstimatedFinish(EmulatedJob job)
    {
        if (job.Status != "running" || !Options.ReportEstimatedFinish)
        {
            return null;
        }

        var finish = job.PhaseStart + (Scaled(Options.StepDuration) * (job.TotalSteps - job.StepsAtPhaseStart));
        return Math.Max(finish.ToUnixTimeSeconds(), Now() + 1);
    }

    private static void WriteHyper(Utf8JsonWriter w, string name, HyperValue value)
    {
        if (value.IsAuto)
        {
            w.WriteString(name, "auto");
        }
        else if (value.IsInteger)
        {
            w.WriteNumber(name, (long)value.Value);
        }
        else
        {
            w.WriteNumber(name, value.Value);
        }
    }

    private static void WriteEvent(Utf8JsonWriter w, EmulatedEvent e)
    {
        w.WriteStartObject();
        w.WriteString("object", "fine_tuning.job.event");
        w.WriteString("id", e.Id);
        w.WriteNumber("created_at", e.CreatedAt);
        w.WriteString("level", e.Level);
        w.WriteString("message", e.Message);
        if (e.DataJson is null)
        {
            w.WriteNull("data");
        }
        else
        {
            w.WritePropertyName("data");
            w.WriteRawValue(e.DataJson);
        }

        w.WriteString("type", e.Type);
        w.WriteEndObject();
    }

    private static void WriteCheckpoint(Utf8JsonWriter w, EmulatedCheckpoint c)
    {
        w.WriteStartObject();
        w.WriteString("object", "fine_tuning.job.checkpoint");
        w.WriteString("id", c.Id);
        w.WriteNumber("created_at", c.CreatedAt);
        w.WriteString("fine_tuned_model_checkpoint", c.Model);
        w.WriteString("fine_tuning_job_id", c.JobId);
        w.WriteNumber("step_number", c.Step);
        w.WriteStartObject("metrics");
        w.WriteNumber("step", c.Step);
        w.WriteNumber("train_loss", c.Metrics.TrainLoss);
        w.WriteNumber("train_mean_token_accuracy", c.Metrics.TrainAccuracy);
        if (c.Metrics.ValidLoss is { } validLoss)
        {
            w.WriteNumber("valid_loss", validLoss);
            w.WriteNumber("valid_mean_token_accuracy", c.Metrics.ValidAccuracy ?? 0);
        }

        if (c.Metrics.FullValidLoss is { } fullValidLoss)
        {
            w.WriteNumber("full_valid_loss", fullValidLoss);
            w.WriteNumber("full_valid_mean_token_accuracy", c.Metrics.FullValidAccuracy ?? 0);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static uint Fnv1a(string text) => AnswerBook.Fnv1a(text);
}
