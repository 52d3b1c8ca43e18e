namespace FineTune.Sdk;

/// <summary>
/// What a pipeline run needs from a provider beyond <see cref="IFineTuneProvider"/>: converting the split files to the
/// provider's training format (with the provider's own checks, before anything is uploaded), pricing and creating the
/// hosting that makes a fine-tuned model callable for the comparison, and releasing it. Amazon Bedrock needs all of it
/// (<c>BedrockPipelineSteps</c> in FineTune.Sdk.Bedrock); OpenAI needs none, so its target has no steps.
/// </summary>
/// <remarks>
/// The pipeline owns the state and the waiting: it records a hosting's id before waiting on it, so a rerun re-attaches
/// to it, and passes the same idempotency key to <see cref="CreateHostingAsync"/> so a create retried after a crash
/// finds the resource the earlier process created.
/// </remarks>
public interface IFineTunePipelineProviderSteps
{
    /// <summary>Converts one split file (OpenAI chat JSONL) to the provider's training format and checks it.</summary>
    /// <param name="sourcePath">The split file.</param>
    /// <param name="destinationPath">Where the converted file goes; written whole, and only when no row has an error.</param>
    /// <param name="cancellationToken">Cancels the conversion.</param>
    /// <returns>The rows, the findings (file, line and JSON path) and the token count the estimate uses.</returns>
    Task<FineTunePipelineConversion> ConvertAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken = default);

    /// <summary>The model id the comparison calls for the base model (a customization id may differ from the invocation id).</summary>
    /// <param name="baseModel">The pipeline's base model.</param>
    /// <returns>The id to pass to the chat client.</returns>
    string BaseInferenceModel(string baseModel);

    /// <summary>The epochs the provider trains when the file leaves them automatic (for the estimate).</summary>
    /// <param name="baseModel">The pipeline's base model.</param>
    /// <returns>The provider's default, or <see langword="null"/> when unknown.</returns>
    int? DefaultEpochs(string baseModel);

    /// <summary>Prices the hosting the comparison needs.</summary>
    /// <param name="baseModel">The pipeline's base model.</param>
    /// <returns>The amount and how it was reached.</returns>
    FineTunePipelineHostingEstimate EstimateHosting(string baseModel);

    /// <summary>Creates the hosting of a fine-tuned model, or finds the one an earlier call with the same key created.</summary>
    /// <param name="fineTunedModel">The fine-tuned model's id.</param>
    /// <param name="name">A name for the hosting, derived from the run.</param>
    /// <param name="idempotencyKey">The key a retried create is recognised by.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The hosting as first reported.</returns>
    Task<FineTunePipelineHosting> CreateHostingAsync(string fineTunedModel, string name, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Gets a hosting's current state.</summary>
    /// <param name="hostingId">The id <see cref="CreateHostingAsync"/> returned.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its state.</returns>
    Task<FineTunePipelineHosting> GetHostingAsync(string hostingId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a hosting (billing stops); a hosting already gone counts as deleted.</summary>
    /// <param name="hostingId">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the provider accepted the deletion.</returns>
    Task DeleteHostingAsync(string hostingId, CancellationToken cancellationToken = default);
}

/// <summary>One split file converted to a provider's training format.</summary>
public sealed class FineTunePipelineConversion
{
    /// <summary>Gets the provider's name of the format (for example <c>Conversation</c>).</summary>
    /// <value>Set by the provider steps.</value>
    public required string Format { get; init; }

    /// <summary>Gets the rows read.</summary>
    /// <value>Set by the provider steps.</value>
    public long RowsRead { get; init; }

    /// <summary>Gets the rows written.</summary>
    /// <value>Set by the provider steps.</value>
    public long RowsWritten { get; init; }

    /// <summary>Gets the findings (errors stop the run before any upload).</summary>
    /// <value>Set by the provider steps.</value>
    public IReadOnlyList<ValidationFinding> Findings { get; init; } = [];

    /// <summary>Gets the tokens of the converted file (one epoch).</summary>
    /// <value>Set by the provider steps.</value>
    public long Tokens { get; init; }

    /// <summary>Gets a value indicating whether <see cref="Tokens"/> is an estimate.</summary>
    /// <value>Set by the provider steps.</value>
    public bool TokensAreEstimates { get; init; }

    /// <summary>Gets how <see cref="Tokens"/> was counted.</summary>
    /// <value>Set by the provider steps.</value>
    public string TokenCountMethod { get; init; } = string.Empty;
}

/// <summary>The price of the hosting a comparison needs.</summary>
public sealed class FineTunePipelineHostingEstimate
{
    /// <summary>Gets the amount in USD.</summary>
    /// <value><see langword="null"/> when no price is known.</value>
    public decimal? Usd { get; init; }

    /// <summary>Gets how the amount was reached (kind, units, hours, price and its as-of date).</summary>
    /// <value>Set by the provider steps.</value>
    public required string Description { get; init; }
}

/// <summary>The state of a hosting that makes a fine-tuned model callable.</summary>
public sealed class FineTunePipelineHosting
{
    /// <summary>Gets the id (for Bedrock the Provisioned Throughput or deployment ARN).</summary>
    /// <value>Set by the provider steps.</value>
    public required string Id { get; init; }

    /// <summary>Gets the kind, for example <c>provisioned-throughput</c> or <c>deployment</c>.</summary>
    /// <value>Set by the provider steps.</value>
    public required string Kind { get; init; }

    /// <summary>Gets the provider's status.</summary>
    /// <value>Set by the provider steps.</value>
    public string? Status { get; init; }

    /// <summary>Gets a value indicating whether the model answers through it.</summary>
    /// <value>Set by the provider steps.</value>
    public bool IsReady { get; init; }

    /// <summary>Gets a value indicating whether it failed and will never be ready.</summary>
    /// <value>Set by the provider steps.</value>
    public bool IsFailed { get; init; }

    /// <summary>Gets the provider's failure message.</summary>
    /// <value><see langword="null"/> unless failed.</value>
    public string? FailureMessage { get; init; }

    /// <summary>Gets the model id the chat client calls to reach the fine-tuned model.</summary>
    /// <value>Set by the provider steps.</value>
    public required string InvocationModelId { get; init; }
}
