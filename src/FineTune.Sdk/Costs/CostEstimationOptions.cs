namespace FineTune.Sdk;

/// <summary>Options of the cost estimator: the price catalog and the retry buffer.</summary>
public sealed class CostEstimationOptions
{
    /// <summary>Gets or sets the share added as a separate "retry buffer" line (jobs that fail and are re-run).</summary>
    /// <value>Defaults to 0.20 (20%); between 0 and 10.</value>
    public decimal RetryBuffer { get; set; } = 0.20m;

    /// <summary>Gets or sets whether the built-in prices (<see cref="BuiltInPrices"/>) are part of the catalog.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IncludeBuiltInPrices { get; set; } = true;

    /// <summary>
    /// Gets or sets prices that add to or replace built-in ones; an entry replaces the built-in entry with the same
    /// provider, model and method (case-insensitive). Bindable from configuration (<c>FineTuning:Costs:Prices</c>).
    /// </summary>
    /// <value>Defaults to an empty list.</value>
    public List<ModelPrice> Prices { get; set; } = [];

    /// <summary>Gets the prices shipped with this version (see docs/cost-model.md for sources and dates).</summary>
    /// <value>A new list on each call, so callers may edit it.</value>
    public static IReadOnlyList<ModelPrice> BuiltInPrices => PriceCatalog.CreateBuiltIn();

    internal void Validate(List<string> failures)
    {
        const string prefix = "Costs";
        if (RetryBuffer is < 0 or > 10)
        {
            failures.Add($"{prefix}.{nameof(RetryBuffer)} must be between 0 and 10; it was {RetryBuffer}.");
        }

        for (var i = 0; i < (Prices?.Count ?? 0); i++)
        {
            var price = Prices![i];
            var at = $"{prefix}.{nameof(Prices)}[{i}]";
            if (price is null)
            {
                failures.Add($"{at} must not be null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(price.Model))
            {
                failures.Add($"{at}.{nameof(ModelPrice.Model)} must not be empty; it was '{price.Model}'.");
            }

            if (string.IsNullOrWhiteSpace(price.Provider))
            {
                failures.Add($"{at}.{nameof(ModelPrice.Provider)} must not be empty; it was '{price.Provider}'.");
            }

            if (string.IsNullOrWhiteSpace(price.Method))
            {
                failures.Add($"{at}.{nameof(ModelPrice.Method)} must not be empty; it was '{price.Method}'.");
            }

            if (price.TrainingPerMillionTokens < 0)
            {
                failures.Add($"{at}.{nameof(ModelPrice.TrainingPerMillionTokens)} must be zero or more; it was {price.TrainingPerMillionTokens}.");
            }

            if (price.InputPerMillionTokens < 0 || price.OutputPerMillionTokens < 0)
            {
                failures.Add($"{at} inference prices must be zero or more; they were {price.InputPerMillionTokens} and {price.OutputPerMillionTokens}.");
            }

            if (price.Currency is not { Length: 3 } || !price.Currency.All(char.IsAsciiLetter))
            {
                failures.Add($"{at}.{nameof(ModelPrice.Currency)} must be a 3-letter ISO 4217 code; it was '{price.Currency}'.");
            }
        }
    }
}
