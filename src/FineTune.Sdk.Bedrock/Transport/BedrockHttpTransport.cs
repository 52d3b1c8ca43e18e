using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace FineTune.Sdk.Bedrock;

/// <summary>
/// <see cref="IBedrockTransport"/> over <see cref="HttpClient"/>: restJson1 requests with path labels encoded as one
/// segment each, SigV4 (service <c>bedrock</c> for both hosts) with credentials from <see cref="BedrockCredentialSource"/>,
/// and errors mapped by <see cref="BedrockErrors"/>. No retries.
/// </summary>
internal sealed class BedrockHttpTransport : IBedrockTransport
{
    private const string SigningService = "bedrock";
    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }));
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoQuery = [];

    private readonly HttpClient _http;
    private readonly Uri _controlPlane;
    private readonly Uri _runtime;
    private readonly string _region;
    private readonly BedrockCredentialSource _credentials;
    private readonly TimeProvider _time;

    public BedrockHttpTransport(HttpClient? httpClient, Uri controlPlane, Uri runtime, string region, BedrockCredentialSource credentials, TimeProvider time)
    {
        _http = httpClient ?? SharedClient.Value;
        _controlPlane = controlPlane;
        _runtime = runtime;
        _region = region;
        _credentials = credentials;
        _time = time;
    }

    public Task<CreateJobResult> CreateModelCustomizationJobAsync(CreateJobBody body, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Post, ["model-customization-jobs"], NoQuery, Serialize(body, BedrockJsonContext.Default.CreateJobBody), BedrockJsonContext.Default.CreateJobResult, "CreateModelCustomizationJob", cancellationToken);

    public Task<JobDto> GetModelCustomizationJobAsync(string jobIdentifier, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["model-customization-jobs", jobIdentifier], NoQuery, null, BedrockJsonContext.Default.JobDto, "GetModelCustomizationJob", cancellationToken);

    public Task<JobPage> ListModelCustomizationJobsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["model-customization-jobs"], query, null, BedrockJsonContext.Default.JobPage, "ListModelCustomizationJobs", cancellationToken);

    public Task StopModelCustomizationJobAsync(string jobIdentifier, CancellationToken cancellationToken)
        => SendAsync<object>(_controlPlane, HttpMethod.Post, ["model-customization-jobs", jobIdentifier, "stop"], NoQuery, [], null, "StopModelCustomizationJob", cancellationToken);

    public Task<CustomModelDto> GetCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["custom-models", modelIdentifier], NoQuery, null, BedrockJsonContext.Default.CustomModelDto, "GetCustomModel", cancellationToken);

    public Task<CustomModelPage> ListCustomModelsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["custom-models"], query, null, BedrockJsonContext.Default.CustomModelPage, "ListCustomModels", cancellationToken);

    public Task DeleteCustomModelAsync(string modelIdentifier, CancellationToken cancellationToken)
        => SendAsync<object>(_controlPlane, HttpMethod.Delete, ["custom-models", modelIdentifier], NoQuery, null, null, "DeleteCustomModel", cancellationToken);

    public Task<CreateProvisionedThroughputResult> CreateProvisionedModelThroughputAsync(CreateProvisionedThroughputBody body, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Post, ["provisioned-model-throughput"], NoQuery, Serialize(body, BedrockJsonContext.Default.CreateProvisionedThroughputBody), BedrockJsonContext.Default.CreateProvisionedThroughputResult, "CreateProvisionedModelThroughput", cancellationToken);

    public Task<ProvisionedThroughputDto> GetProvisionedModelThroughputAsync(string provisionedModelId, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["provisioned-model-throughput", provisionedModelId], NoQuery, null, BedrockJsonContext.Default.ProvisionedThroughputDto, "GetProvisionedModelThroughput", cancellationToken);

    public Task<ProvisionedThroughputPage> ListProvisionedModelThroughputsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["provisioned-model-throughputs"], query, null, BedrockJsonContext.Default.ProvisionedThroughputPage, "ListProvisionedModelThroughputs", cancellationToken);

    public Task DeleteProvisionedModelThroughputAsync(string provisionedModelId, CancellationToken cancellationToken)
        => SendAsync<object>(_controlPlane, HttpMethod.Delete, ["provisioned-model-throughput", provisionedModelId], NoQuery, null, null, "DeleteProvisionedModelThroughput", cancellationToken);

    public Task<CreateDeploymentResult> CreateCustomModelDeploymentAsync(CreateDeploymentBody body, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Post, ["model-customization", "custom-model-deployments"], NoQuery, Serialize(body, BedrockJsonContext.Default.CreateDeploymentBody), BedrockJsonContext.Default.CreateDeploymentResult, "CreateCustomModelDeployment", cancellationToken);

    public Task<DeploymentDto> GetCustomModelDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["model-customization", "custom-model-deployments", deploymentIdentifier], NoQuery, null, BedrockJsonContext.Default.DeploymentDto, "GetCustomModelDeployment", cancellationToken);

    public Task<DeploymentPage> ListCustomModelDeploymentsAsync(IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken)
        => SendAsync(_controlPlane, HttpMethod.Get, ["model-customization", "custom-model-deployments"], query, null, BedrockJsonContext.Default.DeploymentPage, "ListCustomModelDeployments", cancellationToken);

    public Task DeleteCustomModelDeploymentAsync(string deploymentIdentifier, CancellationToken cancellationToken)
        => SendAsync<object>(_controlPlane, HttpMethod.Delete, ["model-customization", "custom-model-deployments", deploymentIdentifier], NoQuery, null, null, "DeleteCustomModelDeployment", cancellationToken);

    public Task<ConverseResult> ConverseAsync(string modelId, ConverseBody body, CancellationToken cancellationToken)
        => SendAsync(_runtime, HttpMethod.Post, ["model", modelId, "converse"], NoQuery, Serialize(body, BedrockJsonContext.Default.ConverseBody), BedrockJsonContext.Default.ConverseResult, "Converse", cancellationToken);

    public async IAsyncEnumerable<EventStreamMessage> ConverseStreamAsync(string modelId, ConverseBody body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const string operation = "ConverseStream";
        using var response = await SendRawAsync(_runtime, HttpMethod.Post, ["model", modelId, "converse-stream"], NoQuery, Serialize(body, BedrockJsonContext.Default.ConverseBody), operation, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var messages = EventStreamReader.ReadAsync(stream, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using var disposeMessages = messages.ConfigureAwait(false);
            while (true)
            {
                try
                {
                    if (!await messages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException && ex is not InvalidDataException)
                {
                    throw BedrockErrors.Transport(ex, operation);
                }
                catch (InvalidDataException ex)
                {
                    throw new FineTuneException($"Bedrock {operation} sent a malformed event stream: {ex.Message}", ex) { Provider = BedrockErrors.Provider };
                }

                yield return messages.Current;
            }
        }
    }

    private static byte[] Serialize<T>(T body, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(body, typeInfo);

    private async Task<T> SendAsync<T>(Uri endpoint, HttpMethod method, string[] path, IReadOnlyList<KeyValuePair<string, string>> query, byte[]? body, JsonTypeInfo<T>? typeInfo, string operation, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(endpoint, method, path, query, body, operation, cancellationToken).ConfigureAwait(false);
        if (typeInfo is null)
        {
            return default!;
        }

        byte[] bytes;
        try
        {
            bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw BedrockErrors.Transport(ex, operation);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) ?? throw new JsonException("null body");
        }
        catch (JsonException ex)
        {
            throw new FineTuneException($"Bedrock {operation} answered HTTP {(int)response.StatusCode} with a body that is not the expected JSON: {ex.Message}", ex)
            {
                Provider = BedrockErrors.Provider,
                StatusCode = (int)response.StatusCode,
                RequestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null,
            };
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(Uri endpoint, HttpMethod method, string[] path, IReadOnlyList<KeyValuePair<string, string>> query, byte[]? body, string operation, CancellationToken cancellationToken)
    {
        var uri = BuildUri(endpoint, path, query);
        var credentials = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.UserAgent.ParseAdd("finetune-sdk-bedrock/" + typeof(BedrockHttpTransport).Assembly.GetName().Version?.ToString(3));
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        SigV4Signer.SignRequest(request, body ?? [], credentials, new SigV4Scope(_region, SigningService), _time.GetUtcNow());
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw BedrockErrors.Transport(ex, operation);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FineTuneException($"Bedrock {operation} timed out.", ex) { Provider = BedrockErrors.Provider, IsTransient = true };
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            byte[] errorBody;
            try
            {
                errorBody = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                errorBody = [];
            }

            throw BedrockErrors.FromResponse((int)response.StatusCode, response.Headers, errorBody, operation, _time);
        }
    }

    internal static Uri BuildUri(Uri endpoint, string[] path, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var builder = new StringBuilder(endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        foreach (var segment in path)
        {
            builder.Append('/').Append(Uri.EscapeDataString(segment));
        }

        for (var i = 0; i < query.Count; i++)
        {
            builder.Append(i == 0 ? '?' : '&').Append(Uri.EscapeDataString(query[i].Key)).Append('=').Append(Uri.EscapeDataString(query[i].Value));
        }

        return new Uri(builder.ToString());
    }
}
