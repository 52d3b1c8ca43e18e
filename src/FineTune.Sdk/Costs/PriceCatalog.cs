namespace FineTune.Sdk;

/// <summary>The built-in prices and the lookup rule (longest model prefix of the same provider and method).</summary>
internal sealed class PriceCatalog
{
    private const string OpenAISource = "OpenAI pricing (fine-tuning), as mirrored by two independent codebases and 2026 blog posts; the official page was not readable when compiled";
    private const string BedrockSource = "Amazon Bedrock pricing page as copied by third parties (USD, us-east-1/us-west-2)";

    private readonly List<ModelPrice> _prices;

    public PriceCatalog(CostEstimationOptions options)
    {
        _prices = options.IncludeBuiltInPrices ? [.. CreateBuiltIn()] : [];
        foreach (var price in options.Prices ?? [])
        {
            _prices.RemoveAll(p => SameKey(p, price));
            _prices.Add(price.Clone());
        }
    }

    public IReadOnlyList<ModelPrice> Prices => _prices;

    public static List<ModelPrice> CreateBuiltIn() =>
    [
        OpenAI("gpt-4.1", 25.00m, 3.00m, 12.00m),
        OpenAI("gpt-4.1-mini", 5.00m, 0.80m, 3.20m),
        OpenAI("gpt-4.1-nano", 1.50m, 0.20m, 0.80m),
        OpenAI("gpt-4o", 25.00m, 3.75m, 15.00m),
        OpenAI("gpt-4o-mini", 3.00m, 0.30m, 1.20m),
        OpenAI("gpt-3.5-turbo", 8.00m, null, null),
        OpenAI("davinci-002", 6.00m, null, null),
        OpenAI("babbage-002", 0.40m, null, null),
        Bedrock("amazon.titan-text-lite-v1", 0.40m, "2024", verified: false),
        Bedrock("amazon.titan-text-express-v1", 8.00m, "2024", verified: false),
        Bedrock("amazon.nova-micro-v1", 1.00m, "2026", verified: false),
        Bedrock("amazon.nova-lite-v1", 2.00m, "2026", verified: false),
        Bedrock("amazon.nova-pro-v1", 8.00m, "2026", verified: false),
        Bedrock("anthropic.claude-3-haiku-20240307-v1", 4.00m, "2024", verified: false),
        Bedrock("meta.llama3-1-8b-instruct-v1", 1.49m, "2024", verified: false),
        Bedrock("meta.llama3-1-70b-instruct-v1", 7.99m, "2024", verified: false),
        Bedrock("cohere.command-light-text-v14", 1.00m, "2024", verified: false),
        Bedrock("cohere.command-text-v14", 4.00m, "2026", verified: false),
    ];

    /// <summary>Finds the price of a model; <see langword="null"/> when none matches.</summary>
    public ModelPrice? Find(string model, string method, string? provider)
    {
        var name = ModelEncodings.BaseModel(model.Trim());
        ModelPrice? best = null;
        foreach (var price in _prices)
        {
            if (!string.Equals(price.Method, method, StringComparison.OrdinalIgnoreCase)
                || (provider is not null && !string.Equals(price.Provider, provider, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (name.StartsWith(price.Model, StringComparison.OrdinalIgnoreCase)
                && (name.Length == price.Model.Length || name[price.Model.Length] is '-' or ':')
                && (best is null || price.Model.Length > best.Model.Length))
            {
                best = price;
            }
        }

        return best;
    }

    private static bool SameKey(ModelPrice a, ModelPrice b) =>
        string.Equals(a.Provider, b.Provider, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Model, b.Model, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Method, b.Method, StringComparison.OrdinalIgnoreCase);

    private static ModelPrice OpenAI(string model, decimal training, decimal? input, decimal? output) => new()
    {
        Provider = "openai",
        Model = model,
        TrainingPerMillionTokens = training,
        InputPerMillionTokens = input,
        OutputPerMillionTokens = output,
        AsOf = "2026-04",
        Source = OpenAISource,
        IsVerified = false,
    };

    private static ModelPrice Bedrock(string model, decimal training, string asOf, bool verified) => new()
    {
        Provider = "bedrock",
        Model = model,
        TrainingPerMillionTokens = training,
        AsOf = asOf,
        Source = BedrockSource,
        IsVerified = verified,
    };
}
