namespace FineTune.Sdk;

/// <summary>What a <see cref="FineTuneJobUpdate"/> reports.</summary>
public enum FineTuneJobUpdateKind
{
    /// <summary>The job's status changed (or was seen for the first time); see <see cref="FineTuneJobUpdate.Job"/>.</summary>
    StatusChanged = 0,

    /// <summary>A new event was logged; see <see cref="FineTuneJobUpdate.Event"/>.</summary>
    Event = 1,

    /// <summary>New training metrics were reported; see <see cref="FineTuneJobUpdate.Metric"/>.</summary>
    Metric = 2,
}

/// <summary>One item of <see cref="FineTuneJobHandle.WatchAsync"/>.</summary>
public sealed class FineTuneJobUpdate
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneJobUpdate"/> class.</summary>
    /// <param name="kind">What the update reports.</param>
    /// <param name="job">The latest job snapshot.</param>
    public FineTuneJobUpdate(FineTuneJobUpdateKind kind, FineTuneJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Kind = kind;
        Job = job;
    }

    /// <summary>Gets what the update reports.</summary>
    /// <value>As given at construction.</value>
    public FineTuneJobUpdateKind Kind { get; }

    /// <summary>Gets the latest job snapshot.</summary>
    /// <value>As given at construction.</value>
    public FineTuneJob Job { get; }

    /// <summary>Gets the new event.</summary>
    /// <value>Set for <see cref="FineTuneJobUpdateKind.Event"/>; otherwise <see langword="null"/>.</value>
    public FineTuneEvent? Event { get; init; }

    /// <summary>Gets the new metrics.</summary>
    /// <value>Set for <see cref="FineTuneJobUpdateKind.Metric"/>; otherwise <see langword="null"/>.</value>
    public TrainingMetric? Metric { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        FineTuneJobUpdateKind.Event => $"event: {Event}",
        FineTuneJobUpdateKind.Metric => $"metric: step {Metric?.Step}",
        _ => $"status: {Job.Status}",
    };
}
