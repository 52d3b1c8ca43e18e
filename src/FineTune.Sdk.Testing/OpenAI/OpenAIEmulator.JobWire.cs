using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <content>Fine-tuning jobs: writing jobs, events and checkpoints as the API's JSON.</content>
public sealed partial class OpenAIEmulator
{
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
}
