using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>The estimated cost of a fine-tuning job, with its breakdown.</summary>
public sealed class CostEstimate
{
    /// <summary>Gets the model the estimate is for.</summary>
    /// <value>As requested.</value>
    public required string Model { get; init; }

    /// <summary>Gets the customisation method.</summary>
    /// <value>For example <c>supervised</c>.</value>
    public required string Method { get; init; }

    /// <summary>Gets the price applied.</summary>
    /// <value>The catalog entry that matched.</value>
    public required ModelPrice Price { get; init; }

    /// <summary>Gets the number of training examples.</summary>
    /// <value>As requested.</value>
    public long TrainingExamples { get; init; }

    /// <summary>Gets the billed tokens of one epoch over the training file.</summary>
    /// <value>As requested.</value>
    public long TrainingTokensPerEpoch { get; init; }

    /// <summary>Gets the epochs the estimate assumes.</summary>
    /// <value>The requested number, or the automatic rule's choice.</value>
    public int Epochs { get; init; }

    /// <summary>Gets a value indicating whether <see cref="Epochs"/> came from the automatic rule.</summary>
    /// <value><see langword="true"/> when no epochs were requested.</value>
    public bool EpochsAreAutomatic { get; init; }

    /// <summary>Gets the billed training tokens: tokens per epoch × epochs (plus validation tokens where billed).</summary>
    /// <value>Zero or more.</value>
    public long BilledTokens { get; init; }

    /// <summary>Gets the cost before the retry buffer.</summary>
    /// <value>In <see cref="Currency"/>.</value>
    public decimal Subtotal { get; init; }

    /// <summary>Gets the retry buffer rate applied.</summary>
    /// <value>For example 0.20.</value>
    public decimal RetryBufferRate { get; init; }

    /// <summary>Gets the retry buffer amount.</summary>
    /// <value>Subtotal × rate.</value>
    public decimal RetryBuffer { get; init; }

    /// <summary>Gets the total: subtotal plus retry buffer.</summary>
    /// <value>In <see cref="Currency"/>.</value>
    public decimal Total => Subtotal + RetryBuffer;

    /// <summary>Gets the currency code.</summary>
    /// <value>From the price.</value>
    public string Currency => Price.Currency;

    /// <summary>Gets the breakdown lines (training, validation if billed, retry buffer).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<CostLine> Lines { get; init; } = [];

    /// <summary>Gets the provider-specific object the estimate came from, if any.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets additional properties.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public IReadOnlyDictionary<string, object?>? AdditionalProperties { get; init; }

    /// <summary>Renders the estimate as aligned plain text, one item per line.</summary>
    /// <returns>The text, ending with a newline.</returns>
    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"Cost estimate: {Model} ({Method}, {Price.Provider})\n");
        Row(text, "Training examples", TrainingExamples.ToString("N0", c));
        Row(text, "Tokens per epoch", TrainingTokensPerEpoch.ToString("N0", c) + " (billed, after truncation)");
        Row(text, "Epochs", Epochs.ToString(c) + (EpochsAreAutomatic ? " (auto)" : string.Empty));
        Row(text, "Billed tokens", BilledTokens.ToString("N0", c));
        Row(text, "Price", $"{Money(Price.TrainingPerMillionTokens)} per 1M training tokens");
        foreach (var line in Lines.Where(l => l.Tokens is not null))
        {
            Row(text, line.Label, Money(line.Amount));
        }

        Row(text, "Subtotal", Money(Subtotal));
        foreach (var line in Lines.Where(l => l.Tokens is null))
        {
            Row(text, line.Label, Money(line.Amount));
        }

        Row(text, "Total", Money(Total));
        text.Append(c, $"Prices as of {(Price.AsOf.Length == 0 ? "an unknown date" : Price.AsOf)}{(Price.IsVerified ? string.Empty : " (unverified)")}: {Price.Source}\n");
        return text.ToString();
    }

    /// <summary>Renders the estimate as one JSON object (a stable contract; amounts are numbers in <see cref="Currency"/>).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the estimate as one JSON object.</summary>
    /// <param name="writer">The writer.</param>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("model", Model);
        writer.WriteString("method", Method);
        writer.WriteString("provider", Price.Provider);
        writer.WriteString("currency", Currency);
        writer.WriteNumber("training_examples", TrainingExamples);
        writer.WriteNumber("tokens_per_epoch", TrainingTokensPerEpoch);
        writer.WriteNumber("epochs", Epochs);
        writer.WriteBoolean("epochs_auto", EpochsAreAutomatic);
        writer.WriteNumber("billed_tokens", BilledTokens);
        writer.WriteNumber("price_per_million_tokens", Price.TrainingPerMillionTokens);
        writer.WriteStartArray("lines");
        foreach (var line in Lines)
        {
            writer.WriteStartObject();
            writer.WriteString("label", line.Label);
            if (line.Tokens is { } tokens)
            {
                writer.WriteNumber("tokens", tokens);
            }

            writer.WriteNumber("amount", line.Amount);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("subtotal", Subtotal);
        writer.WriteNumber("retry_buffer_rate", RetryBufferRate);
        writer.WriteNumber("retry_buffer", RetryBuffer);
        writer.WriteNumber("total", Total);
        writer.WriteString("prices_as_of", Price.AsOf);
        writer.WriteBoolean("prices_verified", Price.IsVerified);
        writer.WriteString("prices_source", Price.Source);
        writer.WriteEndObject();
    }

    private string Money(decimal amount)
    {
        var rounded = Math.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("N2", CultureInfo.InvariantCulture);
        return Currency == "USD" ? "$" + rounded : rounded + " " + Currency;
    }

    private static void Row(StringBuilder text, string label, string value) =>
        text.Append("  ").Append(label.PadRight(24)).Append(value).Append('\n');
}
