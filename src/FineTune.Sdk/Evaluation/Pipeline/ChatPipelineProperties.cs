namespace FineTune.Sdk;

/// <summary>
/// Keys the chat pipeline's decorators add to <see cref="Microsoft.Extensions.AI.ChatResponse.AdditionalProperties"/>
/// (and to a failure's <see cref="Exception.Data"/>), which <see cref="EvalRunner"/> reads into its results.
/// </summary>
public static class ChatPipelineProperties
{
    /// <summary>The latency of the request that answered, in milliseconds (a <see cref="double"/>); set by <c>UseLatency</c>.</summary>
    public const string LatencyMilliseconds = "finetune.latency_ms";

    /// <summary>How many requests the call made (an <see cref="int"/>); set by <c>UseChatRetry</c>, on responses and on a failure's <see cref="Exception.Data"/>.</summary>
    public const string Attempts = "finetune.attempts";

    /// <summary>Present and <see langword="true"/> when the response came from the response cache; set by <c>UseResponseCache</c>.</summary>
    public const string Cached = "finetune.cached";
}
