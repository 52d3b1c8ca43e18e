namespace FineTune.Sdk.Testing;

/// <summary>
/// The script of one fake job: the steps its status goes through. <see cref="FakeFineTuneProvider"/> moves a job one
/// step forward on each <see cref="IFineTuneProvider.GetJobAsync"/> (so a polling loop drives it, with no clock), and
/// publishes each step's events when the step is reached. The last step repeats.
/// </summary>
/// <remarks>Not thread-safe while being built; hand it to the provider once complete.</remarks>
public sealed class FakeJobTimeline
{
    /// <summary>Initializes a new instance of the <see cref="FakeJobTimeline"/> class with one step per status.</summary>
    /// <param name="statuses">The statuses reported by successive polls; none means a single <c>queued</c> step.</param>
    public FakeJobTimeline(params FineTuneJobStatus[] statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (var status in statuses.Length == 0 ? [FineTuneJobStatus.Queued] : statuses)
        {
            Steps.Add(new FakeJobStep(status));
        }
    }

    /// <summary>Gets the steps, in order.</summary>
    /// <value>One per status given at construction; add or edit freely before use.</value>
    public IList<FakeJobStep> Steps { get; } = [];

    /// <summary>A job that validates, queues, runs and succeeds, with an event per step and a checkpoint and metrics at the end.</summary>
    /// <returns>A new timeline.</returns>
    public static FakeJobTimeline Succeeds()
    {
        var timeline = new FakeJobTimeline(FineTuneJobStatus.Validating, FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Succeeded);
        timeline.WithEvents(0, new FineTuneEvent("ev-1", "Validating training file"));
        timeline.WithEvents(2, new FineTuneEvent("ev-2", "Step 1/1: training loss=0.5") { Metric = new TrainingMetric(1) { TrainLoss = 0.5 } });
        timeline.WithEvents(3, new FineTuneEvent("ev-3", "The job has successfully completed"));
        timeline.Steps[3].FineTunedModel = "ft:fake:model";
        timeline.Steps[3].Checkpoints.Add(new FineTuneCheckpoint("ftckpt-1", "ft:fake:model:ckpt-step-1", 1));
        return timeline;
    }

    /// <summary>A job that runs and then fails with <paramref name="code"/>.</summary>
    /// <param name="code">The provider error code.</param>
    /// <param name="message">The error message.</param>
    /// <returns>A new timeline.</returns>
    public static FakeJobTimeline Fails(string code = "invalid_training_file", string message = "The training file is invalid.")
    {
        var timeline = new FakeJobTimeline(FineTuneJobStatus.Queued, FineTuneJobStatus.Running, FineTuneJobStatus.Failed);
        timeline.Steps[2].Error = new FineTuneJobError(code, message, null);
        return timeline;
    }

    /// <summary>Adds events published when step <paramref name="step"/> (0-based) is reached.</summary>
    /// <param name="step">The step index.</param>
    /// <param name="events">The events, oldest first.</param>
    /// <returns>This timeline.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not a step of this timeline.</exception>
    public FakeJobTimeline WithEvents(int step, params FineTuneEvent[] events)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, Steps.Count);
        foreach (var e in events)
        {
            Steps[step].Events.Add(e);
        }

        return this;
    }
}

/// <summary>One step of a <see cref="FakeJobTimeline"/>.</summary>
/// <param name="status">The status the job reports at this step.</param>
public sealed class FakeJobStep(FineTuneJobStatus status)
{
    /// <summary>Gets or sets the status reported at this step.</summary>
    /// <value>As given at construction.</value>
    public FineTuneJobStatus Status { get; set; } = status;

    /// <summary>Gets the events published when this step is reached, oldest first.</summary>
    /// <value>Empty by default.</value>
    public IList<FineTuneEvent> Events { get; } = [];

    /// <summary>Gets the checkpoints that exist from this step on.</summary>
    /// <value>Empty by default.</value>
    public IList<FineTuneCheckpoint> Checkpoints { get; } = [];

    /// <summary>Gets or sets the fine-tuned model reported from this step on.</summary>
    /// <value><see langword="null"/> by default.</value>
    public string? FineTunedModel { get; set; }

    /// <summary>Gets or sets the error reported at this step (for a failed job).</summary>
    /// <value><see langword="null"/> by default.</value>
    public FineTuneJobError? Error { get; set; }
}

/// <summary>A call a <see cref="FakeFineTuneProvider"/> received, as shown to <see cref="FakeFineTuneProvider.FailureInjector"/>.</summary>
/// <param name="Operation">The operation: <c>files.upload</c>, <c>files.list</c>, <c>jobs.start</c>, <c>jobs.get</c>, <c>jobs.list</c>, <c>jobs.cancel</c>, <c>jobs.pause</c>, <c>jobs.resume</c>, <c>jobs.events</c>, <c>jobs.checkpoints</c> or <c>jobs.metrics</c>.</param>
/// <param name="Number">The 1-based number of this call among calls of the same operation.</param>
/// <param name="JobId">The job the call is about, if any.</param>
/// <param name="Item">For lists, the 0-based index of the item about to be returned; 0 otherwise.</param>
public readonly record struct FakeProviderCall(string Operation, int Number, string? JobId, int Item);
