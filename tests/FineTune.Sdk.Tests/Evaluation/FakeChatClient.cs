using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

/// <summary>A hand-written in-process chat client configured by a callback.</summary>
internal sealed class FakeChatClient : IChatClient
{
    private int _inFlight;
    private int _calls;

    /// <summary>Gets or sets the answer to a request; the default echoes "ok".</summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>> OnGetResponse { get; set; } =
        (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

    public int Calls => _calls;

    public int MaxInFlight { get; private set; }

    public List<ChatOptions?> SeenOptions { get; } = [];

    /// <summary>Answers with a fixed text per last user message, with token usage.</summary>
    public static FakeChatClient Answering(Func<string, string> answer) => new()
    {
        OnGetResponse = (messages, _, _) => Task.FromResult(Response(answer(messages[^1].Text))),
    };

    public static ChatResponse Response(string text, long input = 10, long output = 5) =>
        new(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output } };

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var now = Interlocked.Increment(ref _inFlight);
        lock (SeenOptions)
        {
            MaxInFlight = Math.Max(MaxInFlight, now);
            SeenOptions.Add(options);
        }

        try
        {
            return await OnGetResponse(messages.ToList(), options, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Gets or sets the streamed answer to a request; the default refuses streaming.</summary>
    public Func<IReadOnlyList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> OnGetStreamingResponse { get; set; } =
        (_, _, _) => throw new NotSupportedException();

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return OnGetStreamingResponse(messages.ToList(), options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
