using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// What the neutral provider model has no verbs for: custom models (get, list, delete), Provisioned Throughput
/// (create, get, list, delete) and on-demand custom model deployments (create, get, list, delete). Obtain it with
/// <c>provider.GetService&lt;BedrockModelManagement&gt;()</c>. Creates take an idempotency key that becomes the
/// <c>clientRequestToken</c>, so a retried create makes one resource.
/// </summary>
/// <remarks>Thread-safe. Wire mapping only: no retries or polling loops of its own.</remarks>
public sealed class BedrockModelManagement
{
    private readonly IBedrockTransport _transport;
    private readonly int _pageSize;
    private readonly ILogger _logger;

    internal BedrockModelManagement(IBedrockTransport transport, int pageSize, ILogger logger)
    {
        _transport = transport;
        _pageSize = pageSize;
        _logger = logger;
    }

    /// <summary>Gets a custom model by name or ARN.</summary>
    /// <param name="modelIdentifier">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The model.</returns>
    /// <exception cref="FineTuneException">Not found (404) or Bedrock failed.</exception>
    public async Task<BedrockCustomModel> GetCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelIdentifier);
        return BedrockMapping.CustomModel(await _transport.GetCustomModelAsync(modelIdentifier, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists the account's custom models, newest first, every page.</summary>
    /// <param name="nameContains">Only names containing this; null for all.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The models (summaries).</returns>
    public async IAsyncEnumerable<BedrockCustomModel> ListCustomModelsAsync(string? nameContains = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(nameContains);
        string? next = null;
        do
        {
            var page = await _transport.ListCustomModelsAsync(BedrockFineTuneProvider.WithToken(query, next), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.ModelSummaries ?? [])
            {
                yield return BedrockMapping.CustomModel(item);
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
    }

    /// <summary>Deletes a custom model (fails with a conflict while Provisioned Throughput or a deployment uses it).</summary>
    /// <param name="modelIdentifier">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when Bedrock accepted the deletion.</returns>
    public async Task DeleteCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelIdentifier);
        await _transport.DeleteCustomModelAsync(modelIdentifier, cancellationToken).ConfigureAwait(false);
        BedrockLog.ModelOperation(_logger, "DeleteCustomModel", modelIdentifier);
    }

    /// <summary>Buys Provisioned Throughput for a model (billed hourly until deleted).</summary>
    /// <param name="name">The provisioned model name (1–63 letters, digits, single <c>-</c>/<c>_</c>).</param>
    /// <param name="modelId">The custom (or base) model name or ARN.</param>
    /// <param name="modelUnits">The model units (at least 1).</param>
    /// <param name="commitmentDuration"><c>OneMonth</c>, <c>SixMonths</c>, or null for no commitment.</param>
    /// <param name="idempotencyKey">The key whose derived token makes a retried create return the same resource; a new one when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provisioned throughput as first reported.</returns>
    public async Task<BedrockProvisionedThroughput> CreateProvisionedThroughputAsync(string name, string modelId, int modelUnits = 1, string? commitmentDuration = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(modelUnits, 1);
        if (commitmentDuration is not (null or "OneMonth" or "SixMonths"))
        {
            throw new ArgumentException($"commitmentDuration must be OneMonth, SixMonths or null (no commitment); it was '{commitmentDuration}'.", nameof(commitmentDuration));
        }

        var created = await _transport.CreateProvisionedModelThroughputAsync(
            new CreateProvisionedThroughputBody
            {
                ProvisionedModelName = name,
                ModelId = modelId,
                ModelUnits = modelUnits,
                CommitmentDuration = commitmentDuration,
                ClientRequestToken = BedrockMapping.ClientRequestToken(idempotencyKey ?? Guid.NewGuid().ToString("N")),
            },
            cancellationToken).ConfigureAwait(false);
        BedrockLog.ModelOperation(_logger, "CreateProvisionedModelThroughput", created.ProvisionedModelArn);
        return await GetProvisionedThroughputAsync(created.ProvisionedModelArn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets Provisioned Throughput by name or ARN.</summary>
    /// <param name="provisionedModelId">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its current state.</returns>
    public async Task<BedrockProvisionedThroughput> GetProvisionedThroughputAsync(string provisionedModelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provisionedModelId);
        return BedrockMapping.ProvisionedThroughput(await _transport.GetProvisionedModelThroughputAsync(provisionedModelId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists Provisioned Throughputs, newest first, every page.</summary>
    /// <param name="nameContains">Only names containing this; null for all.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The provisioned throughputs.</returns>
    public async IAsyncEnumerable<BedrockProvisionedThroughput> ListProvisionedThroughputsAsync(string? nameContains = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(nameContains);
        string? next = null;
        do
        {
            var page = await _transport.ListProvisionedModelThroughputsAsync(BedrockFineTuneProvider.WithToken(query, next), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.ProvisionedModelSummaries ?? [])
            {
                yield return BedrockMapping.ProvisionedThroughput(item);
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
    }

    /// <summary>Deletes Provisioned Throughput (billing stops).</summary>
    /// <param name="provisionedModelId">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when Bedrock accepted the deletion.</returns>
    public async Task DeleteProvisionedThroughputAsync(string provisionedModelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provisionedModelId);
        await _transport.DeleteProvisionedModelThroughputAsync(provisionedModelId, cancellationToken).ConfigureAwait(false);
        BedrockLog.ModelOperation(_logger, "DeleteProvisionedModelThroughput", provisionedModelId);
    }

    /// <summary>Deploys a custom model on demand (per-token billing; Nova custom models in supported regions).</summary>
    /// <param name="name">The deployment name.</param>
    /// <param name="modelArn">The custom model ARN.</param>
    /// <param name="description">An optional description.</param>
    /// <param name="idempotencyKey">The key whose derived token makes a retried create return the same deployment; a new one when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment as first reported.</returns>
    public async Task<BedrockModelDeployment> CreateDeploymentAsync(string name, string modelArn, string? description = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelArn);
        var created = await _transport.CreateCustomModelDeploymentAsync(
            new CreateDeploymentBody
            {
                ModelDeploymentName = name,
                ModelArn = modelArn,
                Description = description,
                ClientRequestToken = BedrockMapping.ClientRequestToken(idempotencyKey ?? Guid.NewGuid().ToString("N")),
            },
            cancellationToken).ConfigureAwait(false);
        BedrockLog.ModelOperation(_logger, "CreateCustomModelDeployment", created.CustomModelDeploymentArn);
        return await GetDeploymentAsync(created.CustomModelDeploymentArn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a deployment by name or ARN.</summary>
    /// <param name="deploymentIdentifier">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Its current state.</returns>
    public async Task<BedrockModelDeployment> GetDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentIdentifier);
        return BedrockMapping.Deployment(await _transport.GetCustomModelDeploymentAsync(deploymentIdentifier, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Lists deployments, newest first, every page.</summary>
    /// <param name="nameContains">Only names containing this; null for all.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The deployments.</returns>
    public async IAsyncEnumerable<BedrockModelDeployment> ListDeploymentsAsync(string? nameContains = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(nameContains);
        string? next = null;
        do
        {
            var page = await _transport.ListCustomModelDeploymentsAsync(BedrockFineTuneProvider.WithToken(query, next), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.ModelDeploymentSummaries ?? [])
            {
                yield return BedrockMapping.Deployment(item);
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
    }

    /// <summary>Deletes a deployment.</summary>
    /// <param name="deploymentIdentifier">The name or ARN.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when Bedrock accepted the deletion.</returns>
    public async Task DeleteDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deploymentIdentifier);
        await _transport.DeleteCustomModelDeploymentAsync(deploymentIdentifier, cancellationToken).ConfigureAwait(false);
        BedrockLog.ModelOperation(_logger, "DeleteCustomModelDeployment", deploymentIdentifier);
    }

    private List<KeyValuePair<string, string>> Query(string? nameContains)
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("maxResults", _pageSize.ToString(CultureInfo.InvariantCulture)),
            new("sortBy", "CreationTime"),
            new("sortOrder", "Descending"),
        };
        if (!string.IsNullOrEmpty(nameContains))
        {
            query.Add(new("nameContains", nameContains));
        }

        return query;
    }
}
