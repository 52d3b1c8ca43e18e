using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>How <c>finetune jobs</c> prints jobs, events, checkpoints, metrics and diagnoses: one JSON object (or one per
/// line for streams) with <c>--json</c>, else short lines for people. Field names are documented in docs/jobs.md.</summary>
internal static class JobsOutput
{
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Compact))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void WriteJob(Utf8JsonWriter w, FineTuneJob job)
    {
        w.WriteStartObject();
        w.WriteString("id", job.Id);
        w.WriteString("status", job.Status.Value);
        WriteOptional(w, "provider", job.Provider);
        WriteOptional(w, "baseModel", job.BaseModel);
        WriteOptional(w, "fineTunedModel", job.FineTunedModel);
        WriteOptional(w, "trainingFileId", job.TrainingFileId);
        WriteOptional(w, "validationFileId", job.ValidationFileId);
        WriteOptional(w, "createdAt", job.CreatedAt);
        WriteOptional(w, "finishedAt", job.FinishedAt);
        if (job.TrainedTokens is { } tokens)
        {
            w.WriteNumber("trainedTokens", tokens);
        }

        w.WriteStartObject("hyperparameters");
        WriteOptional(w, "epochs", job.Hyperparameters.Epochs);
        WriteOptional(w, "batchSize", job.Hyperparameters.BatchSize);
        WriteOptional(w, "learningRateMultiplier", job.Hyperparameters.LearningRateMultiplier);
        w.WriteEndObject();
        if (job.Error is { } error)
        {
            w.WriteStartObject("error");
            WriteOptional(w, "code", error.Code);
            WriteOptional(w, "message", error.Message);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static string JobLine(FineTuneJob job)
    {
        var line = new StringBuilder().Append(job.Id).Append("  ").Append(job.Status.Value);
        if (job.BaseModel is not null)
        {
            line.Append("  ").Append(job.BaseModel);
        }

        if (job.FineTunedModel is not null)
        {
            line.Append("  -> ").Append(job.FineTunedModel);
        }

        if (job.Error?.Message is { } message)
        {
            line.Append("  error: ").Append(message);
        }

        return line.ToString();
    }

    public static void WriteEvent(Utf8JsonWriter w, FineTuneEvent e)
    {
        w.WriteStartObject();
        w.WriteString("id", e.Id);
        WriteOptional(w, "createdAt", e.CreatedAt);
        w.WriteString("level", e.Level);
        w.WriteString("message", e.Message);
        if (e.Metric is { } metric)
        {
            w.WritePropertyName("metric");
            WriteMetric(w, metric);
        }

        w.WriteEndObject();
    }

    public static string EventLine(FineTuneEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.CreatedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-"}  [{e.Level}] {e.Message}");

    public static void WriteCheckpoint(Utf8JsonWriter w, FineTuneCheckpoint c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("modelId", c.ModelId);
        w.WriteNumber("step", c.StepNumber);
        WriteOptional(w, "createdAt", c.CreatedAt);
        if (c.Metrics is { } metric)
        {
            w.WritePropertyName("metrics");
            WriteMetric(w, metric);
        }

        w.WriteEndObject();
    }

    public static void WriteMetric(Utf8JsonWriter w, TrainingMetric m)
    {
        w.WriteStartObject();
        w.WriteNumber("step", m.Step);
        WriteOptional(w, "epoch", m.Epoch);
        WriteOptional(w, "trainLoss", m.TrainLoss);
        WriteOptional(w, "trainAccuracy", m.TrainAccuracy);
        WriteOptional(w, "validLoss", m.ValidLoss);
        WriteOptional(w, "validAccuracy", m.ValidAccuracy);
        WriteOptional(w, "fullValidLoss", m.FullValidLoss);
        WriteOptional(w, "fullValidAccuracy", m.FullValidAccuracy);
        w.WriteEndObject();
    }

    public static string MetricLine(TrainingMetric m)
    {
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"step {m.Step}") };
        void Add(string name, double? value)
        {
            if (value is { } v)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {v:0.0000}"));
            }
        }

        Add("train_loss", m.TrainLoss);
        Add("valid_loss", m.ValidLoss);
        Add("full_valid_loss", m.FullValidLoss);
        Add("train_accuracy", m.TrainAccuracy);
        return string.Join("  ", parts);
    }

    public static void WriteDiagnosis(Utf8JsonWriter w, string jobId, TrainingDiagnosis diagnosis)
    {
        w.WriteStartObject();
        w.WriteString("jobId", jobId);
        w.WriteBoolean("healthy", diagnosis.IsHealthy);
        w.WriteNumber("steps", diagnosis.Steps);
        WriteOptional(w, "finalTrainLoss", diagnosis.FinalTrainLoss);
        WriteOptional(w, "finalValidLoss", diagnosis.FinalValidLoss);
        WriteOptional(w, "bestValidStep", diagnosis.BestValidStep);
        w.WriteStartArray("findings");
        foreach (var finding in diagnosis.Findings)
        {
            w.WriteStartObject();
            w.WriteString("code", finding.Code);
            w.WriteString("kind", KindName(finding.Kind));
            w.WriteString("severity", finding.Severity.ToString().ToLowerInvariant());
            w.WriteString("message", finding.Message);
            w.WriteString("advice", finding.Advice);
            w.WriteStartObject("figures");
            foreach (var (name, value) in finding.Figures)
            {
                w.WriteNumber(name, value);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static string KindName(TrainingFindingKind kind) => kind switch
    {
        TrainingFindingKind.Overfitting => "overfitting",
        TrainingFindingKind.Underfitting => "underfitting",
        TrainingFindingKind.Instability => "instability",
        _ => "validation",
    };

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            w.WriteString(name, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } number && double.IsFinite(number))
        {
            w.WriteNumber(name, number);
        }
    }
}
