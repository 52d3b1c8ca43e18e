namespace FineTune.Sdk;

/// <summary>Per-class precision, recall and F1, macro-F1, accuracy and the confusion matrix of a labelling task.</summary>
public sealed class ClassificationReport
{
    private ClassificationReport(IReadOnlyList<string> labels, IReadOnlyList<ClassMetrics> classes, int[][] matrix, double accuracy, double macroF1, int count)
    {
        Labels = labels;
        Classes = classes;
        ConfusionMatrix = matrix;
        Accuracy = accuracy;
        MacroF1 = macroF1;
        Count = count;
    }

    /// <summary>Gets the labels, sorted ordinally; they index the rows and columns of <see cref="ConfusionMatrix"/>.</summary>
    /// <value>Every expected and predicted label.</value>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Gets the metrics of each label, in <see cref="Labels"/> order.</summary>
    /// <value>One entry per label.</value>
    public IReadOnlyList<ClassMetrics> Classes { get; }

    /// <summary>Gets the confusion matrix: <c>[expected][predicted]</c> counts.</summary>
    /// <value>A square matrix of side <see cref="Labels"/>.Count.</value>
    public IReadOnlyList<int[]> ConfusionMatrix { get; }

    /// <summary>Gets the share of cases labelled correctly.</summary>
    /// <value>In [0, 1]; 0 when there are no cases.</value>
    public double Accuracy { get; }

    /// <summary>Gets the unweighted mean of the per-class F1 over the labels that occur as expected labels.</summary>
    /// <value>In [0, 1].</value>
    public double MacroF1 { get; }

    /// <summary>Gets the number of cases.</summary>
    /// <value>The number of pairs given.</value>
    public int Count { get; }

    /// <summary>Computes the report from (expected, predicted) pairs; labels are trimmed and compared case-insensitively.</summary>
    /// <param name="pairs">The pairs; a <see langword="null"/> prediction (a failed call) counts as the label <c>(none)</c>.</param>
    /// <returns>The report.</returns>
    public static ClassificationReport Compute(IEnumerable<(string Expected, string? Predicted)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = pairs.Select(p => (Expected: NormalizeLabel(p.Expected), Predicted: p.Predicted is null ? "(none)" : NormalizeLabel(p.Predicted))).ToList();
        var labels = list.SelectMany(p => new[] { p.Expected, p.Predicted }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var matrix = labels.Select(_ => new int[labels.Count]).ToArray();
        foreach (var (expected, predicted) in list)
        {
            matrix[index[expected]][index[predicted]]++;
        }

        var classes = new List<ClassMetrics>(labels.Count);
        for (var i = 0; i < labels.Count; i++)
        {
            var tp = matrix[i][i];
            var support = matrix[i].Sum();
            var predictedCount = matrix.Sum(row => row[i]);
            var precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes.Add(new ClassMetrics(labels[i], precision, recall, f1, support));
        }

        var supported = classes.Where(c => c.Support > 0).ToList();
        var macro = supported.Count == 0 ? 0 : supported.Average(c => c.F1);
        var correct = list.Count(p => string.Equals(p.Expected, p.Predicted, StringComparison.Ordinal));
        var accuracy = list.Count == 0 ? 0 : (double)correct / list.Count;
        return new ClassificationReport(labels, classes, matrix, accuracy, macro, list.Count);
    }

    internal static string NormalizeLabel(string label) => label.Trim().Trim('.', '"', '\'').Trim().ToUpperInvariant();
}

/// <summary>Precision, recall and F1 of one label.</summary>
/// <param name="Label">The label (normalized: trimmed, upper case).</param>
/// <param name="Precision">Correct predictions of the label over all predictions of it.</param>
/// <param name="Recall">Correct predictions of the label over the cases that expected it.</param>
/// <param name="F1">The harmonic mean of precision and recall.</param>
/// <param name="Support">How many cases expected the label.</param>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);
