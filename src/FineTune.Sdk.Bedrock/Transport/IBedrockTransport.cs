namespace FineTune.Sdk.Bedrock;

/// <summary>
/// The one seam between the Bedrock adapter and the wire: every control-plane and Runtime operation the adapter
/// uses, in the service's own shapes. <see cref="BedrockHttpTransport"/> implements it over HttpClient with SigV4;
/// when the feed serves AWSSDK.Bedrock and AWSSDK.BedrockRuntime, one file implementing this interface over
/// <c>AmazonBedrockClient</c> replaces it. Implementations map failures to <see cref="FineTuneException"/> and never
/// retry (retries are decorators above the provider).
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
internal interface IBedrockTransport
{
    Task<CreateJobResult> CreateModelCustomizationJobAsync(CreateJobBody body, CancellationToken cancellationToken);

    Task<JobDto> GetModelCustomizationJobAsync(string jobIdentifier, CancellationToken cancellationToken);

    Task<JobPage> ListModelCustomizationJobsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken);

    Task StopModelCustomizationJobAsync(string jobIdentifier, CancellationToken cancellationToken);

    Task<CustomModelDto> GetCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken);

    Task<CustomModelPage> ListCustomModelsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken);

    Task DeleteCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken);

    Task<CreateProvisionedThroughputResult> CreateProvisionedModelThroughputAsync(CreateProvisionedThroughputBody body, CancellationToken cancellationToken);

    Task<ProvisionedThroughputDto> GetProvisionedModelThroughputAsync(string provisionedModelId, CancellationToken cancellationToken);

    Task<ProvisionedThroughputPage> ListProvisionedModelThroughputsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken);

    Task DeleteProvisionedModelThroughputAsync(string provisionedModelId, CancellationToken cancellationToken);

    Task<CreateDeploymentResult> CreateCustomModelDeploymentAsync(CreateDeploymentBody body, CancellationToken cancellationToken);

    Task<DeploymentDto> GetCustomModelDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken);

    Task<DeploymentPage> ListCustomModelDeploymentsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken);

    Task DeleteCustomModelDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken);

    Task<ConverseResult> ConverseAsync(string modelId, ConverseBody body, CancellationToken cancellationToken);

    IAsyncEnumerable<EventStreamMessage> ConverseStreamAsync(string modelId, ConverseBody body, CancellationToken cancellationToken);
}
