using System.Globalization;

namespace FineTune.Sdk.Testing;

/// <summary>The training-data format of a model family (bedrock.md §3).</summary>
internal enum BedrockDataFormat
{
    /// <summary><c>{"prompt": …, "completion": …}</c>: Titan Text, Llama 3.1.</summary>
    PromptCompletion,

    /// <summary><c>{"system"?: string, "messages": [{role, content: string}]}</c>: Claude 3 Haiku.</summary>
    ClaudeMessages,

    /// <summary><c>bedrock-conversation-2024</c> (<c>schemaVersion</c>, <c>system</c> blocks, <c>messages</c> with content blocks): Nova, Llama 3.2/3.3.</summary>
    Conversation,
}

/// <summary>One hyperparameter a family accepts: range and default (bedrock.md §3).</summary>
internal sealed record BedrockHyperparameter(string Name, double Min, double Max, double Default, bool IsInteger);

/// <summary>A fine-tunable foundation model.</summary>
internal sealed record BedrockFoundationModel(string Id, string Name, BedrockDataFormat Format, int MinRecords, int MaxRecords, IReadOnlyList<BedrockHyperparameter> Hyperparameters)
{
    /// <summary>Gets the id used for inference: the fine-tuning id without its context suffix (<c>amazon.nova-micro-v1:0</c>).</summary>
    public string InvocationId => Id.Count(c => c == ':') >= 2 ? Id[..Id.LastIndexOf(':')] : Id;

    /// <summary>Gets the model name as <c>ListCustomModels</c> reports it (<c>baseModelName</c>): the id without its version, <c>amazon.nova-micro-v1</c>.</summary>
    public string ModelName => Id[..Id.IndexOf(':', StringComparison.Ordinal)];

    public string Arn(string region) => $"arn:aws:bedrock:{region}::foundation-model/{Id}";

    public double Hyper(IReadOnlyDictionary<string, string> values, string name, double fallback) =>
        values.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : Hyperparameters.FirstOrDefault(h => h.Name == name)?.Default ?? fallback;
}

/// <summary>The fine-tunable base models of bedrock.md §1.9 and §3 with their formats, record limits and hyperparameters.</summary>
internal static class BedrockModelCatalog
{
    private static readonly BedrockHyperparameter[] Titan =
    [
        new("epochCount", 1, 10, 5, true), new("batchSize", 1, 64, 1, true), new("learningRate", 0, 1, 0.00001, false), new("learningRateWarmupSteps", 0, 250, 5, true),
    ];

    private static readonly BedrockHyperparameter[] Llama =
    [
        new("epochCount", 1, 10, 5, true), new("batchSize", 1, 1, 1, true), new("learningRate", 0.000005, 0.1, 0.0001, false),
    ];

    private static readonly BedrockHyperparameter[] Claude =
    [
        new("epochCount", 1, 10, 2, true), new("batchSize", 4, 256, 32, true), new("learningRateMultiplier", 0.1, 2, 1, false),
        new("earlyStoppingThreshold", 0, 0.1, 0.001, false), new("earlyStoppingPatience", 1, 10, 2, true),
    ];

    private static readonly BedrockHyperparameter[] Nova =
    [
        new("epochCount", 1, 5, 2, true), new("learningRate", 0.000001, 0.0001, 0.00001, false), new("learningRateWarmupSteps", 0, 100, 10, true),
    ];

    public static IReadOnlyList<BedrockFoundationModel> Models { get; } =
    [
        new("amazon.nova-micro-v1:0:128k", "Nova Micro", BedrockDataFormat.Conversation, 8, 20_000, Nova),
        new("amazon.nova-lite-v1:0:300k", "Nova Lite", BedrockDataFormat.Conversation, 8, 20_000, Nova),
        new("amazon.nova-pro-v1:0:300k", "Nova Pro", BedrockDataFormat.Conversation, 8, 20_000, Nova),
        new("amazon.nova-2-lite-v1:0:256k", "Nova 2 Lite", BedrockDataFormat.Conversation, 8, 20_000, Nova),
        new("anthropic.claude-3-haiku-20240307-v1:0:200k", "Claude 3 Haiku", BedrockDataFormat.ClaudeMessages, 32, 10_000, Claude),
        new("meta.llama3-1-8b-instruct-v1:0:128k", "Llama 3.1 8B Instruct", BedrockDataFormat.PromptCompletion, 100, 10_000, Llama),
        new("meta.llama3-1-70b-instruct-v1:0:128k", "Llama 3.1 70B Instruct", BedrockDataFormat.PromptCompletion, 100, 10_000, Llama),
        new("meta.llama3-2-1b-instruct-v1:0:128k", "Llama 3.2 1B Instruct", BedrockDataFormat.Conversation, 100, 10_000, Llama),
        new("meta.llama3-2-3b-instruct-v1:0:128k", "Llama 3.2 3B Instruct", BedrockDataFormat.Conversation, 100, 10_000, Llama),
        new("meta.llama3-2-11b-instruct-v1:0:128k", "Llama 3.2 11B Instruct", BedrockDataFormat.Conversation, 100, 10_000, Llama),
        new("meta.llama3-2-90b-instruct-v1:0:128k", "Llama 3.2 90B Instruct", BedrockDataFormat.Conversation, 100, 10_000, Llama),
        new("meta.llama3-3-70b-instruct-v1:0:128k", "Llama 3.3 70B Instruct", BedrockDataFormat.Conversation, 100, 10_000, Llama),
        new("amazon.titan-text-express-v1:0:8k", "Titan Text G1 - Express", BedrockDataFormat.PromptCompletion, 1, 10_000, Titan),
        new("amazon.titan-text-lite-v1:0:4k", "Titan Text G1 - Lite", BedrockDataFormat.PromptCompletion, 1, 10_000, Titan),
    ];

    /// <summary>Finds a model by fine-tuning id, invocation id (without the context suffix) or foundation-model ARN.</summary>
    public static BedrockFoundationModel? Find(string identifier)
    {
        var id = identifier;
        var marker = id.IndexOf("::foundation-model/", StringComparison.Ordinal);
        if (id.StartsWith("arn:", StringComparison.Ordinal) && marker >= 0)
        {
            id = id[(marker + "::foundation-model/".Length)..];
        }

        return Models.FirstOrDefault(m => m.Id == id) ?? Models.FirstOrDefault(m => m.InvocationId == id);
    }
}
