using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Fine-tuning jobs: create, list, retrieve, cancel, pause, resume, events, checkpoints (openai.md 1.4-1.8): the routes' handlers.</content>
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
}
