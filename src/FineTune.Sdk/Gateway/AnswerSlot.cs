using System.Numerics;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// One answered request, copied in place on the request path for the shadow or online-evaluation worker: the
/// references of the caller's messages (into the slot's own array — the caller may append to its list after the call),
/// the gateway's own copy of the options, the references of the answer's messages (or a streamed answer's text), the
/// variant that answered and the shadow budget's token estimate.
/// </summary>
/// <remarks>
/// Filling allocates nothing once the slot's arrays hold the conversation (they grow to the next power of two and are
/// reused, cleared, on every lap). The worker makes its own copy with <see cref="Take"/> and builds the answer's text
/// there, off the request path. The answer's message references are copied rather than the response kept, because a
/// middleware above the gateway may replace or extend the response's message list after the call.
/// </remarks>
internal sealed class AnswerSlot : GatewaySlot
{
    private ChatMessage[] _messages = [];
    private int _messageCount;
    private ChatMessage[] _answer = [];
    private int _answerCount;
    private string? _answerText;
    private ChatOptions? _options;
    private string? _variant;
    private int _estimatedTokens;
    private bool _filled;

    /// <summary>Gets whether the slot holds any reference to request data (tests: disposal clears every slot).</summary>
    internal bool HoldsRequestData =>
        _filled || _answerText is not null || _options is not null || Array.Exists(_messages, m => m is not null) || Array.Exists(_answer, m => m is not null);

    /// <summary>Copies a request into the slot; allocates only when a conversation is longer than any before in this slot.</summary>
    public void Fill(IEnumerable<ChatMessage> messages, ChatOptions? options, string variant, ChatResponse? answer, string? answerText, int estimatedTokens)
    {
        _messageCount = CopyInto(messages, ref _messages);
        _answerCount = answer is null ? 0 : CopyInto(answer.Messages, ref _answer);
        _answerText = answerText;
        _options = options;
        _variant = variant;
        _estimatedTokens = estimatedTokens;
        _filled = true;
    }

    /// <summary>The worker's own copy of the slot (allocated on the worker's thread), or null for a slot published empty.</summary>
    public AnswerCopy? Take()
    {
        if (!_filled)
        {
            return null;
        }

        var text = _answerText ?? new ChatResponse(_answer.AsSpan(0, _answerCount).ToArray()).Text;
        return new AnswerCopy(_messages.AsSpan(0, _messageCount).ToArray(), _options, _variant!, text, _estimatedTokens);
    }

    public override void Clear()
    {
        Array.Clear(_messages, 0, _messageCount);
        Array.Clear(_answer, 0, _answerCount);
        (_messageCount, _answerCount, _answerText, _options, _variant, _estimatedTokens, _filled) = (0, 0, null, null, null, 0, false);
    }

    /// <summary>Counts the characters of the messages' text without allocating (for lists and arrays; other sequences are enumerated).</summary>
    internal static long CountCharacters(IEnumerable<ChatMessage> messages)
    {
        long characters = 0;
        switch (messages)
        {
            case ChatMessage[] array:
                foreach (var message in array)
                {
                    characters += CountCharacters(message);
                }

                break;
            case List<ChatMessage> list:
                foreach (var message in list)
                {
                    characters += CountCharacters(message);
                }

                break;
            case IReadOnlyList<ChatMessage> list:
                for (var i = 0; i < list.Count; i++)
                {
                    characters += CountCharacters(list[i]);
                }

                break;
            default:
                foreach (var message in messages)
                {
                    characters += CountCharacters(message);
                }

                break;
        }

        return characters;
    }

    private static long CountCharacters(ChatMessage message)
    {
        // The length of ChatMessage.Text (the concatenated text contents), without building it.
        long characters = 0;
        var contents = message.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is TextContent text)
            {
                characters += text.Text.Length;
            }
        }

        return characters;
    }

    private static int CopyInto(IEnumerable<ChatMessage> source, ref ChatMessage[] storage)
    {
        switch (source)
        {
            case ChatMessage[] array:
                Reserve(ref storage, array.Length);
                array.CopyTo(storage, 0);
                return array.Length;
            case List<ChatMessage> list:
                Reserve(ref storage, list.Count);
                list.CopyTo(storage);
                return list.Count;
            case IList<ChatMessage> list:
                Reserve(ref storage, list.Count);
                list.CopyTo(storage, 0);
                return list.Count;
            case IReadOnlyList<ChatMessage> list:
                Reserve(ref storage, list.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    storage[i] = list[i];
                }

                return list.Count;
            default:
                var count = 0;
                foreach (var message in source)
                {
                    if (count == storage.Length)
                    {
                        var grown = storage;
                        Reserve(ref grown, count + 1);
                        Array.Copy(storage, grown, count);
                        storage = grown;
                    }

                    storage[count++] = message;
                }

                return count;
        }
    }

    private static void Reserve(ref ChatMessage[] storage, int count)
    {
        if (storage.Length < count)
        {
            storage = new ChatMessage[Math.Max(4, (int)BitOperations.RoundUpToPowerOf2((uint)count))];
        }
    }
}

/// <summary>The worker's own copy of an <see cref="AnswerSlot"/>.</summary>
/// <param name="Messages">The request's messages.</param>
/// <param name="Options">The gateway's copy of the request options (shadow only).</param>
/// <param name="Variant">The variant that answered.</param>
/// <param name="Text">The answer's text.</param>
/// <param name="EstimatedTokens">The shadow budget's estimate for the copy (shadow only).</param>
internal sealed record AnswerCopy(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, string Variant, string Text, int EstimatedTokens);
