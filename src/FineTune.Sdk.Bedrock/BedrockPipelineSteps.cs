using System.Globalization;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// The Bedrock steps of a <see cref="FineTunePipeline"/> run: each split converted to the base model family's format and
/// checked against the family's rules before anything is uploaded; the hosting the comparison needs priced from
/// <see cref="BedrockHostingPrices"/>, created (Provisioned Throughput or an on-demand custom-model deployment, with a
/// <c>clientRequestToken</c> derived from the run), watched and deleted through <see cref="BedrockModelManagement"/>.
/// </summary>
/// <remarks>Thread-safe; holds no state of its own (the pipeline's state file records the hosting).</remarks>
public sealed class BedrockPipelineSteps : IFineTunePipelineProviderSteps
{
    /// <summary>The <see cref="FineTunePipelineHosting.Kind"/> of Provisioned Throughput.</summary>
    public const string ProvisionedThroughputKind = "provisioned-throughput";

    /// <summary>The <see cref="FineTunePipelineHosting.Kind"/> of an on-demand custom-model deployment.</summary>
    public const string DeploymentKind = "deployment";

    private readonly BedrockModelManagement _models;
    private readonly BedrockModelFamily _family;
    private readonly FineTunePipelineBedrockHosting _hosting;
    private readonly IReadOnlyDictionary<string, string>? _hyperParameters;
    private readonly IReadOnlyList<BedrockHostingPrice>? _prices;

    /// <summary>Initializes a new instance of the <see cref="BedrockPipelineSteps"/> class.</summary>
    /// <param name="models">The model management of the Bedrock provider (<c>provider.GetService&lt;BedrockModelManagement&gt;()</c>).</param>
    /// <param name="baseModel">The base model; its family decides the format, the checks and the hosting mode <c>auto</c> picks.</param>
    /// <param name="hosting">The hosting settings of the pipeline file.</param>
    /// <param name="hyperParameters">Bedrock hyperparameters (<c>epochCount</c>, ...) checked against the family's ranges with the train file; null for none.</param>
    /// <param name="prices">Hosting prices; <see cref="BedrockHostingPrices.BuiltIn"/> when null.</param>
    /// <exception cref="ArgumentException">The base model belongs to no known family, or the hosting mode is unknown.</exception>
    public BedrockPipelineSteps(BedrockModelManagement models, string baseModel, FineTunePipelineBedrockHosting hosting, IReadOnlyDictionary<string, string>? hyperParameters = null, IEnumerable<BedrockHostingPrice>? prices = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModel);
        ArgumentNullException.ThrowIfNull(hosting);
        _models = models;
        _family = BedrockModelFamily.Find(baseModel)
            ?? throw new ArgumentException($"baseModel '{baseModel}' belongs to no Bedrock family this SDK can convert to ({string.Join(", ", BedrockModelFamily.All.Select(f => f.Name))}).", nameof(baseModel));
        if (hosting.Mode is not ("auto" or "provisioned" or "deployment"))
        {
            throw new ArgumentException($"bedrock.hosting.mode must be auto, provisioned or deployment; it was '{hosting.Mode}'.", nameof(hosting));
        }

        _hosting = hosting;
        _hyperParameters = hyperParameters;
        _prices = prices?.ToList();
    }

    /// <summary>Gets the hosting kind this run creates: <c>auto</c> picks an on-demand deployment for Amazon Nova (the family that supports one) and Provisioned Throughput otherwise.</summary>
    public string HostingKind => _hosting.Mode switch
    {
        "provisioned" => ProvisionedThroughputKind,
        "deployment" => DeploymentKind,
        _ => _family.Name == "nova" ? DeploymentKind : ProvisionedThroughputKind,
    };

    /// <inheritdoc/>
    public async Task<FineTunePipelineConversion> ConvertAsync(string sourcePath, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var conversion = await new BedrockDatasetConverter(_family).ConvertAsync(sourcePath, destinationPath, skipInvalidRows: false, cancellationToken).ConfigureAwait(false);
        var findings = new List<ValidationFinding>(conversion.Findings);
        long tokens = 0;
        var estimated = true;
        var method = string.Create(CultureInfo.InvariantCulture, $"estimate: characters / {BedrockDatasetValidator.EstimatedCharactersPerToken}");
        if (conversion.OutputWritten)
        {
            var isTrain = !Path.GetFileName(sourcePath).StartsWith("validation", StringComparison.OrdinalIgnoreCase);
            var report = await new BedrockDatasetValidator(_family).ValidateAsync(destinationPath, isTrain ? _hyperParameters : null, cancellationToken).ConfigureAwait(false);

            // The family's record-count minimum applies to the training file (the validation split is small by design).
            findings.AddRange(isTrain ? report.Findings : report.Findings.Where(f => f.Code != BedrockFindingCodes.TooFewRecords));
            tokens = report.Tokens;
            estimated = report.TokensAreEstimates;
            method = report.TokenCountMethod;
            if (findings.Any(f => f.Severity == FindingSeverity.Error))
            {
                File.Delete(destinationPath); // only a file that passed the family's checks is left to upload
            }
        }

        return new FineTunePipelineConversion
        {
            Format = _family.Format.ToString(),
            RowsRead = conversion.RowsRead,
            RowsWritten = conversion.RowsWritten,
            Findings = findings,
            Tokens = tokens,
            TokensAreEstimates = estimated,
            TokenCountMethod = method,
        };
    }

    /// <inheritdoc/>
    /// <remarks>The customization id without its context-window suffix: <c>amazon.nova-micro-v1:0:128k</c> is invoked as <c>amazon.nova-micro-v1:0</c>.</remarks>
    public string BaseInferenceModel(string baseModel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModel);
        return baseModel.Count(c => c == ':') >= 2 ? baseModel[..baseModel.LastIndexOf(':')] : baseModel;
    }

    /// <inheritdoc/>
    public int? DefaultEpochs(string baseModel) =>
        _family.HyperParameters.FirstOrDefault(h => h.Name == "epochCount") is { } epochs && int.TryParse(epochs.Default, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <inheritdoc/>
    /// <remarks>
    /// Provisioned Throughput: model units × the hourly price of the commitment × <c>hours</c> (whole hours are billed),
    /// plus a month of the custom model's storage. A deployment: the storage month only — its per-token inference price
    /// is not in the catalog, which the description says.
    /// </remarks>
    public FineTunePipelineHostingEstimate EstimateHosting(string baseModel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseModel);
        var storage = BedrockHostingPrices.Find(baseModel, BedrockHostingCharge.StoragePerModelMonth, _prices);
        var storageText = storage is null ? "custom-model storage not priced" : string.Create(CultureInfo.InvariantCulture, $"custom-model storage ${storage.UsdAmount:0.00} per month (as of {storage.AsOf}{(storage.IsVerified ? string.Empty : ", unverified")})");
        if (HostingKind == DeploymentKind)
        {
            return new FineTunePipelineHostingEstimate
            {
                Usd = storage?.UsdAmount,
                Description = $"on-demand custom-model deployment, billed per token (inference price not in the catalog); {storageText}",
            };
        }

        var charge = _hosting.Commitment switch
        {
            "OneMonth" => BedrockHostingCharge.ProvisionedThroughputOneMonthPerUnitHour,
            "SixMonths" => BedrockHostingCharge.ProvisionedThroughputSixMonthsPerUnitHour,
            _ => BedrockHostingCharge.ProvisionedThroughputNoCommitmentPerUnitHour,
        };
        if (BedrockHostingPrices.Find(baseModel, charge, _prices) is not { } hourly)
        {
            return new FineTunePipelineHostingEstimate { Usd = null, Description = $"Provisioned Throughput ({_hosting.ModelUnits} model unit(s), {_hosting.Commitment ?? "no commitment"}): no price known for {baseModel}" };
        }

        // A commitment bills its whole term, not the hours the comparison takes.
        var hours = _hosting.Commitment switch
        {
            "OneMonth" => 730,
            "SixMonths" => 6 * 730,
            _ => _hosting.Hours,
        };
        var amount = (hourly.UsdAmount * _hosting.ModelUnits * hours) + (storage?.UsdAmount ?? 0m);
        return new FineTunePipelineHostingEstimate
        {
            Usd = amount,
            Description = string.Create(CultureInfo.InvariantCulture, $"Provisioned Throughput {_hosting.ModelUnits} model unit(s) × {hours} hour(s) × ${hourly.UsdAmount:0.00} per unit-hour ({_hosting.Commitment ?? "no commitment"}, as of {hourly.AsOf}{(hourly.IsVerified ? string.Empty : ", unverified")}) + {storageText} = ${amount:0.00}"),
        };
    }

    /// <inheritdoc/>
    public async Task<FineTunePipelineHosting> CreateHostingAsync(string fineTunedModel, string name, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fineTunedModel);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (HostingKind == DeploymentKind)
        {
            return Map(await _models.CreateDeploymentAsync(name, fineTunedModel, "finetune run", idempotencyKey, cancellationToken).ConfigureAwait(false));
        }

        return Map(await _models.CreateProvisionedThroughputAsync(name, fineTunedModel, _hosting.ModelUnits, _hosting.Commitment, idempotencyKey, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async Task<FineTunePipelineHosting> GetHostingAsync(string hostingId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostingId);
        return IsDeployment(hostingId)
            ? Map(await _models.GetDeploymentAsync(hostingId, cancellationToken).ConfigureAwait(false))
            : Map(await _models.GetProvisionedThroughputAsync(hostingId, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async Task DeleteHostingAsync(string hostingId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostingId);
        try
        {
            if (IsDeployment(hostingId))
            {
                await _models.DeleteDeploymentAsync(hostingId, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _models.DeleteProvisionedThroughputAsync(hostingId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FineTuneException ex) when (ex.StatusCode == 404)
        {
            // Already gone (an earlier run deleted it before its state was saved): deleted is what was asked.
        }
    }

    private static bool IsDeployment(string id) => id.Contains(":custom-model-deployment/", StringComparison.Ordinal);

    private static FineTunePipelineHosting Map(BedrockProvisionedThroughput p) => new()
    {
        Id = p.Arn,
        Kind = ProvisionedThroughputKind,
        Status = p.Status,
        IsReady = p.IsReady,
        IsFailed = string.Equals(p.Status, "Failed", StringComparison.Ordinal),
        FailureMessage = p.FailureMessage,
        InvocationModelId = p.Arn,
    };

    private static FineTunePipelineHosting Map(BedrockModelDeployment d) => new()
    {
        Id = d.Arn,
        Kind = DeploymentKind,
        Status = d.Status,
        IsReady = d.IsReady,
        IsFailed = string.Equals(d.Status, "Failed", StringComparison.Ordinal),
        FailureMessage = d.FailureMessage,
        InvocationModelId = d.Arn,
    };
}
