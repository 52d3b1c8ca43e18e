using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTune.Sdk.Testing;

/// <content>Model customization jobs and custom models (bedrock.md §1.3-§1.6, §1.12, §3.6).</content>
public sealed partial class BedrockEmulator
{
    private const string JobNamePattern = @"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*";
    private const string ModelNamePattern = "([0-9a-zA-Z][_-]?){1,63}";
    private const string RoleArnPattern = "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+";
    private const string TokenPattern = "[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?";
    private static readonly string[] CustomizationTypes = ["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION", "REINFORCEMENT_FINE_TUNING", "IMPORTED"];
    private static readonly string[] JobStatuses = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"];
    private readonly Dictionary<string, BedrockJob> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BedrockCustomModel> _customModels = new(StringComparer.Ordinal);

    private EmulatorResponse CreateJob(EmulatorRequest request)
    {
        using var document = ParseBody(request);
        var root = document.RootElement;
        var token = OptionalString(root, "clientRequestToken");
        if (token is not null)
        {
            CheckString("clientRequestToken", token, TokenPattern, 256);
            if (_jobs.Values.FirstOrDefault(j => j.ClientRequestToken == token) is { } existing)
            {
                // "If this token matches a previous request, Amazon Bedrock ignores the request, but does not return an error."
                return Json(201, w => JobArnBody(w, existing.Arn));
            }
        }

        var jobName = CheckString("jobName", RequiredString(root, "jobName"), JobNamePattern, 63);
        var modelName = CheckString("customModelName", RequiredString(root, "customModelName"), ModelNamePattern, 63);
        var roleArn = CheckString("roleArn", RequiredString(root, "roleArn"), RoleArnPattern, 2048);
        var baseIdentifier = CheckString("baseModelIdentifier", RequiredString(root, "baseModelIdentifier"), null, 2048);
        var customizationType = OptionalString(root, "customizationType") ?? "FINE_TUNING";
        CheckEnum("customizationType", customizationType, CustomizationTypes);
        var trainingUri = RequiredString(root, "trainingDataConfig", "s3Uri");
        var outputUri = RequiredString(root, "outputDataConfig", "s3Uri");
        var validationUris = new List<string>();
        if (root.TryGetProperty("validationDataConfig", out var validationConfig) && validationConfig.ValueKind == JsonValueKind.Object)
        {
            if (!validationConfig.TryGetProperty("validators", out var validators) || validators.ValueKind != JsonValueKind.Array)
            {
                throw AwsApiException.Constraint("validationDataConfig.validators", null, "Member must not be null");
            }

            var index = 0;
            foreach (var validator in validators.EnumerateArray())
            {
                index++;
                validationUris.Add(validator.ValueKind == JsonValueKind.Object && validator.TryGetProperty("s3Uri", out var uri) && uri.ValueKind == JsonValueKind.String
                    ? uri.GetString()!
                    : throw AwsApiException.Constraint($"validationDataConfig.validators.{index}.member.s3Uri", null, "Member must not be null"));
            }

            if (validationUris.Count > 10)
            {
                throw AwsApiException.Constraint("validationDataConfig.validators", null, "Member must have length less than or equal to 10");
            }
        }

        BedrockCustomModel? sourceModel = null;
        var baseModel = BedrockModelCatalog.Find(baseIdentifier);
        if (baseModel is null && FindCustomModel(baseIdentifier) is { } custom)
        {
            sourceModel = custom;
            baseModel = custom.BaseModel;
        }

        if (baseModel is null)
        {
            throw AwsApiException.Validation($"The provided base model identifier {baseIdentifier} is not a model that supports customization, or it does not exist.");
        }

        if (customizationType != "FINE_TUNING")
        {
            throw AwsApiException.Validation($"The customization type {customizationType} is not supported for model {baseModel.Id} by the emulator; use FINE_TUNING.");
        }

        var hyper = ParseHyperParameters(root, baseModel);
        if (Options.AssumableRoleArns is { } roles && !roles.Contains(roleArn, StringComparer.Ordinal))
        {
            throw AwsApiException.Validation("Could not assume provided IAM role. Make sure the role has a trust relationship with Amazon Bedrock and the permissions the job needs.");
        }

        var trainingBucket = CheckS3Uri("trainingDataConfig.s3Uri", trainingUri, out var trainingKey);
        var outputBucket = CheckS3Uri("outputDataConfig.s3Uri", outputUri, out _);
        var validationData = new List<byte[]?>();
        for (var i = 0; i < validationUris.Count; i++)
        {
            var bucket = CheckS3Uri($"validationDataConfig.validators.{i + 1}.member.s3Uri", validationUris[i], out var key);
            validationData.Add(bucket.Objects.TryGetValue(key, out var o) ? o.Content : null);
        }

        _ = outputBucket;
        if (_jobs.Values.Any(j => j.Name == jobName))
        {
            throw AwsApiException.Conflict($"A model customization job with the name {jobName} already exists.");
        }

        if (_customModels.Values.Any(m => m.Name == modelName) || _jobs.Values.Any(j => j.CustomModelName == modelName && j.Status is "InProgress" or "Stopping"))
        {
            throw AwsApiException.Conflict($"A custom model with the name {modelName} already exists or is being created.");
        }

        var now = UtcNow();
        var id = RandomId(12);
        var job = new BedrockJob
        {
            Arn = $"arn:aws:bedrock:{Options.Region}:{Options.AccountId}:model-customization-job/{baseModel.Id}/{id}",
            Id = id,
            Name = jobName,
            CustomModelName = modelName,
            RoleArn = roleArn,
            ClientRequestToken = token,
            BaseModel = baseModel,
            SourceModel = sourceModel,
            CustomizationType = customizationType,
            TrainingS3Uri = trainingUri,
            ValidationS3Uris = validationUris,
            OutputS3Uri = outputUri,
            HyperParameters = hyper,
            KmsKeyId = OptionalString(root, "customModelKmsKeyId"),
            VpcConfigJson = root.TryGetProperty("vpcConfig", out var vpc) && vpc.ValueKind == JsonValueKind.Object ? vpc.GetRawText() : null,
            Sequence = NextSequence(),
            CreationTime = now,
            Seed = _random.Next(),
            Ids = _journal is null ? null : new Random(_journal.DeriveSeed("job:" + id)),
            TrainingData = trainingBucket.Objects.TryGetValue(trainingKey, out var training) ? training.Content : null,
            ValidationData = validationData,
            LastModifiedTime = now,
            PhaseStart = now,
        };
        _jobs[job.Arn] = job;
        if (!_replaying && Options.LoseJobCreateResponses > 0)
        {
            Options.LoseJobCreateResponses--;
            return EmulatorResponse.LostInFlight();
        }

        return Json(201, w => JobArnBody(w, job.Arn));
    }

    private static void JobArnBody(Utf8JsonWriter w, string arn)
    {
        w.WriteStartObject();
        w.WriteString("jobArn", arn);
        w.WriteEndObject();
    }

    private static Dictionary<string, string> ParseHyperParameters(JsonElement root, BedrockFoundationModel model)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("hyperParameters", out var hyper) && hyper.ValueKind != JsonValueKind.Null)
        {
            if (hyper.ValueKind != JsonValueKind.Object)
            {
                throw new AwsApiException(400, "SerializationException", "hyperParameters must be a map of strings to strings.");
            }

            foreach (var property in hyper.EnumerateObject())
            {
                var spec = model.Hyperparameters.FirstOrDefault(h => h.Name == property.Name)
                    ?? throw AwsApiException.Validation($"The hyperparameter {property.Name} is not supported for {model.Id}. Supported hyperparameters: {string.Join(", ", model.Hyperparameters.Select(h => h.Name))}.");
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new AwsApiException(400, "SerializationException", $"hyperParameters.{property.Name} must be a string (numbers are sent as strings, e.g. \"2\").");
                }

                var text = property.Value.GetString()!;
                var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !double.IsNaN(value)
                    && (!spec.IsInteger || value == Math.Floor(value)) && value >= spec.Min && value <= spec.Max;
                if (!ok)
                {
                    var kind = spec.IsInteger ? "an integer" : "a number";
                    throw AwsApiException.Validation($"The value {text} of hyperparameter {property.Name} is invalid for {model.Id}: it must be {kind} between {spec.Min.ToString(CultureInfo.InvariantCulture)} and {spec.Max.ToString(CultureInfo.InvariantCulture)}.");
                }

                result[property.Name] = text;
            }
        }

        foreach (var spec in model.Hyperparameters)
        {
            result.TryAdd(spec.Name, spec.Default.ToString(CultureInfo.InvariantCulture));
        }

        return result;
    }

    private S3Bucket CheckS3Uri(string field, string uri, out string key)
    {
        if (!S3Names.TryParse(uri, out var bucketName, out key))
        {
            throw AwsApiException.Constraint(field, uri, "Member must satisfy regular expression pattern: " + S3Names.S3UriPattern);
        }

        return _buckets.TryGetValue(bucketName, out var bucket)
            ? bucket
            : throw AwsApiException.Validation($"The S3 bucket {bucketName} of {field} does not exist or Amazon Bedrock does not have access to it.");
    }

    private BedrockJob FindJob(string identifier) =>
        (_jobs.TryGetValue(identifier, out var job) ? job : _jobs.Values.FirstOrDefault(j => j.Name == identifier))
        ?? throw AwsApiException.NotFound($"Could not find a model customization job with identifier {identifier}.");

    private BedrockCustomModel? FindCustomModel(string identifier) =>
        _customModels.TryGetValue(identifier, out var model) ? model : _customModels.Values.FirstOrDefault(m => m.Name == identifier);

    private EmulatorResponse ListJobs(EmulatorRequest request)
    {
        IEnumerable<BedrockJob> jobs = _jobs.Values;
        var after = QueryTime(request, "creationTimeAfter");
        var before = QueryTime(request, "creationTimeBefore");
        var status = request.QueryValue("statusEquals");
        if (status is not null)
        {
            CheckEnum("statusEquals", status, JobStatuses);
        }

        var nameContains = request.QueryValue("nameContains");
        jobs = jobs.Where(j => (after is null || j.CreationTime > after) && (before is null || j.CreationTime < before)
            && (status is null || j.Status == status) && (nameContains is null || j.Name.Contains(nameContains, StringComparison.Ordinal)));
        var page = Page(request, "jobs", Sort(request, jobs, j => j.Sequence), out var nextToken);
        return PageJson(page, nextToken, "modelCustomizationJobSummaries", (w, job) =>
        {
            w.WriteStartObject();
            w.WriteString("jobArn", job.Arn);
            w.WriteString("baseModelArn", job.BaseModel.Arn(Options.Region));
            w.WriteString("jobName", job.Name);
            w.WriteString("status", job.Status);
            w.WriteString("lastModifiedTime", Iso(job.LastModifiedTime));
            w.WriteString("creationTime", Iso(job.CreationTime));
            if (job.EndTime is { } end)
            {
                w.WriteString("endTime", Iso(end));
            }

            if (job.OutputModel is { } model)
            {
                w.WriteString("customModelArn", model.Arn);
            }

            w.WriteString("customModelName", job.CustomModelName);
            w.WriteString("customizationType", job.CustomizationType);
            w.WriteEndObject();
        });
    }

    private EmulatorResponse StopJob(BedrockJob job)
    {
        if (job.Status != "InProgress")
        {
            throw AwsApiException.Validation($"The model customization job {job.Name} cannot be stopped because its status is {job.Status}.");
        }

        var now = UtcNow();
        job.Status = "Stopping";
        job.Phase = "Stopping";
        job.PhaseStart = now;
        job.LastModifiedTime = now;
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }

    private void WriteJob(Utf8JsonWriter w, BedrockJob job)
    {
        w.WriteStartObject();
        w.WriteString("jobArn", job.Arn);
        w.WriteString("jobName", job.Name);
        w.WriteString("outputModelName", job.CustomModelName);
        if (job.OutputModel is { } model)
        {
            w.WriteString("outputModelArn", model.Arn);
        }

        if (job.ClientRequestToken is not null)
        {
            w.WriteString("clientRequestToken", job.ClientRequestToken);
        }

        w.WriteString("roleArn", job.RoleArn);
        w.WriteString("status", job.Status);
        if (job.FailureMessage is not null)
        {
            w.WriteString("failureMessage", job.FailureMessage);
        }

        w.WriteString("creationTime", Iso(job.CreationTime));
        w.WriteString("lastModifiedTime", Iso(job.LastModifiedTime));
        if (job.EndTime is { } end)
        {
            w.WriteString("endTime", Iso(end));
        }

        w.WriteString("baseModelArn", job.BaseModel.Arn(Options.Region));
        WriteTrainingDescription(w, job);
        if (job.KmsKeyId is not null)
        {
            w.WriteString("outputModelKmsKeyArn", job.KmsKeyId);
        }

        if (job.VpcConfigJson is not null)
        {
            w.WritePropertyName("vpcConfig");
            w.WriteRawValue(job.VpcConfigJson);
        }

        w.WriteEndObject();
    }

    /// <summary>The members a job and its custom model share: hyperparameters, data configs, type, metrics.</summary>
    private static void WriteTrainingDescription(Utf8JsonWriter w, BedrockJob job)
    {
        w.WriteStartObject("hyperParameters");
        foreach (var (key, value) in job.HyperParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        w.WriteStartObject("trainingDataConfig");
        w.WriteString("s3Uri", job.TrainingS3Uri);
        w.WriteEndObject();
        w.WriteStartObject("validationDataConfig");
        w.WriteStartArray("validators");
        foreach (var uri in job.ValidationS3Uris)
        {
            w.WriteStartObject();
            w.WriteString("s3Uri", uri);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("outputDataConfig");
        w.WriteString("s3Uri", job.OutputS3Uri);
        w.WriteEndObject();
        w.WriteString("customizationType", job.CustomizationType);
        if (job.Status == "Completed" && job.Metrics.Count > 0)
        {
            w.WriteStartObject("trainingMetrics");
            w.WriteNumber("trainingLoss", job.Metrics[^1].Loss);
            w.WriteEndObject();
            w.WriteStartArray("validationMetrics");
            if (job.ValidationLoss is { } validationLoss)
            {
                w.WriteStartObject();
                w.WriteNumber("validationLoss", validationLoss);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    private void AdvanceAll()
    {
        var now = UtcNow();
        foreach (var job in _jobs.Values.OrderBy(j => j.Sequence))
        {
            AdvanceJob(job, now);
        }

        foreach (var throughput in _provisioned.Values)
        {
            if (throughput.Status == "Creating" && now >= throughput.CreationTime + Scaled(Options.ProvisioningDuration))
            {
                throughput.Status = "InService";
                throughput.LastModifiedTime = throughput.CreationTime + Scaled(Options.ProvisioningDuration);
            }
        }

        foreach (var deployment in _deployments.Values)
        {
            if (deployment.Status == "Creating" && now >= deployment.CreatedAt + Scaled(Options.DeploymentDuration))
            {
                deployment.Status = "Active";
                deployment.LastUpdatedAt = deployment.CreatedAt + Scaled(Options.DeploymentDuration);
            }
        }
    }

    private void AdvanceJob(BedrockJob job, DateTimeOffset now)
    {
        while (job.Status is "InProgress" or "Stopping")
        {
            switch (job.Phase)
            {
                case "Validating":
                {
                    var end = job.PhaseStart + Scaled(Options.ValidationDuration);
                    if (now < end)
                    {
                        return;
                    }

                    FinishValidation(job, end);
                    break;
                }

                case "Training":
                {
                    var step = Scaled(Options.StepDuration);
                    var reached = (int)Math.Min(job.TotalSteps, (now - job.PhaseStart).Ticks / Math.Max(1, step.Ticks));
                    while (job.StepsDone < reached)
                    {
                        job.Metrics.Add(new BedrockMetricsRow(job.StepsDone, job.StepsDone / job.StepsPerEpoch, TrainLoss(job, job.StepsDone)));
                        job.StepsDone++;
                    }

                    if (job.StepsDone < job.TotalSteps)
                    {
                        return;
                    }

                    Complete(job, job.PhaseStart + (step * job.TotalSteps));
                    return;
                }

                case "Stopping":
                {
                    var end = job.PhaseStart + Scaled(Options.StopDuration);
                    if (now < end)
                    {
                        return;
                    }

                    job.Status = "Stopped";
                    job.EndTime = end;
                    job.LastModifiedTime = end;
                    return;
                }

                default:
                    return;
            }
        }
    }

    private static void FinishValidation(BedrockJob job, DateTimeOffset at)
    {
        if (job.TrainingData is null)
        {
            Fail(job, at, $"The training data file {job.TrainingS3Uri} could not be found. Check that the object exists and that the role can read it.");
            return;
        }

        var training = BedrockTrainingData.Check(job.TrainingData, job.TrainingS3Uri, job.BaseModel, validation: false);
        if (training.FailureMessage is not null)
        {
            Fail(job, at, training.FailureMessage);
            return;
        }

        for (var i = 0; i < job.ValidationData.Count; i++)
        {
            var data = job.ValidationData[i];
            var report = data is null
                ? new BedrockDataReport($"The validation data file {job.ValidationS3Uris[i]} could not be found.", 0, [])
                : BedrockTrainingData.Check(data, job.ValidationS3Uris[i], job.BaseModel, validation: true);
            if (report.FailureMessage is not null)
            {
                Fail(job, at, report.FailureMessage);
                return;
            }
        }

        var epochs = (int)job.BaseModel.Hyper(job.HyperParameters, "epochCount", 1);
        var batch = Math.Max(1, (int)job.BaseModel.Hyper(job.HyperParameters, "batchSize", 1));
        job.StepsPerEpoch = Math.Max(1, (int)Math.Ceiling(training.RecordCount / (double)batch));
        job.RecordCount = training.RecordCount;
        job.TotalSteps = job.StepsPerEpoch * epochs;
        foreach (var pair in training.Pairs)
        {
            job.Learned.TryAdd(pair.Prompt, pair.Answer);
        }

        // Continued training from a custom model keeps what it learned; the new data wins on conflicts.
        if (job.SourceModel is { } source)
        {
            foreach (var (prompt, answer) in source.Learned)
            {
                job.Learned.TryAdd(prompt, answer);
            }
        }

        job.Phase = "Training";
        job.PhaseStart = at;
        job.LastModifiedTime = at;
    }

    private static void Fail(BedrockJob job, DateTimeOffset at, string message)
    {
        job.Status = "Failed";
        job.FailureMessage = message.Length > 2048 ? message[..2048] : message;
        job.EndTime = at;
        job.LastModifiedTime = at;
    }

    private void Complete(BedrockJob job, DateTimeOffset at)
    {
        if (job.ValidationS3Uris.Count > 0)
        {
            job.ValidationLoss = ValidLoss(job, job.TotalSteps - 1);
        }

        var model = new BedrockCustomModel
        {
            Arn = $"arn:aws:bedrock:{Options.Region}:{Options.AccountId}:custom-model/{job.BaseModel.Id}/{RandomId(12, job.Ids)}",
            Name = job.CustomModelName,
            Job = job,
            CreationTime = at,
            Sequence = NextSequence(),
        };
        _customModels[model.Arn] = model;
        job.OutputModel = model;
        job.Status = "Completed";
        job.EndTime = at;
        job.LastModifiedTime = at;
        WriteMetricsFiles(job, at);
    }

    /// <summary>Writes the step-wise metrics CSVs under <c>{output}/model-customization-job-{id}/</c> (bedrock.md §3.6).</summary>
    private void WriteMetricsFiles(BedrockJob job, DateTimeOffset at)
    {
        if (!S3Names.TryParse(job.OutputS3Uri, out var bucketName, out var prefix) || !_buckets.TryGetValue(bucketName, out var bucket))
        {
            return;
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        prefix += $"model-customization-job-{job.Id}/";
        var training = new StringBuilder("step_number,epoch_number,training_loss,perplexity\n");
        foreach (var row in job.Metrics)
        {
            training.Append(CultureInfo.InvariantCulture, $"{row.Step},{row.Epoch},{row.Loss},{Math.Round(Math.Exp(row.Loss), 6)}\n");
        }

        PutGenerated(bucket, prefix + "training_artifacts/step_wise_training_metrics.csv", training.ToString(), at);
        if (job.ValidationS3Uris.Count > 0)
        {
            var validation = new StringBuilder("step_number,epoch_number,validation_loss,perplexity\n");
            var epochs = job.TotalSteps / job.StepsPerEpoch;
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                var step = ((epoch + 1) * job.StepsPerEpoch) - 1;
                var loss = ValidLoss(job, step);
                validation.Append(CultureInfo.InvariantCulture, $"{step},{epoch},{loss},{Math.Round(Math.Exp(loss), 6)}\n");
            }

            PutGenerated(bucket, prefix + "validation_artifacts/post_fine_tuning_validation/validation_metrics.csv", validation.ToString(), at);
        }
    }

    private static void PutGenerated(S3Bucket bucket, string key, string text, DateTimeOffset at)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        bucket.Objects[key] = new S3Object(bytes, S3Digest.ETag(bytes), "text/csv", at, []);
    }

    /// <summary>The training loss at a step (from 0): the hyperparameter-dependent curve with hash noise and spikes.</summary>
    private static double TrainLoss(BedrockJob job, int step) => Math.Round(SmoothLoss(job, step) + Curve(job).Spike(step), 6);

    /// <summary>The validation loss after a step: the noiseless curve + 0.07, small noise and the overfitting term.</summary>
    private static double ValidLoss(BedrockJob job, int step)
    {
        var progress = (double)(step + 1) / job.TotalSteps;
        return Math.Round(SmoothLoss(job, step) + 0.07 + ((TrainingCurve.Unit(job.Seed, step, 3) - 0.5) * 0.04) + Curve(job).Overfit(progress), 6);
    }

    private static double SmoothLoss(BedrockJob job, int step)
    {
        var progress = (double)(step + 1) / job.TotalSteps;
        var noise = (TrainingCurve.Unit(job.Seed, step, 1) - 0.5) * 0.2 * (1 - (0.5 * progress));
        return Math.Max(0.01, Curve(job).Decay(0.08, 2.1, progress) + noise);
    }

    /// <summary>The job's curve: the family's default epochs and learning rate (or multiplier) are the full budget.</summary>
    private static TrainingCurve Curve(BedrockJob job)
    {
        var model = job.BaseModel;
        var epochs = (int)model.Hyper(job.HyperParameters, "epochCount", 1);
        var defaultEpochs = model.Hyperparameters.FirstOrDefault(h => h.Name == "epochCount")?.Default ?? 1;
        var rate = model.Hyperparameters.FirstOrDefault(h => h.Name is "learningRate" or "learningRateMultiplier");
        var relative = rate is null || rate.Default <= 0 ? 1 : model.Hyper(job.HyperParameters, rate.Name, rate.Default) / rate.Default;
        return new TrainingCurve(job.Seed, epochs, defaultEpochs, relative, job.RecordCount);
    }

    private EmulatorResponse GetCustomModel(string identifier)
    {
        var model = FindCustomModel(identifier) ?? throw AwsApiException.NotFound($"Could not find a custom model with identifier {identifier}.");
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("modelArn", model.Arn);
            w.WriteString("modelName", model.Name);
            w.WriteString("jobName", model.Job.Name);
            w.WriteString("jobArn", model.Job.Arn);
            w.WriteString("baseModelArn", model.Job.SourceModel?.Arn ?? model.BaseModel.Arn(Options.Region));
            if (model.Job.KmsKeyId is not null)
            {
                w.WriteString("modelKmsKeyArn", model.Job.KmsKeyId);
            }

            WriteTrainingDescription(w, model.Job);
            w.WriteString("creationTime", Iso(model.CreationTime));
            w.WriteString("modelStatus", "Active");
            w.WriteEndObject();
        });
    }

    private EmulatorResponse ListCustomModels(EmulatorRequest request)
    {
        var after = QueryTime(request, "creationTimeAfter");
        var before = QueryTime(request, "creationTimeBefore");
        var nameContains = request.QueryValue("nameContains");
        var baseArn = request.QueryValue("baseModelArnEquals");
        var foundationArn = request.QueryValue("foundationModelArnEquals");
        var status = request.QueryValue("modelStatus");
        if (status is not null)
        {
            CheckEnum("modelStatus", status, ["Active", "Creating", "Failed"]);
        }

        var owned = request.QueryValue("isOwned");
        var models = _customModels.Values.Where(m => (after is null || m.CreationTime > after) && (before is null || m.CreationTime < before)
            && (nameContains is null || m.Name.Contains(nameContains, StringComparison.Ordinal))
            && (baseArn is null || (m.Job.SourceModel?.Arn ?? m.BaseModel.Arn(Options.Region)) == baseArn)
            && (foundationArn is null || m.BaseModel.Arn(Options.Region) == foundationArn)
            && (status is null || status == "Active") && owned != "false");
        var page = Page(request, "models", Sort(request, models, m => m.Sequence), out var nextToken);
        return PageJson(page, nextToken, "modelSummaries", (w, model) =>
        {
            w.WriteStartObject();
            w.WriteString("modelArn", model.Arn);
            w.WriteString("modelName", model.Name);
            w.WriteString("creationTime", Iso(model.CreationTime));
            w.WriteString("baseModelArn", model.Job.SourceModel?.Arn ?? model.BaseModel.Arn(Options.Region));
            w.WriteString("baseModelName", model.BaseModel.ModelName);
            w.WriteString("customizationType", model.Job.CustomizationType);
            w.WriteString("ownerAccountId", Options.AccountId);
            w.WriteString("modelStatus", "Active");
            w.WriteEndObject();
        });
    }

    private EmulatorResponse DeleteCustomModel(string identifier)
    {
        var model = FindCustomModel(identifier) ?? throw AwsApiException.NotFound($"Could not find a custom model with identifier {identifier}.");
        if (_provisioned.Values.Any(p => p.CustomModel == model) || _deployments.Values.Any(d => d.Model == model))
        {
            throw AwsApiException.Conflict($"The custom model {model.Name} is in use by provisioned throughput or a custom model deployment; delete those first.");
        }

        _customModels.Remove(model.Arn);
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }

    private static JsonDocument ParseBody(EmulatorRequest request)
    {
        try
        {
            var document = JsonDocument.Parse(request.Body.Length == 0 ? "{}"u8.ToArray() : request.Body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new AwsApiException(400, "SerializationException", "The request body must be a JSON object.");
            }

            return document;
        }
        catch (JsonException)
        {
            throw new AwsApiException(400, "SerializationException", "The request body could not be parsed as JSON.");
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new AwsApiException(400, "SerializationException", $"'{name}' must be a string.");

    private static string RequiredString(JsonElement root, string name) =>
        OptionalString(root, name) ?? throw AwsApiException.Constraint(name, null, "Member must not be null");

    private static string RequiredString(JsonElement root, string parent, string name)
    {
        if (!root.TryGetProperty(parent, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw AwsApiException.Constraint(parent, null, "Member must not be null");
        }

        return OptionalString(value, name) ?? throw AwsApiException.Constraint(parent + "." + name, null, "Member must not be null");
    }

    private static string CheckString(string field, string value, string? pattern, int maxLength)
    {
        if (value.Length < 1)
        {
            throw AwsApiException.Constraint(field, value, "Member must have length greater than or equal to 1");
        }

        if (value.Length > maxLength)
        {
            throw AwsApiException.Constraint(field, value, $"Member must have length less than or equal to {maxLength}");
        }

        if (pattern is not null && !Regex.IsMatch(value, "^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            throw AwsApiException.Constraint(field, value, "Member must satisfy regular expression pattern: " + pattern);
        }

        return value;
    }

    private static void CheckEnum(string field, string value, string[] allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            throw AwsApiException.Constraint(field, value, $"Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }
    }

    private static DateTimeOffset? QueryTime(EmulatorRequest request, string name)
    {
        var text = request.QueryValue(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new AwsApiException(400, "SerializationException", $"'{name}' must be an ISO-8601 timestamp.");
    }

    private static List<T> Sort<T>(EmulatorRequest request, IEnumerable<T> items, Func<T, long> sequence)
    {
        var sortBy = request.QueryValue("sortBy");
        if (sortBy is not null)
        {
            CheckEnum("sortBy", sortBy, ["CreationTime"]);
        }

        var order = request.QueryValue("sortOrder") ?? "Descending";
        CheckEnum("sortOrder", order, ["Ascending", "Descending"]);
        return order == "Ascending" ? items.OrderBy(sequence).ToList() : items.OrderByDescending(sequence).ToList();
    }

    /// <summary>A 200 list answer: <c>nextToken</c> (when there is one) and the page's items under <paramref name="arrayName"/>.</summary>
    private static EmulatorResponse PageJson<T>(List<T> page, string? nextToken, string arrayName, Action<Utf8JsonWriter, T> writeItem) => Json(200, w =>
    {
        w.WriteStartObject();
        WriteNextToken(w, nextToken);
        w.WriteStartArray(arrayName);
        foreach (var item in page)
        {
            writeItem(w, item);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>One page of <paramref name="ordered"/>; the opaque token encodes the list and the offset of the next page.</summary>
    private static List<T> Page<T>(EmulatorRequest request, string list, List<T> ordered, out string? nextToken)
    {
        var maxResults = 100;
        if (request.QueryValue("maxResults") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxResults) || maxResults is < 1 or > 1000))
        {
            throw AwsApiException.Constraint("maxResults", text, "Member must have value between 1 and 1000");
        }

        var offset = 0;
        if (request.QueryValue("nextToken") is { } token)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                decoded = string.Empty;
            }

            var parts = decoded.Split('|');
            if (parts.Length != 2 || parts[0] != list || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw AwsApiException.Validation("The provided pagination token is invalid.");
            }
        }

        var page = ordered.Skip(offset).Take(maxResults).ToList();
        nextToken = offset + page.Count < ordered.Count
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{list}|{offset + page.Count}")))
            : null;
        return page;
    }

    private static void WriteNextToken(Utf8JsonWriter w, string? nextToken)
    {
        if (nextToken is not null)
        {
            w.WriteString("nextToken", nextToken);
        }
    }
}
