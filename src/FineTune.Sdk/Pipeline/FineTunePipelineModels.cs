using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>The steps of a <see cref="FineTunePipeline"/> run, in order.</summary>
public enum FineTunePipelineStep
{
    /// <summary>Validate the dataset: errors stop the run; fewer than the minimum examples stop it; fewer than the recommended warn.</summary>
    Validate,

    /// <summary>Replace personal data and secrets by placeholders (only when the file asks for it).</summary>
    Redact,

    /// <summary>Split into train, validation and holdout files.</summary>
    Split,

    /// <summary>Estimate the cost; above the budget cap the run stops before any upload.</summary>
    Estimate,

    /// <summary>Upload the train and validation files (an identical stored file is reused).</summary>
    Upload,

    /// <summary>Start the job with a retry-safe key derived from the run id.</summary>
    Start,

    /// <summary>Watch the job to its end; a rerun re-attaches to the job already started.</summary>
    Watch,

    /// <summary>Read the training metrics and diagnose them.</summary>
    Diagnose,

    /// <summary>Compare the base model and the candidate on the golden set under the acceptance policy.</summary>
    Compare,

    /// <summary>Register the candidate with its lineage (never promote).</summary>
    Register,

    /// <summary>Write <c>report.json</c>, <c>report.md</c> and <c>report.html</c>.</summary>
    Report,
}

/// <summary>What a <see cref="FineTunePipelineEvent"/> reports.</summary>
public enum FineTunePipelineEventKind
{
    /// <summary>A step started.</summary>
    StepStarted,

    /// <summary>A step finished; the state file has recorded it.</summary>
    StepCompleted,

    /// <summary>A step was finished by an earlier run and is skipped.</summary>
    StepSkipped,

    /// <summary>A warning that does not stop the run.</summary>
    Warning,

    /// <summary>Something worth showing (a file uploaded, a job started).</summary>
    Info,

    /// <summary>The job's status changed.</summary>
    JobStatus,

    /// <summary>A training metric arrived.</summary>
    Metric,

    /// <summary>Evaluation cases finished.</summary>
    EvalProgress,

    /// <summary>The run stopped before its end (invalid data, over budget, a failed job).</summary>
    Stopped,

    /// <summary>The run finished.</summary>
    Completed,
}

/// <summary>One progress event of a run (never row contents or keys).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Step">The step it happened in.</param>
/// <param name="Message">A one-line description.</param>
public sealed record FineTunePipelineEvent(FineTunePipelineEventKind Kind, FineTunePipelineStep Step, string Message)
{
    /// <summary>Gets the job status, for <see cref="FineTunePipelineEventKind.JobStatus"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? JobStatus { get; init; }

    /// <summary>Gets the training metric, for <see cref="FineTunePipelineEventKind.Metric"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public TrainingMetric? Metric { get; init; }

    /// <summary>Gets the evaluation progress, for <see cref="FineTunePipelineEventKind.EvalProgress"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public EvalProgress? Eval { get; init; }
}

/// <summary>How a run ended.</summary>
public enum FineTunePipelineOutcome
{
    /// <summary>Every step ran; the candidate is registered and the report written.</summary>
    Completed,

    /// <summary>A step stopped the run (see <see cref="FineTunePipelineResult.StopReason"/>); the report says why.</summary>
    Stopped,
}

/// <summary>What a run returns.</summary>
public sealed class FineTunePipelineResult
{
    /// <summary>Gets the run id (stable across resumes).</summary>
    /// <value>Set by the pipeline.</value>
    public required string RunId { get; init; }

    /// <summary>Gets how the run ended.</summary>
    /// <value>Set by the pipeline.</value>
    public FineTunePipelineOutcome Outcome { get; init; }

    /// <summary>Gets the step that stopped the run.</summary>
    /// <value><see langword="null"/> when the run completed.</value>
    public FineTunePipelineStep? StoppedAt { get; init; }

    /// <summary>Gets why the run stopped, with the figures.</summary>
    /// <value><see langword="null"/> when the run completed.</value>
    public string? StopReason { get; init; }

    /// <summary>Gets the output folder.</summary>
    /// <value>Set by the pipeline.</value>
    public required string OutputDirectory { get; init; }

    /// <summary>Gets the path of <c>report.html</c>.</summary>
    /// <value>Set by the pipeline.</value>
    public required string ReportPath { get; init; }

    /// <summary>Gets the job id.</summary>
    /// <value><see langword="null"/> when the run stopped before starting a job.</value>
    public string? JobId { get; init; }

    /// <summary>Gets the fine-tuned model id.</summary>
    /// <value><see langword="null"/> when no job succeeded.</value>
    public string? FineTunedModel { get; init; }

    /// <summary>Gets a value indicating whether the candidate passed the acceptance policy.</summary>
    /// <value><see langword="null"/> when no comparison ran.</value>
    public bool? Passed { get; init; }

    /// <summary>Gets the registered variant, as <c>feature/variant</c>.</summary>
    /// <value><see langword="null"/> when nothing was registered.</value>
    public string? RegisteredVariant { get; init; }

    /// <summary>Gets the steps this invocation skipped because an earlier run finished them.</summary>
    /// <value>Empty on a fresh run.</value>
    public IReadOnlyList<FineTunePipelineStep> ResumedSteps { get; init; } = [];
}

/// <summary>Where a run trains and evaluates: the provider, the chat client that reaches its models, the registry.</summary>
/// <param name="provider">The provider; compose it with the standard policies (de-duplicated upload, retry-safe start) so a resumed run never pays twice.</param>
/// <param name="chatClient">The chat client that answers for the base model and the fine-tuned model.</param>
public sealed class FineTunePipelineTarget(IFineTuneProvider provider, IChatClient chatClient)
{
    /// <summary>Gets the provider.</summary>
    public IFineTuneProvider Provider { get; } = provider ?? throw new ArgumentNullException(nameof(provider));

    /// <summary>Gets the chat client.</summary>
    public IChatClient ChatClient { get; } = chatClient ?? throw new ArgumentNullException(nameof(chatClient));

    /// <summary>Gets or sets how the job is polled.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="FineTunePollingOptions"/>' defaults.</value>
    public FineTunePollingOptions? Polling { get; set; }

    /// <summary>Gets or sets the registry the candidate is registered in.</summary>
    /// <value>Defaults to <see langword="null"/>: the file store the pipeline file names (<c>registry.store</c>).</value>
    public IModelRegistry? Registry { get; set; }

    /// <summary>Gets or sets the provider name recorded on registry variants.</summary>
    /// <value>Defaults to <c>openai</c> (also for the OpenAI-compatible emulator).</value>
    public string RegistryProvider { get; set; } = RegistryProviders.OpenAI;

    /// <summary>Gets or sets the endpoint recorded on registry variants.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? RegistryEndpoint { get; set; }

    /// <summary>Gets or sets the provider's own steps: format conversion before upload, hosting for the comparison and its release (Amazon Bedrock).</summary>
    /// <value>Defaults to <see langword="null"/>: the split files are uploaded as they are and the fine-tuned model is callable by its id (OpenAI).</value>
    public IFineTunePipelineProviderSteps? ProviderSteps { get; set; }
}

/// <summary>Step names as they appear in the state file, the report and <c>--json</c> events.</summary>
internal static class PipelineSteps
{
    public static IReadOnlyList<FineTunePipelineStep> All { get; } = Enum.GetValues<FineTunePipelineStep>();

    public static string Name(FineTunePipelineStep step) => step switch
    {
        FineTunePipelineStep.Validate => "validate",
        FineTunePipelineStep.Redact => "redact",
        FineTunePipelineStep.Split => "split",
        FineTunePipelineStep.Estimate => "estimate",
        FineTunePipelineStep.Upload => "upload",
        FineTunePipelineStep.Start => "start",
        FineTunePipelineStep.Watch => "watch",
        FineTunePipelineStep.Diagnose => "diagnose",
        FineTunePipelineStep.Compare => "compare",
        FineTunePipelineStep.Register => "register",
        _ => "report",
    };
}
