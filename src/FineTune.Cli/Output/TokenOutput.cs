using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>Renders token reports and cost estimates for <c>validate</c> and <c>estimate</c> (text and JSON).</summary>
internal static class TokenOutput
{
    /// <summary>Estimates the cost of a token report; writes the reason to <paramref name="error"/> and returns null when no price is known.</summary>
    public static async Task<CostEstimate?> TryEstimateAsync(DatasetTokenReport tokens, string model, int? epochs, TextWriter error)
    {
        try
        {
            return new CostEstimator().Estimate(tokens, model, epochs);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The token report as a JSON element (a stable contract; fields may be added, never renamed).</summary>
    public static JsonElement ToJson(DatasetTokenReport tokens) => Element(writer =>
    {
        writer.WriteStartObject();
        if (tokens.Model is not null)
        {
            writer.WriteString("model", tokens.Model);
        }

        writer.WriteString("encoding", tokens.Encoding);
        writer.WriteString("formula", tokens.Formula == ChatTokenFormula.Cookbook ? "cookbook" : "billing");
        writer.WriteNumber("examples", tokens.Examples);
        writer.WriteNumber("total", tokens.Total);
        writer.WriteNumber("billed", tokens.Billed);
        writer.WriteNumber("over_limit", tokens.OverLimit);
        if (tokens.MaxTokensPerExample is { } limit)
        {
            writer.WriteNumber("max_tokens_per_example", limit);
            writer.WriteBoolean("limit_verified", tokens.LimitIsVerified);
        }
        else
        {
            writer.WriteNull("max_tokens_per_example");
        }

        Distribution(writer, "tokens_per_example", tokens.TokensPerExample);
        Distribution(writer, "messages_per_example", tokens.MessagesPerExample);
        Distribution(writer, "assistant_tokens_per_example", tokens.AssistantTokensPerExample);
        writer.WriteEndObject();
    });

    /// <summary>The estimate as a JSON element.</summary>
    public static JsonElement ToJson(CostEstimate estimate) => Element(estimate.WriteTo);

    /// <summary>Writes the human-readable token lines.</summary>
    public static async Task WriteTextAsync(TextWriter output, DatasetTokenReport tokens)
    {
        var c = CultureInfo.InvariantCulture;
        var limit = tokens.MaxTokensPerExample is { } max
            ? string.Create(c, $"limit {max:N0} per example{(tokens.LimitIsVerified ? string.Empty : " (unverified)")}, {tokens.OverLimit} over")
            : "no known per-example limit";
        await output.WriteLineAsync(string.Create(c, $"Tokens ({tokens.Encoding}{(tokens.Model is null ? string.Empty : ", " + tokens.Model)}): {tokens.Total:N0} total, {tokens.Billed:N0} billed per epoch over {tokens.Examples:N0} examples; {limit}")).ConfigureAwait(false);
        await WriteDistributionAsync(output, "tokens/example", tokens.TokensPerExample).ConfigureAwait(false);
        await WriteDistributionAsync(output, "messages/example", tokens.MessagesPerExample).ConfigureAwait(false);
        await WriteDistributionAsync(output, "assistant tokens/example", tokens.AssistantTokensPerExample).ConfigureAwait(false);
    }

    private static Task WriteDistributionAsync(TextWriter output, string name, TokenDistribution d) =>
        output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-26} min {d.Min}, max {d.Max}, mean {d.Mean:F1}, median {d.Median:0.#}, p5 {d.P5:0.#}, p95 {d.P95:0.#}"));

    private static void Distribution(Utf8JsonWriter writer, string name, TokenDistribution d)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("min", d.Min);
        writer.WriteNumber("max", d.Max);
        writer.WriteNumber("mean", Math.Round(d.Mean, 3));
        writer.WriteNumber("median", Math.Round(d.Median, 3));
        writer.WriteNumber("p5", Math.Round(d.P5, 3));
        writer.WriteNumber("p95", Math.Round(d.P95, 3));
        writer.WriteEndObject();
    }

    /// <summary>What <paramref name="write"/> writes, as a detached JSON element for the CLI's JSON documents.</summary>
    internal static JsonElement Element(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    /// <summary>Parses <c>--epochs</c>: a number from 1 to 50, or <c>auto</c> (null).</summary>
    public static bool TryParseEpochs(string? text, out int? epochs)
    {
        epochs = null;
        if (text is null || string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 50)
        {
            epochs = value;
            return true;
        }

        return false;
    }

    /// <summary>Reads a whole text input: a file, or standard input for <c>-</c>.</summary>
    public static async Task<string> ReadAllTextAsync(string source, CancellationToken cancellationToken)
    {
        if (source == "-")
        {
            using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            return await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        return await File.ReadAllTextAsync(source, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
    }
}
