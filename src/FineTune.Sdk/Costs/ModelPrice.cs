namespace FineTune.Sdk;

/// <summary>One entry of the price catalog: what a provider charges to customise a model with a method.</summary>
public sealed class ModelPrice
{
    /// <summary>Gets or sets the provider, for example <c>openai</c> or <c>bedrock</c>.</summary>
    /// <value>Defaults to <c>openai</c>.</value>
    public string Provider { get; set; } = "openai";

    /// <summary>
    /// Gets or sets the model or model family. A request matches when its model (with any <c>ft:</c> prefix and
    /// tail removed) equals this value or continues it with <c>-</c> or <c>:</c>; the longest match wins.
    /// </summary>
    /// <value>Required; for example <c>gpt-4o-mini</c>.</value>
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the customisation method.</summary>
    /// <value>Defaults to <c>supervised</c>.</value>
    public string Method { get; set; } = "supervised";

    /// <summary>Gets or sets the price per 1,000,000 billed training tokens.</summary>
    /// <value>Required; zero or more.</value>
    public decimal TrainingPerMillionTokens { get; set; }

    /// <summary>Gets or sets the input (prompt) price per 1,000,000 tokens of the customised model, when known.</summary>
    /// <value>Defaults to <see langword="null"/> (unknown).</value>
    public decimal? InputPerMillionTokens { get; set; }

    /// <summary>Gets or sets the output (completion) price per 1,000,000 tokens of the customised model, when known.</summary>
    /// <value>Defaults to <see langword="null"/> (unknown).</value>
    public decimal? OutputPerMillionTokens { get; set; }

    /// <summary>Gets or sets whether validation-file tokens are billed like training tokens.</summary>
    /// <value>Defaults to <see langword="false"/> (OpenAI does not bill them).</value>
    public bool BillsValidationTokens { get; set; }

    /// <summary>Gets or sets the ISO 4217 currency code.</summary>
    /// <value>Defaults to <c>USD</c>.</value>
    public string Currency { get; set; } = "USD";

    /// <summary>Gets or sets the date the price was read, as <c>yyyy-MM-dd</c> or <c>yyyy-MM</c>.</summary>
    /// <value>Defaults to an empty string (unknown).</value>
    public string AsOf { get; set; } = string.Empty;

    /// <summary>Gets or sets where the price comes from.</summary>
    /// <value>Defaults to an empty string.</value>
    public string Source { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the price was confirmed from the provider's own page.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool IsVerified { get; set; }

    internal ModelPrice Clone() => (ModelPrice)MemberwiseClone();
}
