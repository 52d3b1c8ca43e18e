using System.Globalization;
using System.Text;

namespace FineTune.Sdk.Testing;

/// <content>Fine-tuning jobs: the training state machine (validating, queued, running, terminal states), its events, metrics and result file.</content>
public sealed partial class OpenAIEmulator
{
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

    internal static uint Fnv1a(string text) => AnswerBook.Fnv1a(text);
}
