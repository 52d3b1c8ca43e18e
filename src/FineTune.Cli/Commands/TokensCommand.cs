using System.CommandLine;
using System.Globalization;
using System.Text;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune tokens [--encoding o200k_base|cl100k_base | --model M] [--ids] [FILE|-]</c>.</summary>
internal static class TokensCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("file") { Description = "The text file to encode as plain text, or - for standard input.", DefaultValueFactory = _ => "-" };
        var encoding = new Option<string>("--encoding") { Description = "The encoding: o200k_base (default) or cl100k_base." };
        encoding.AcceptOnlyFromAmong(TiktokenTokenizer.O200kBaseName, TiktokenTokenizer.Cl100kBaseName);
        var model = new Option<string>("--model") { Description = "Use the encoding of this model instead, for example gpt-4o-mini." };
        var ids = new Option<bool>("--ids") { Description = "Print the token ids as a JSON array instead of the count." };
        var command = new Command("tokens", "Count the tokens of a text (special-token text counts as ordinary text), or print their ids.") { input, encoding, model, ids };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            context, parseResult.GetValue(input)!, parseResult.GetValue(encoding), parseResult.GetValue(model), parseResult.GetValue(ids), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string input, string? encoding, string? model, bool ids, CancellationToken cancellationToken)
    {
        if (encoding is not null && model is not null)
        {
            await context.Error.WriteLineAsync("error: give either --encoding or --model, not both.").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        TiktokenTokenizer tokenizer;
        try
        {
            tokenizer = model is not null ? TiktokenTokenizer.ForModel(model) : TiktokenTokenizer.ForEncoding(encoding ?? TiktokenTokenizer.O200kBaseName);
        }
        catch (ArgumentException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        string text;
        try
        {
            text = await TokenOutput.ReadAllTextAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read {input}: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (!ids)
        {
            await context.Output.WriteLineAsync(tokenizer.CountTokens(text).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return CliApp.Success;
        }

        var builder = new StringBuilder("[");
        var first = true;
        foreach (var id in tokenizer.Encode(text))
        {
            builder.Append(first ? string.Empty : ",").Append(id.ToString(CultureInfo.InvariantCulture));
            first = false;
        }

        await context.Output.WriteLineAsync(builder.Append(']').ToString()).ConfigureAwait(false);
        return CliApp.Success;
    }
}
