using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;

namespace FineTune.Sdk.OpenAI;

/// <summary>
/// Requests the typed OpenAI surface lacks (job events, checkpoints and cancel without a FineTuningJob instance, list
/// filters), sent through the OpenAI client's own pipeline so auth, headers and transport are the package's.
/// </summary>
internal sealed class OpenAIRawApi(ClientPipeline pipeline, Uri endpoint, TimeProvider time)
{
    public async Task<JsonDocument> SendAsync(string method, string pathAndQuery, BinaryData? jsonBody, string operation, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri = new Uri(endpoint, pathAndQuery);
        message.Request.Headers.Set("Accept", "application/json");
        if (jsonBody is not null)
        {
            message.Request.Headers.Set("Content-Type", "application/json");
            message.Request.Content = BinaryContent.Create(jsonBody);
        }

        message.Apply(new RequestOptions { CancellationToken = cancellationToken });
        try
        {
            await pipeline.SendAsync(message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or IOException)
        {
            throw OpenAIErrors.Map(ex, operation, time);
        }

        var response = message.Response!;
        if (response.IsError || response.Status is < 200 or > 299)
        {
            throw OpenAIErrors.FromResponse(response, operation, time);
        }

        return JsonDocument.Parse(response.Content.ToMemory());
    }
}
