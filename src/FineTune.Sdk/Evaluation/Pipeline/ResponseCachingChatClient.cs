using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// A file response cache: one JSON file per request, named by a SHA-256 of the model id, the messages and the options
/// that change the answer. A hit returns the stored text, usage and first-measured latency with
/// <see cref="ChatPipelineProperties.Cached"/> set and makes no call. Files are written whole (temp + rename).
/// Streams are not cached.
/// </summary>
/// <remarks>Thread-safe. The cache holds model outputs: the folder belongs to the caller, who deletes it.</remarks>
internal sealed class ResponseCachingChatClient : DelegatingChatClient
{
    private readonly string _directory;

    public ResponseCachingChatClient(IChatClient innerClient, string directory)
        : base(innerClient)
    {
        _directory = Path.GetFullPath(directory);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var modelId = options?.ModelId ?? string.Empty;
        var file = Path.Combine(_directory, RequestHash(modelId, list, options) + ".json");
        if (await TryReadAsync(file, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, hit.Output))
            {
                ModelId = options?.ModelId,
                Usage = hit.InputTokens is null && hit.OutputTokens is null ? null : new UsageDetails
                {
                    InputTokenCount = hit.InputTokens,
                    OutputTokenCount = hit.OutputTokens,
                    TotalTokenCount = (hit.InputTokens ?? 0) + (hit.OutputTokens ?? 0),
                },
                AdditionalProperties = new AdditionalPropertiesDictionary
                {
                    [ChatPipelineProperties.LatencyMilliseconds] = hit.LatencyMs,
                    [ChatPipelineProperties.Cached] = true,
                    [ChatPipelineProperties.Attempts] = 0,
                },
            };
        }

        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        var latency = response.AdditionalProperties?.TryGetValue(ChatPipelineProperties.LatencyMilliseconds, out double ms) == true ? ms : 0;
        Directory.CreateDirectory(_directory);
        await WriteAsync(file, new CachedResponse { Output = response.Text, LatencyMs = latency, InputTokens = response.Usage?.InputTokenCount, OutputTokens = response.Usage?.OutputTokenCount }, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>Hashes the model id and everything sent (messages and options) into a cache key.</summary>
    internal static string RequestHash(string modelId, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var builder = new StringBuilder();
        builder.Append("model=").Append(modelId).Append('\n');
        builder.Append("temperature=").Append(options?.Temperature?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("max=").Append(options?.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("seed=").Append(options?.Seed?.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("format=").Append(options?.ResponseFormat switch
        {
            null => "",
            ChatResponseFormatText => "text",
            ChatResponseFormatJson json => "json:" + json.Schema?.GetRawText(),
            _ => options.ResponseFormat.GetType().Name,
        }).Append('\n');
        foreach (var message in messages)
        {
            builder.Append(message.Role.Value).Append(':').Append(message.Text.Length).Append(':').Append(message.Text).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private static async Task<CachedResponse?> TryReadAsync(string file, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            var stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, EvalJsonContext.Default.CachedResponse, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // A damaged entry is a miss: the call is made again and the entry rewritten.
            return null;
        }
    }

    private static Task WriteAsync(string file, CachedResponse entry, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(file, (stream, token) => JsonSerializer.SerializeAsync(stream, entry, EvalJsonContext.Default.CachedResponse, token), cancellationToken);
}
