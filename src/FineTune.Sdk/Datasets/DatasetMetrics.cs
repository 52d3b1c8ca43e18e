using System.Diagnostics.Metrics;

namespace FineTune.Sdk;

/// <summary>Dataset instruments on <see cref="FineTuneTelemetry.Meter"/> (documented in docs/diagnostics.md).</summary>
internal static class DatasetMetrics
{
    /// <summary>The name of the rows counter.</summary>
    public const string RowsName = "finetune.dataset.rows";

    /// <summary>The activity tag carrying the rows read.</summary>
    public const string RowsTag = "finetune.dataset.rows";

    /// <summary>The tag naming the dataset format.</summary>
    public const string FormatTag = "finetune.dataset.format";

    /// <summary>Rows (non-blank lines) read by the dataset validator, tagged with the format.</summary>
    public static readonly Counter<long> Rows = FineTuneTelemetry.Meter.CreateCounter<long>(RowsName, "{row}", "Rows (non-blank lines) read by the dataset validator.");
}
