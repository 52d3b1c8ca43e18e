namespace FineTune.Sdk.Testing;

/// <summary>
/// A base model the emulator knows: its snapshot name and fine-tuning methods. Its per-example token cap and token
/// accounting are the SDK's own (<see cref="TrainingTokenLimit"/>, <see cref="TiktokenTokenizer"/>, <see cref="ChatTokenAccounting"/>).
/// </summary>
internal sealed record BaseModel(string Id, string[] Methods, long Created)
{
    /// <summary>The cap assumed for a model missing from <see cref="TrainingTokenLimit.KnownLimits"/> (o4-mini): the gpt-4o figure.</summary>
    public const int AssumedMaxTokensPerExample = 65_536;

    private ChatTokenAccounting? _accounting;

    /// <summary>Gets the most tokens an example trains on; longer examples are truncated.</summary>
    public int MaxTokensPerExample { get; } = TrainingTokenLimit.TryGet(Id, out var limit) ? limit.MaxTokensPerExample : AssumedMaxTokensPerExample;

    /// <summary>Gets the model's token accounting: its tiktoken encoding, the billing formula and <see cref="MaxTokensPerExample"/>.</summary>
    public ChatTokenAccounting Accounting => _accounting ??= new ChatTokenAccounting(TiktokenTokenizer.ForModel(Id), ChatTokenFormula.Billing, MaxTokensPerExample);
}

/// <summary>The base models of openai.md section 2.4/2.5 with their aliases.</summary>
internal static class ModelCatalog
{
    private static readonly string[] SupervisedAndDpo = ["supervised", "dpo"];
    private static readonly string[] SupervisedOnly = ["supervised"];
    private static readonly string[] ReinforcementOnly = ["reinforcement"];

    public static IReadOnlyList<BaseModel> Models { get; } =
    [
        new("gpt-4o-mini-2024-07-18", SupervisedAndDpo, 1721172717),
        new("gpt-4o-2024-08-06", SupervisedAndDpo, 1722814719),
        new("gpt-4.1-2025-04-14", SupervisedAndDpo, 1744316542),
        new("gpt-4.1-mini-2025-04-14", SupervisedAndDpo, 1744317547),
        new("gpt-4.1-nano-2025-04-14", SupervisedAndDpo, 1744321025),
        new("gpt-3.5-turbo-0125", SupervisedOnly, 1706048358),
        new("gpt-3.5-turbo-1106", SupervisedOnly, 1698959748),
        new("gpt-3.5-turbo-0613", SupervisedOnly, 1686587434),
        new("o4-mini-2025-04-16", ReinforcementOnly, 1744133506),
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["gpt-4o-mini"] = "gpt-4o-mini-2024-07-18",
        ["gpt-4o"] = "gpt-4o-2024-08-06",
        ["gpt-4.1"] = "gpt-4.1-2025-04-14",
        ["gpt-4.1-mini"] = "gpt-4.1-mini-2025-04-14",
        ["gpt-4.1-nano"] = "gpt-4.1-nano-2025-04-14",
        ["gpt-3.5-turbo"] = "gpt-3.5-turbo-0125",
        ["o4-mini"] = "o4-mini-2025-04-16",
    };

    public static IReadOnlyDictionary<string, string> AliasMap => Aliases;

    public static BaseModel? Find(string name)
    {
        if (Aliases.TryGetValue(name, out var snapshot))
        {
            name = snapshot;
        }

        foreach (var model in Models)
        {
            if (model.Id == name)
            {
                return model;
            }
        }

        return null;
    }
}
