using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FineTune.Sdk;

/// <summary>The one <see cref="ActivitySource"/> and <see cref="Meter"/> of the SDK, both named <c>FineTune.Sdk</c>.</summary>
internal static class FineTuneTelemetry
{
    /// <summary>The name shared by the activity source and the meter.</summary>
    public const string Name = "FineTune.Sdk";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);
}
