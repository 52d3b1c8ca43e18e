using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// Turns a job's training metrics (results CSV rows, metrics events, Bedrock's metrics files) into findings with advice:
/// overfitting, underfitting, instability and a missing or too-small validation set. The rules and thresholds are
/// documented in docs/jobs.md; each finding carries the figures it was decided on.
/// </summary>
/// <remarks>Thread-safe and stateless: one instance may diagnose any number of runs concurrently.</remarks>
public sealed class TrainingDiagnostician
{
    /// <summary>The fewest training-loss points a curve needs before its shape is judged.</summary>
    internal const int MinimumSteps = 8;

    /// <summary>Validation loss must rise this much above its minimum (absolute) ...</summary>
    internal const double RiseAbsolute = 0.05;

    /// <summary>... and this share of the minimum, to count as rising.</summary>
    internal const double RiseRelative = 0.10;

    /// <summary>The validation-minus-training gap must grow by this much (and end above <see cref="GapEnd"/>).</summary>
    internal const double GapGrowth = 0.15;

    /// <summary>The smallest final gap that counts as widening.</summary>
    internal const double GapEnd = 0.25;

    /// <summary>A drop of this share of the loss over the last tenth of the steps means it is still falling steeply ...</summary>
    internal const double SteepDrop = 0.08;

    /// <summary>... when the drop is also at least this much (absolute): near a loss floor small drops are not steep.</summary>
    internal const double SteepDropAbsolute = 0.05;

    /// <summary>A final training loss at or above this is high.</summary>
    internal const double HighLoss = 1.0;

    /// <summary>A final mean token accuracy below this is low.</summary>
    internal const double LowAccuracy = 0.6;

    /// <summary>A point at least this many times its neighbourhood's median loss ...</summary>
    internal const double SpikeRatio = 1.5;

    /// <summary>... and this much above it (absolute) is a spike.</summary>
    internal const double SpikeAbsolute = 0.3;

    /// <summary>Fewer validation examples than this is too small a set.</summary>
    internal const int MinimumValidationExamples = 20;

    /// <summary>Diagnoses one run.</summary>
    /// <param name="metrics">The run's metrics in any order (one per step; steps without a training loss are only used
    /// for their validation values).</param>
    /// <param name="context">What else is known about the run; <see langword="null"/> when nothing is.</param>
    /// <returns>The diagnosis; findings ordered by code.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is <see langword="null"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An instance verb, so thresholds can become options and the type can be injected without an API break.")]
    public TrainingDiagnosis Diagnose(IReadOnlyList<TrainingMetric> metrics, TrainingDiagnosticsContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        context ??= new TrainingDiagnosticsContext();
        var ordered = metrics.Where(m => m is not null).OrderBy(m => m.Step).ToList();
        var train = ordered.Where(m => m.TrainLoss is { } loss && double.IsFinite(loss)).Select(m => (m.Step, Value: m.TrainLoss!.Value)).ToList();
        var fullValid = ordered.Where(m => m.FullValidLoss is { } loss && double.IsFinite(loss)).Select(m => (m.Step, Value: m.FullValidLoss!.Value)).ToList();
        var sampledValid = ordered.Where(m => m.ValidLoss is { } loss && double.IsFinite(loss)).Select(m => (m.Step, Value: m.ValidLoss!.Value)).ToList();
        var valid = fullValid.Count >= 3 ? fullValid : sampledValid;
        var accuracy = ordered.Where(m => m.TrainAccuracy is { } a && double.IsFinite(a)).Select(m => m.TrainAccuracy!.Value).ToList();

        var findings = new List<TrainingFinding>();
        double? finalTrain = train.Count > 0 ? Mean(Tail(train, 0.1)) : null;
        double? finalValid = valid.Count > 0 ? valid[^1].Value : null;
        int? bestValidStep = null;
        if (valid.Count >= 3)
        {
            var smoothed = Smooth(valid);
            bestValidStep = valid[IndexOfMin(smoothed)].Step;
        }

        if (train.Count >= MinimumSteps)
        {
            var overfit = ValidationRising(train, valid, context, findings);
            if (!overfit)
            {
                GapWidening(train, valid, context, findings);
            }

            if (!overfit)
            {
                StillFalling(train, context, findings);
                HighFinal(finalTrain!.Value, accuracy, context, findings);
            }

            Spikes(train, context, findings);
        }

        ValidationSet(valid.Count, context, findings);
        findings.Sort((a, b) => string.CompareOrdinal(a.Code, b.Code));
        return new TrainingDiagnosis(findings)
        {
            Steps = train.Count,
            FinalTrainLoss = finalTrain is { } f ? Math.Round(f, 4) : null,
            FinalValidLoss = finalValid is { } v ? Math.Round(v, 4) : null,
            BestValidStep = bestValidStep,
        };
    }

    /// <summary>FT5001: the smoothed validation loss ends clearly above its minimum, reached before the last 15 % of training,
    /// while the training loss kept falling after that minimum.</summary>
    private static bool ValidationRising(List<(int Step, double Value)> train, List<(int Step, double Value)> valid, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        if (valid.Count < 3)
        {
            return false;
        }

        var smoothed = Smooth(valid);
        var minIndex = IndexOfMin(smoothed);
        var min = smoothed[minIndex];
        var end = smoothed[^1];
        var lastStep = train[^1].Step;
        var minStep = valid[minIndex].Step;
        var rise = end - min;
        if (minIndex == valid.Count - 1 || rise < Math.Max(RiseAbsolute, RiseRelative * min) || minStep > 0.85 * lastStep)
        {
            return false;
        }

        var trainAtMin = Mean(train.Where(p => Math.Abs(p.Step - minStep) <= Math.Max(1, lastStep / 20)).Select(p => p.Value).DefaultIfEmpty(train[0].Value));
        var trainEnd = Mean(Tail(train, 0.1));
        if (trainEnd >= trainAtMin)
        {
            return false;
        }

        var figures = Figures(("min_valid_loss", min), ("min_valid_step", minStep), ("final_valid_loss", end), ("valid_loss_rise", rise),
            ("train_loss_at_min", trainAtMin), ("final_train_loss", trainEnd), ("last_step", lastStep));
        var share = (double)minStep / lastStep;
        string epochsAdvice;
        if (context.Epochs is { } epochs && epochs > 1)
        {
            var suggested = Math.Clamp((int)Math.Ceiling(epochs * share), 1, epochs - 1);
            figures["suggested_epochs"] = suggested;
            epochsAdvice = Invariant($"train for fewer epochs ({suggested} instead of {epochs})");
        }
        else
        {
            epochsAdvice = "train for fewer epochs";
        }

        findings.Add(new TrainingFinding(
            TrainingFindingCodes.ValidationLossRising,
            TrainingFindingKind.Overfitting,
            Invariant($"Overfitting: validation loss fell to {min:0.000} at step {minStep} of {lastStep}, then rose to {end:0.000} (+{rise:0.000}) while training loss kept falling ({trainAtMin:0.000} -> {trainEnd:0.000})."),
            Invariant($"The model memorizes the training rows: {epochsAdvice}, or use the checkpoint closest to step {minStep}; add more varied training examples; a lower learning-rate multiplier also slows memorization."))
        {
            Figures = figures,
        });
        return true;
    }

    /// <summary>FT5002: validation minus training loss grows from the first third of the validation points to the last.</summary>
    private static void GapWidening(List<(int Step, double Value)> train, List<(int Step, double Value)> valid, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        if (valid.Count < 3)
        {
            return;
        }

        var gaps = valid.Select(v => (v.Step, Value: v.Value - TrainNear(train, v.Step))).ToList();
        var third = Math.Max(1, gaps.Count / 3);
        var start = Mean(gaps.Take(third).Select(g => g.Value));
        var end = Mean(gaps.Skip(gaps.Count - third).Select(g => g.Value));
        if (end - start < GapGrowth || end < GapEnd)
        {
            return;
        }

        var epochs = context.Epochs is { } e && e > 1 ? Invariant($" ({e - 1} instead of {e})") : string.Empty;
        findings.Add(new TrainingFinding(
            TrainingFindingCodes.GeneralizationGapWidening,
            TrainingFindingKind.Overfitting,
            Invariant($"Overfitting: the gap between validation and training loss widened from {start:0.000} to {end:0.000} over training."),
            Invariant($"The model fits the training rows better than new ones: train for fewer epochs{epochs}, add more varied training examples, or lower the learning-rate multiplier."))
        {
            Figures = Figures(("gap_start", start), ("gap_end", end), ("gap_growth", end - start)),
        });
    }

    /// <summary>FT5003: the median loss of the last tenth of the steps is at least 8 % and 0.05 below the tenth before it
    /// (medians, so a spike does not look like progress).</summary>
    private static void StillFalling(List<(int Step, double Value)> train, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        var tenth = Math.Max(2, train.Count / 10);
        var last = Median(train.Skip(train.Count - tenth).Select(p => p.Value).ToList());
        var previous = Median(train.Skip(train.Count - (2 * tenth)).Take(tenth).Select(p => p.Value).ToList());
        if (previous <= 0 || (previous - last) / previous < SteepDrop || previous - last < SteepDropAbsolute)
        {
            return;
        }

        var drop = (previous - last) / previous;
        var epochs = context.Epochs is { } e ? Invariant($" ({Math.Min(FineTuneHyperparameters.MaxEpochs, e + 2)} instead of {e})") : " (1 or 2 more)";
        findings.Add(new TrainingFinding(
            TrainingFindingCodes.LossStillFalling,
            TrainingFindingKind.Underfitting,
            Invariant($"Underfitting: training loss was still falling steeply at the end ({previous:0.000} -> {last:0.000} over the last tenth of the steps, -{drop * 100:0}%)."),
            Invariant($"The model has not converged: train for more epochs{epochs}, or raise the learning-rate multiplier."))
        {
            Figures = Figures(("loss_previous_tenth", previous), ("loss_last_tenth", last), ("drop_ratio", drop)),
        });
    }

    /// <summary>FT5004 and FT5005: a high final loss, a low final mean token accuracy.</summary>
    private static void HighFinal(double finalLoss, List<double> accuracy, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        var smallerModel = context.BaseModel is null ? "a larger base model" : Invariant($"a larger base model than {context.BaseModel}");
        if (finalLoss >= HighLoss)
        {
            findings.Add(new TrainingFinding(
                TrainingFindingCodes.HighFinalLoss,
                TrainingFindingKind.Underfitting,
                Invariant($"Underfitting: the final training loss is {finalLoss:0.000} (at or above {HighLoss:0.0})."),
                Invariant($"The model did not learn the task: train for more epochs or raise the learning-rate multiplier; check that the examples are consistent (the same input should get the same kind of answer); add more examples, or try {smallerModel}."))
            {
                Figures = Figures(("final_train_loss", finalLoss), ("threshold", HighLoss)),
            });
        }

        if (accuracy.Count > 0)
        {
            var tail = accuracy.Skip(accuracy.Count - Math.Max(1, accuracy.Count / 10)).ToList();
            var final = Mean(tail);
            if (final < LowAccuracy)
            {
                findings.Add(new TrainingFinding(
                    TrainingFindingCodes.LowTokenAccuracy,
                    TrainingFindingKind.Underfitting,
                    Invariant($"Underfitting: the final mean token accuracy is {final * 100:0.0}% (below {LowAccuracy * 100:0}%)."),
                    "The model reproduces few of the trained answers' tokens: train for more epochs or raise the learning-rate multiplier, and make the answers more consistent.")
                {
                    Figures = Figures(("final_train_accuracy", final), ("threshold", LowAccuracy)),
                });
            }
        }
    }

    /// <summary>FT5006: points at least 1.5 times and 0.3 above the median of their ±5-point neighbourhood; two or more.</summary>
    private static void Spikes(List<(int Step, double Value)> train, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        var spikes = new List<(int Step, double Value, double Median)>();
        for (var i = 0; i < train.Count; i++)
        {
            var from = Math.Max(0, i - 5);
            var to = Math.Min(train.Count - 1, i + 5);
            var neighbours = new List<double>(to - from);
            for (var j = from; j <= to; j++)
            {
                if (j != i)
                {
                    neighbours.Add(train[j].Value);
                }
            }

            var median = Median(neighbours);
            if (train[i].Value >= SpikeRatio * median && train[i].Value - median >= SpikeAbsolute)
            {
                spikes.Add((train[i].Step, train[i].Value, median));
            }
        }

        if (spikes.Count < 2)
        {
            return;
        }

        var worst = spikes.MaxBy(s => s.Value / Math.Max(1e-9, s.Median));
        var lower = context.LearningRateMultiplier is { } lr
            ? Invariant($"lower the learning-rate multiplier (for example {Math.Round(lr / 2, 4)} instead of {lr})")
            : "lower the learning-rate multiplier (for example halve it)";
        findings.Add(new TrainingFinding(
            TrainingFindingCodes.LossSpikes,
            TrainingFindingKind.Instability,
            Invariant($"Instability: training loss spiked {spikes.Count} times; the worst at step {worst.Step} reached {worst.Value:0.000} against {worst.Median:0.000} around it."),
            Invariant($"Training is unstable: {lower}, or use a larger batch size; look for malformed or contradictory examples near the spikes."))
        {
            Figures = Figures(("spike_count", spikes.Count), ("worst_spike_step", worst.Step), ("worst_spike_loss", worst.Value), ("worst_spike_neighbourhood_median", worst.Median)),
        });
    }

    /// <summary>FT5007 and FT5008: no validation losses (and none expected), or fewer than 20 validation examples.</summary>
    private static void ValidationSet(int validPoints, TrainingDiagnosticsContext context, List<TrainingFinding> findings)
    {
        if (context.ValidationExamples is { } count && count > 0)
        {
            if (count < MinimumValidationExamples)
            {
                var suggested = context.TrainingExamples is { } n ? Math.Max(MinimumValidationExamples, (int)Math.Ceiling(n * 0.1)) : MinimumValidationExamples;
                findings.Add(new TrainingFinding(
                    TrainingFindingCodes.ValidationSetTooSmall,
                    TrainingFindingKind.Validation,
                    Invariant($"The validation set has {count} examples (fewer than {MinimumValidationExamples}): its loss is too noisy to judge overfitting."),
                    Invariant($"Hold out at least {suggested} examples for validation (about 10 % of the data; `finetune split`), and add more data if that leaves too few for training."))
                {
                    Figures = Figures(("validation_examples", count), ("minimum", MinimumValidationExamples), ("suggested_validation_examples", suggested)),
                });
            }

            return;
        }

        if (validPoints == 0 && context.ValidationExamples is null or 0)
        {
            var suggested = context.TrainingExamples is { } n ? Math.Max(MinimumValidationExamples, (int)Math.Ceiling(n * 0.1)) : MinimumValidationExamples;
            findings.Add(new TrainingFinding(
                TrainingFindingCodes.ValidationSetMissing,
                TrainingFindingKind.Validation,
                "The job had no validation set: overfitting cannot be seen in the metrics.",
                Invariant($"Hold out about 10 % of the data (at least {suggested} examples) as a validation file (`finetune split`) and pass it to the job."))
            {
                Severity = FindingSeverity.Info,
                Figures = Figures(("suggested_validation_examples", suggested)),
            });
        }
    }

    private static double TrainNear(List<(int Step, double Value)> train, int step)
    {
        var window = train.Where(p => Math.Abs(p.Step - step) <= 2).Select(p => p.Value).ToList();
        if (window.Count > 0)
        {
            return Median(window);
        }

        return train.MinBy(p => Math.Abs(p.Step - step)).Value;
    }

    /// <summary>A centred moving average over max(1, n/10) points on each side: evens out batch noise, keeps the shape.</summary>
    private static double[] Smooth(List<(int Step, double Value)> points)
    {
        var radius = Math.Max(0, points.Count / 10);
        var result = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var from = Math.Max(0, i - radius);
            var to = Math.Min(points.Count - 1, i + radius);
            var sum = 0.0;
            for (var j = from; j <= to; j++)
            {
                sum += points[j].Value;
            }

            result[i] = sum / (to - from + 1);
        }

        return result;
    }

    private static int IndexOfMin(double[] values)
    {
        var index = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] < values[index])
            {
                index = i;
            }
        }

        return index;
    }

    private static IEnumerable<double> Tail(List<(int Step, double Value)> points, double share) =>
        points.Skip(points.Count - Math.Max(1, (int)(points.Count * share))).Select(p => p.Value);

    private static double Mean(IEnumerable<double> values)
    {
        var sum = 0.0;
        var count = 0;
        foreach (var value in values)
        {
            sum += value;
            count++;
        }

        return count == 0 ? 0 : sum / count;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static Dictionary<string, double> Figures(params (string Name, double Value)[] figures)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in figures)
        {
            result[name] = Math.Round(value, 4);
        }

        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
