using System.Globalization;

namespace FineTune.Sdk.Bedrock;

/// <summary>The training-record format a Bedrock model family reads.</summary>
public enum BedrockDataFormat
{
    /// <summary><c>{"prompt": "...", "completion": "..."}</c> (Titan Text, Llama 3.1).</summary>
    PromptCompletion,

    /// <summary><c>{"system": "...", "messages": [{"role": "user", "content": "..."}, ...]}</c> with string contents (Claude 3 Haiku).</summary>
    ClaudeMessages,

    /// <summary><c>bedrock-conversation-2024</c>: <c>{"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}</c> (Nova, Llama 3.2 / 3.3).</summary>
    BedrockConversation,
}

/// <summary>
/// A family of fine-tunable Bedrock base models and its documented rules: record format, record-count and
/// per-record token limits, reserved strings and hyperparameter names with ranges. Figures are AWS's documented
/// values as collected in docs/bedrock.md (several marked there as adjustable quotas).
/// </summary>
public sealed class BedrockModelFamily
{
    private static readonly string[] NovaReserved = ["System:", "User:", "Bot:", "Assistant:", "Thought:", "[EOS]", "<image>", "<video>"];

    private BedrockModelFamily(string name, string displayName, BedrockDataFormat format, string[] modelPrefixes, int minRecords, int maxRecords, int maxTokensPerRecord, IReadOnlyList<BedrockHyperParameter> hyperParameters, IReadOnlyList<string>? reserved = null)
    {
        Name = name;
        DisplayName = displayName;
        Format = format;
        ModelPrefixes = modelPrefixes;
        MinRecords = minRecords;
        MaxRecords = maxRecords;
        MaxTokensPerRecord = maxTokensPerRecord;
        HyperParameters = hyperParameters;
        ReservedStrings = reserved ?? [];
    }

    /// <summary>Gets every known family.</summary>
    public static IReadOnlyList<BedrockModelFamily> All { get; } =
    [
        new("titan", "Amazon Titan Text Express/Lite", BedrockDataFormat.PromptCompletion, ["amazon.titan-text-express", "amazon.titan-text-lite"], 1, 10_000, 4_096,
        [
            new("epochCount", 1, 10, true, "5"), new("batchSize", 1, 64, true, "1"), new("learningRate", 0, 1, false, "0.00001"), new("learningRateWarmupSteps", 0, 250, true, "5"),
        ]),
        new("titan-premier", "Amazon Titan Text Premier", BedrockDataFormat.PromptCompletion, ["amazon.titan-text-premier"], 1, 10_000, 4_096,
        [
            new("epochCount", 1, 5, true, "2"), new("batchSize", 1, 1, true, "1"), new("learningRate", 1e-7, 1e-5, false, "0.000001"), new("learningRateWarmupSteps", 0, 20, true, "5"),
        ]),
        new("llama3.1", "Meta Llama 3.1 Instruct", BedrockDataFormat.PromptCompletion, ["meta.llama3-1-"], 100, 10_000, 16_000, LlamaHyperParameters()),
        new("llama3.2", "Meta Llama 3.2 Instruct", BedrockDataFormat.BedrockConversation, ["meta.llama3-2-"], 100, 10_000, 16_000, LlamaHyperParameters()),
        new("llama3.3", "Meta Llama 3.3 Instruct", BedrockDataFormat.BedrockConversation, ["meta.llama3-3-"], 100, 10_000, 16_000, LlamaHyperParameters()),
        new("claude3-haiku", "Anthropic Claude 3 Haiku", BedrockDataFormat.ClaudeMessages, ["anthropic.claude-3-haiku"], 32, 10_000, 32_000,
        [
            new("epochCount", 1, 10, true, "2"), new("batchSize", 4, 256, true, "32"), new("learningRateMultiplier", 0.1, 2, false, "1"),
            new("earlyStoppingThreshold", 0, 0.1, false, "0.001"), new("earlyStoppingPatience", 1, 10, true, "2"),
        ]),
        new("nova", "Amazon Nova Micro/Lite/Pro", BedrockDataFormat.BedrockConversation, ["amazon.nova-micro", "amazon.nova-lite", "amazon.nova-pro", "amazon.nova-2-lite"], 8, 20_000, 32_000,
        [
            new("epochCount", 1, 5, true, "2"), new("learningRate", 1e-6, 1e-4, false, "0.00001"), new("learningRateWarmupSteps", 0, 100, true, "10"),
        ],
        NovaReserved),
    ];

    /// <summary>Gets the short name used by <c>finetune convert --to</c> (for example <c>nova</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable name.</summary>
    public string DisplayName { get; }

    /// <summary>Gets the record format.</summary>
    public BedrockDataFormat Format { get; }

    /// <summary>Gets the model-id prefixes that belong to the family.</summary>
    public IReadOnlyList<string> ModelPrefixes { get; }

    /// <summary>Gets the fewest training records accepted.</summary>
    public int MinRecords { get; }

    /// <summary>Gets the most training records accepted (a default quota, adjustable for some families).</summary>
    public int MaxRecords { get; }

    /// <summary>Gets the most tokens (input plus output) in one record.</summary>
    public int MaxTokensPerRecord { get; }

    /// <summary>Gets the accepted hyperparameters.</summary>
    public IReadOnlyList<BedrockHyperParameter> HyperParameters { get; }

    /// <summary>Gets strings a record's text must not contain (the job fails on them).</summary>
    public IReadOnlyList<string> ReservedStrings { get; }

    /// <summary>Finds the family of a model id, ARN (<c>…foundation-model/ID</c>) or family name.</summary>
    /// <param name="modelOrFamily">The model id, ARN or family name.</param>
    /// <returns>The family, or <see langword="null"/> when unknown.</returns>
    public static BedrockModelFamily? Find(string modelOrFamily)
    {
        ArgumentNullException.ThrowIfNull(modelOrFamily);
        var id = modelOrFamily.Contains('/', StringComparison.Ordinal) ? modelOrFamily[(modelOrFamily.IndexOf('/', StringComparison.Ordinal) + 1)..] : modelOrFamily;
        foreach (var family in All)
        {
            if (string.Equals(family.Name, modelOrFamily, StringComparison.OrdinalIgnoreCase)
                || family.ModelPrefixes.Any(p => id.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                return family;
            }
        }

        return null;
    }

    /// <summary>Checks hyperparameter names and ranges (values are strings, as Bedrock takes them).</summary>
    /// <param name="values">The hyperparameters.</param>
    /// <returns>One message per problem; empty when all fit.</returns>
    public IReadOnlyList<string> CheckHyperParameters(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<string>();
        foreach (var (name, text) in values)
        {
            var rule = HyperParameters.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.Ordinal));
            if (rule is null)
            {
                problems.Add($"'{name}' is not a {DisplayName} hyperparameter (accepted: {string.Join(", ", HyperParameters.Select(h => h.Name))}).");
                continue;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
                || (rule.IsInteger && value != Math.Floor(value)))
            {
                problems.Add($"'{name}' must be {(rule.IsInteger ? "an integer" : "a number")}; it was '{text}'.");
                continue;
            }

            if (value < rule.Min || value > rule.Max)
            {
                problems.Add($"'{name}' must be between {rule.Min.ToString(CultureInfo.InvariantCulture)} and {rule.Max.ToString(CultureInfo.InvariantCulture)}; it was {text}.");
            }
        }

        return problems;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static BedrockHyperParameter[] LlamaHyperParameters() =>
    [
        new("epochCount", 1, 10, true, "5"), new("batchSize", 1, 1, true, "1"), new("learningRate", 5e-6, 0.1, false, "0.0001"),
    ];
}

/// <summary>One accepted hyperparameter of a family: name, inclusive range, integer or not, default.</summary>
/// <param name="Name">The name Bedrock takes, for example <c>epochCount</c>.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="IsInteger">Whether the value must be an integer.</param>
/// <param name="Default">The documented default.</param>
public sealed record BedrockHyperParameter(string Name, double Min, double Max, bool IsInteger, string Default);
