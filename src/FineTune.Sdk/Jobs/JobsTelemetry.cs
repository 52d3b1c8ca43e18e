using System.Diagnostics.Metrics;

namespace FineTune.Sdk;

/// <summary>The jobs area's instruments on <see cref="FineTuneTelemetry.Meter"/> (documented in docs/providers.md).</summary>
internal static class JobsTelemetry
{
    /// <summary>Wall time from a job's creation to its terminal status, in seconds; tags provider, status, base model.</summary>
    public static readonly Histogram<double> JobDuration = FineTuneTelemetry.Meter.CreateHistogram<double>("finetune.job.duration", "s", "Time from a fine-tuning job's creation to its terminal status.");

    /// <summary>Status polls made by job handles; tag provider.</summary>
    public static readonly Counter<long> Polls = FineTuneTelemetry.Meter.CreateCounter<long>("finetune.job.polls", "{poll}", "Job status polls made by FineTuneJobHandle.");

    /// <summary>Duration of one provider call as the caller saw it (retries included), in seconds; tags provider, operation, error.type.</summary>
    public static readonly Histogram<double> CallDuration = FineTuneTelemetry.Meter.CreateHistogram<double>("finetune.provider.call.duration", "s", "Duration of fine-tuning provider calls, retries included.");

    /// <summary>Provider calls retried by the resilience pipeline; tags provider, operation.</summary>
    public static readonly Counter<long> Retries = FineTuneTelemetry.Meter.CreateCounter<long>("finetune.provider.retries", "{retry}", "Provider calls retried by the resilience pipeline.");
}
