using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>The top-level keys that tell dataset formats apart.</summary>
[Flags]
internal enum RowShapeKeys
{
    None = 0,
    Messages = 1 << 0,
    Input = 1 << 1,
    PreferredOutput = 1 << 2,
    NonPreferredOutput = 1 << 3,
    Prompt = 1 << 4,
    Completion = 1 << 5,
    Instruction = 1 << 6,
    Output = 1 << 7,
    Conversations = 1 << 8,
    Chosen = 1 << 9,
    Rejected = 1 << 10,
    Text = 1 << 11,
    Label = 1 << 12,
}

/// <summary>What a row looks like, judged from its top-level keys.</summary>
internal enum RowShape
{
    NotAnObject,
    Unknown,
    Chat,
    Preference,
    LegacyCompletion,
    Alpaca,
    ShareGpt,
    ShareGptPreference,
    PromptChosenRejected,
    TextLabel,
}

/// <summary>Recognises chat, preference and the common foreign formats from top-level keys.</summary>
internal static class RowShapes
{
    public static RowShapeKeys KeyOf(ReadOnlySpan<byte> name)
    {
        foreach (var (candidate, key) in Names)
        {
            if (name.SequenceEqual(candidate))
            {
                return key;
            }
        }

        return RowShapeKeys.None;
    }

    private static readonly (byte[] Name, RowShapeKeys Key)[] Names =
    [
        ("messages"u8.ToArray(), RowShapeKeys.Messages), ("input"u8.ToArray(), RowShapeKeys.Input), ("preferred_output"u8.ToArray(), RowShapeKeys.PreferredOutput),
        ("non_preferred_output"u8.ToArray(), RowShapeKeys.NonPreferredOutput), ("prompt"u8.ToArray(), RowShapeKeys.Prompt), ("completion"u8.ToArray(), RowShapeKeys.Completion),
        ("instruction"u8.ToArray(), RowShapeKeys.Instruction), ("output"u8.ToArray(), RowShapeKeys.Output), ("conversations"u8.ToArray(), RowShapeKeys.Conversations),
        ("chosen"u8.ToArray(), RowShapeKeys.Chosen), ("rejected"u8.ToArray(), RowShapeKeys.Rejected), ("text"u8.ToArray(), RowShapeKeys.Text),
        ("label"u8.ToArray(), RowShapeKeys.Label), ("category"u8.ToArray(), RowShapeKeys.Label), ("intent"u8.ToArray(), RowShapeKeys.Label),
    ];

    public static RowShapeKeys KeyOf(JsonProperty property)
    {
        foreach (var (name, key) in Names)
        {
            if (property.NameEquals(name))
            {
                return key;
            }
        }

        return RowShapeKeys.None;
    }

    public static RowShapeKeys KeysOf(JsonElement root)
    {
        var keys = RowShapeKeys.None;
        foreach (var property in root.EnumerateObject())
        {
            keys |= KeyOf(property);
        }

        return keys;
    }

    public static RowShape Classify(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object ? Classify(KeysOf(root)) : RowShape.NotAnObject;

    public static RowShape Classify(RowShapeKeys keys)
    {
        if (keys.HasFlag(RowShapeKeys.Messages))
        {
            return RowShape.Chat;
        }

        if (keys.HasFlag(RowShapeKeys.Input) && (keys & (RowShapeKeys.PreferredOutput | RowShapeKeys.NonPreferredOutput)) != 0)
        {
            return RowShape.Preference;
        }

        if (keys.HasFlag(RowShapeKeys.Conversations))
        {
            return (keys & (RowShapeKeys.Chosen | RowShapeKeys.Rejected)) != 0 ? RowShape.ShareGptPreference : RowShape.ShareGpt;
        }

        if ((keys & (RowShapeKeys.Chosen | RowShapeKeys.Rejected)) != 0)
        {
            return RowShape.PromptChosenRejected;
        }

        if (keys.HasFlag(RowShapeKeys.Prompt) && keys.HasFlag(RowShapeKeys.Completion))
        {
            return RowShape.LegacyCompletion;
        }

        if (keys.HasFlag(RowShapeKeys.Instruction) || (keys.HasFlag(RowShapeKeys.Input) && keys.HasFlag(RowShapeKeys.Output)))
        {
            return RowShape.Alpaca;
        }

        if (keys.HasFlag(RowShapeKeys.Text) && keys.HasFlag(RowShapeKeys.Label))
        {
            return RowShape.TextLabel;
        }

        return RowShape.Unknown;
    }

    /// <summary>Gets whether the shape is a known format that is not accepted (and how to convert it).</summary>
    public static bool IsForeign(RowShape shape) => Describe(shape) is not null;

    /// <summary>A plain description of a foreign format and how to convert it, or <see langword="null"/>.</summary>
    public static string? Describe(RowShape shape) => shape switch
    {
        RowShape.LegacyCompletion => "the legacy prompt/completion format, which is not accepted for chat models; convert each row to {\"messages\": [user message, assistant message]}",
        RowShape.Alpaca => "the Alpaca format (instruction/input/output), which is not accepted; convert each row to {\"messages\": [...]} with the instruction and input as the user message and the output as the assistant message",
        RowShape.ShareGpt => "the ShareGPT format (conversations of from/value turns), which is not accepted; rename conversations to messages, from to role (human to user, gpt to assistant) and value to content",
        RowShape.ShareGptPreference => "the ShareGPT preference format (conversations/chosen/rejected), which is not accepted; use input.messages, preferred_output and non_preferred_output",
        RowShape.PromptChosenRejected => "the prompt/chosen/rejected preference format, which is not accepted; use input.messages, preferred_output and non_preferred_output",
        RowShape.TextLabel => "text/label classification pairs, which are not chat rows; wrap each as {\"messages\": [user message with the text, assistant message with the label]}",
        _ => null,
    };
}
