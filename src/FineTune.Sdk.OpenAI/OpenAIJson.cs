using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// Reads OpenAI's JSON into the neutral models. Used instead of the typed OpenAI models where those are wrong or
/// missing: trained tokens (always 0 in 2.15), learning-rate multiplier (parsed with the current culture),
/// created/finished times, the error object and the fine-tuned model id (not exposed). Numbers are read invariantly.
/// </summary>
internal static class OpenAIJson
{
    private static readonly HashSet<string> JobFields = new(StringComparer.Ordinal)
    {
        "id", "object", "status", "model", "fine_tuned_model", "training_file", "validation_file", "created_at", "finished_at",
        "estimated_finish", "trained_tokens", "seed", "user_provided_suffix", "metadata", "result_files", "error", "method",
        "hyperparameters",
    };

    public static string? Str(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long? Long(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    public static double? Number(JsonElement e, string name)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static DateTimeOffset? Time(JsonElement e, string name)
        => Long(e, name) is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    public static FineTuneJobStatus Status(string? raw) => raw switch
    {
        null or "" => new FineTuneJobStatus("unknown"),
        "validating_files" => FineTuneJobStatus.Validating,
        "queued" => FineTuneJobStatus.Queued,
        "running" => FineTuneJobStatus.Running,
        "paused" => FineTuneJobStatus.Paused,
        "succeeded" => FineTuneJobStatus.Succeeded,
        "failed" => FineTuneJobStatus.Failed,
        "cancelled" => FineTuneJobStatus.Cancelled,
        _ => new FineTuneJobStatus(raw),
    };

    public static FineTuneJob Job(JsonElement job, object? raw = null)
    {
        var id = Str(job, "id") ?? throw new FineTuneException("OpenAI returned a job without an id.") { Provider = OpenAIErrors.Provider };
        var rawStatus = Str(job, "status");
        var method = FineTuneMethod.Supervised;
        JsonElement hyper = default;
        if (job.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.Object && Str(m, "type") is { Length: > 0 } type)
        {
            method = new FineTuneMethod(type);
            if (m.TryGetProperty(type, out var detail) && detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("hyperparameters", out var h))
            {
                hyper = h;
            }
        }

        if (hyper.ValueKind != JsonValueKind.Object && job.TryGetProperty("hyperparameters", out var top))
        {
            hyper = top;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (job.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in md.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    metadata[p.Name] = p.Value.GetString()!;
                }
            }
        }

        var results = new List<string>();
        if (job.TryGetProperty("result_files", out var rf) && rf.ValueKind == JsonValueKind.Array)
        {
            foreach (var f in rf.EnumerateArray())
            {
                if (f.ValueKind == JsonValueKind.String)
                {
                    results.Add(f.GetString()!);
                }
            }
        }

        AdditionalPropertiesDictionary? extra = null;
        foreach (var p in job.EnumerateObject())
        {
            if (!JobFields.Contains(p.Name))
            {
                (extra ??= [])[p.Name] = p.Value.Clone();
            }
        }

        return new FineTuneJob(id, Status(rawStatus))
        {
            RawStatus = rawStatus,
            Provider = OpenAIErrors.Provider,
            BaseModel = Str(job, "model"),
            FineTunedModel = Str(job, "fine_tuned_model"),
            TrainingFileId = Str(job, "training_file"),
            ValidationFileId = Str(job, "validation_file"),
            Method = method,
            Hyperparameters = Hyperparameters(hyper),
            CreatedAt = Time(job, "created_at"),
            FinishedAt = Time(job, "finished_at"),
            EstimatedFinishAt = Time(job, "estimated_finish"),
            TrainedTokens = Long(job, "trained_tokens"),
            Seed = Long(job, "seed") is { } seed and <= int.MaxValue and >= int.MinValue ? (int)seed : null,
            Suffix = Str(job, "user_provided_suffix"),
            Metadata = metadata,
            ResultFileIds = results,
            Error = Error(job),
            RawRepresentation = raw ?? job.Clone(),
            AdditionalProperties = extra,
        };
    }

    private static FineTuneHyperparameters Hyperparameters(JsonElement h)
    {
        if (h.ValueKind != JsonValueKind.Object)
        {
            return new FineTuneHyperparameters();
        }

        return new FineTuneHyperparameters
        {
            Epochs = Number(h, "n_epochs") is { } e ? (int)e : null,
            BatchSize = Number(h, "batch_size") is { } b ? (int)b : null,
            LearningRateMultiplier = Number(h, "learning_rate_multiplier"),
            Beta = Number(h, "beta"),
        };
    }

    private static FineTuneJobError? Error(JsonElement job)
    {
        // Live responses send "error": {} on healthy jobs; the spec shows all-null fields. Both mean no error.
        if (!job.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var code = Str(error, "code");
        var message = Str(error, "message");
        var param = Str(error, "param");
        return code is null && message is null && param is null ? null : new FineTuneJobError(code, message, param);
    }

    public static FineTuneEvent Event(JsonElement e)
    {
        var data = e.TryGetProperty("data", out var d) ? d : default;
        TrainingMetric? metric = null;
        if (data.ValueKind == JsonValueKind.Object && (string.Equals(Str(e, "type"), "metrics", StringComparison.Ordinal) || data.TryGetProperty("step", out _)))
        {
            metric = Metric(data);
        }

        return new FineTuneEvent(Str(e, "id") ?? "ftevent-unknown", Str(e, "message") ?? string.Empty)
        {
            CreatedAt = Time(e, "created_at"),
            Level = Str(e, "level") ?? "info",
            Metric = metric,
            RawRepresentation = e.Clone(),
            AdditionalProperties = Str(e, "type") is { } type ? new AdditionalPropertiesDictionary { ["type"] = type } : null,
        };
    }

    public static FineTuneCheckpoint Checkpoint(JsonElement c)
    {
        var step = Long(c, "step_number") ?? 0;
        return new FineTuneCheckpoint(Str(c, "id") ?? "ftckpt-unknown", Str(c, "fine_tuned_model_checkpoint") ?? "unknown", (int)step)
        {
            JobId = Str(c, "fine_tuning_job_id"),
            CreatedAt = Time(c, "created_at"),
            // The checkpoint's metrics may omit "step" (OpenAI's own example does); the step is the checkpoint's.
            Metrics = c.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object ? Metric(m, step) : null,
            RawRepresentation = c.Clone(),
        };
    }

    public static TrainingMetric? Metric(JsonElement data, long? step = null)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in data.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number)
            {
                values[p.Name.ToLowerInvariant()] = p.Value.GetDouble();
            }
            else if (p.Value.ValueKind == JsonValueKind.String && double.TryParse(p.Value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                values[p.Name.ToLowerInvariant()] = v;
            }
        }

        if (step is { } defaultStep)
        {
            values.TryAdd("step", defaultStep);
        }

        return TrainingMetric.FromValues(values);
    }

    public static UploadedFile File(JsonElement f, string? sha256, bool reused, object? raw = null)
        => new(Str(f, "id") ?? throw new FineTuneException("OpenAI returned a file without an id.") { Provider = OpenAIErrors.Provider }, Str(f, "filename") ?? string.Empty)
        {
            Bytes = Long(f, "bytes"),
            CreatedAt = Time(f, "created_at"),
            Sha256 = sha256,
            Reused = reused,
            Status = Str(f, "status"),
            RawRepresentation = raw ?? f.Clone(),
            AdditionalProperties = Str(f, "purpose") is { } purpose ? new AdditionalPropertiesDictionary { ["purpose"] = purpose } : null,
        };

    public static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
