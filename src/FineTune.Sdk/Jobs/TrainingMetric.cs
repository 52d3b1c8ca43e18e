using System.Globalization;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>Training metrics at one step (a row of a results CSV, a metrics event, or a checkpoint's metrics).</summary>
public sealed class TrainingMetric
{
    /// <summary>Initializes a new instance of the <see cref="TrainingMetric"/> class.</summary>
    /// <param name="step">The training step.</param>
    public TrainingMetric(int step) => Step = step;

    /// <summary>Gets the training step.</summary>
    /// <value>As given at construction.</value>
    public int Step { get; }

    /// <summary>Gets the total number of steps of the run, when known.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? TotalSteps { get; init; }

    /// <summary>Gets the epoch the step belongs to, when the provider reports it.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public int? Epoch { get; init; }

    /// <summary>Gets the training loss on the step's batch.</summary>
    /// <value><see langword="null"/> if not reported.</value>
    public double? TrainLoss { get; init; }

    /// <summary>Gets the training mean token accuracy on the step's batch.</summary>
    /// <value><see langword="null"/> if not reported.</value>
    public double? TrainAccuracy { get; init; }

    /// <summary>Gets the validation loss on a sampled validation batch.</summary>
    /// <value><see langword="null"/> on steps without validation.</value>
    public double? ValidLoss { get; init; }

    /// <summary>Gets the validation mean token accuracy on a sampled validation batch.</summary>
    /// <value><see langword="null"/> on steps without validation.</value>
    public double? ValidAccuracy { get; init; }

    /// <summary>Gets the loss over the full validation file (usually at epoch ends).</summary>
    /// <value><see langword="null"/> when not computed at this step.</value>
    public double? FullValidLoss { get; init; }

    /// <summary>Gets the mean token accuracy over the full validation file.</summary>
    /// <value><see langword="null"/> when not computed at this step.</value>
    public double? FullValidAccuracy { get; init; }

    /// <summary>Gets numeric columns with no neutral property, keyed by their provider name.</summary>
    /// <value><see langword="null"/> when there are none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }

    /// <summary>
    /// Parses a training-results CSV into step rows. Understands OpenAI's columns (<c>step, train_loss, train_accuracy,
    /// valid_loss, valid_mean_token_accuracy</c>, and the <c>full_valid_*</c> ones) and common aliases
    /// (<c>step_number, epoch_number, training_loss, validation_loss</c>); other numeric columns go to
    /// <see cref="AdditionalProperties"/>. Empty cells are <see langword="null"/>. Numbers are read with the invariant culture.
    /// </summary>
    /// <param name="csv">The CSV text, header first.</param>
    /// <returns>The rows in file order; rows without a step are skipped.</returns>
    public static IReadOnlyList<TrainingMetric> ParseCsv(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var rows = new List<TrainingMetric>();
        if (lines.Length == 0)
        {
            return rows;
        }

        var header = lines[0].Trim().TrimStart('\uFEFF').Split(',');
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = header[i].Trim().ToLowerInvariant();
        }

        for (var lineIndex = 1; lineIndex < lines.Length; lineIndex++)
        {
            var line = lines[lineIndex].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length && i < cells.Length; i++)
            {
                if (double.TryParse(cells[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    values[header[i]] = value;
                }
            }

            if (FromValues(values) is { } metric)
            {
                rows.Add(metric);
            }
        }

        return rows;
    }

    /// <summary>
    /// Builds a metric from named numbers (CSV column names or the keys of a metrics event's data), using the same
    /// names and aliases as <see cref="ParseCsv"/>.
    /// </summary>
    /// <param name="values">The numbers by name (lower case).</param>
    /// <returns>The metric, or <see langword="null"/> when no step is given.</returns>
    public static TrainingMetric? FromValues(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double? Take(params string[] names)
        {
            foreach (var name in names)
            {
                if (values.TryGetValue(name, out var v))
                {
                    return v;
                }
            }

            return null;
        }

        if (Take("step", "step_number") is not { } step)
        {
            return null;
        }

        string[] known =
        [
            "step", "step_number", "total_steps", "epoch", "epoch_number", "train_loss", "training_loss", "train_accuracy",
            "train_mean_token_accuracy", "valid_loss", "validation_loss", "valid_mean_token_accuracy", "valid_accuracy",
            "full_valid_loss", "full_valid_mean_token_accuracy",
        ];
        AdditionalPropertiesDictionary? extra = null;
        foreach (var (name, value) in values)
        {
            if (Array.IndexOf(known, name) < 0)
            {
                (extra ??= [])[name] = value;
            }
        }

        return new TrainingMetric((int)step)
        {
            TotalSteps = Take("total_steps") is { } total ? (int)total : null,
            Epoch = Take("epoch", "epoch_number") is { } epoch ? (int)epoch : null,
            TrainLoss = Take("train_loss", "training_loss"),
            TrainAccuracy = Take("train_accuracy", "train_mean_token_accuracy"),
            ValidLoss = Take("valid_loss", "validation_loss"),
            ValidAccuracy = Take("valid_mean_token_accuracy", "valid_accuracy"),
            FullValidLoss = Take("full_valid_loss"),
            FullValidAccuracy = Take("full_valid_mean_token_accuracy"),
            AdditionalProperties = extra,
        };
    }
}
