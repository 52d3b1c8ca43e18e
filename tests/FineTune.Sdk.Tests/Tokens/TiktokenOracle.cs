using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Runs the npm package <c>tiktoken</c> 1.0.22 (pinned by the committed package-lock.json in tiktoken-oracle/) over
/// a batch of strings. Installs it with <c>npm ci</c> on first use, under a file lock so parallel test processes do
/// not race. A missing node or npm is a test failure, never a skip.
/// </summary>
public sealed class TiktokenOracle
{
    private const string Needs = "The tokenizer conformance tests need Node.js and npm (they compare with the npm package tiktoken)";

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "FineTune.Sdk.Tests", "Tokens", "tiktoken-oracle");

    /// <summary>Encodes every text with both encodings, as plain text and with every special token allowed.</summary>
    public static async Task<IReadOnlyList<OracleResult>> EncodeAsync(IReadOnlyList<string> texts)
    {
        await EnsureInstalledAsync().ConfigureAwait(false);
        var work = Path.Combine(Path.GetTempPath(), "finetune-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var input = Path.Combine(work, "in.jsonl");
            var output = Path.Combine(work, "out.jsonl");
            var builder = new StringBuilder();
            foreach (var text in texts)
            {
                builder.Append("{\"text\":").Append(JsonQuote(text)).Append("}\n");
            }

            await File.WriteAllTextAsync(input, builder.ToString(), new UTF8Encoding(false)).ConfigureAwait(false);
            await RunAsync("node", ["encode.mjs", input, output]).ConfigureAwait(false);
            var results = new List<OracleResult>(texts.Count);
            foreach (var line in await File.ReadAllLinesAsync(output).ConfigureAwait(false))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                results.Add(new OracleResult(
                    Ids(root, "o200k"), Ids(root, "cl100k"), Ids(root, "o200k_special"), Ids(root, "cl100k_special")));
            }

            results.Should().HaveCount(texts.Count, "the oracle answers every input line");
            return results;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Counts every row of a fine-tuning JSONL file (chat or preference) with npm tiktoken under the billing
    /// formula of docs/tokens.md, written in JavaScript from the formula (count-rows.mjs), not from the SDK.</summary>
    /// <param name="jsonl">The file's bytes.</param>
    /// <param name="encoding"><c>o200k_base</c> or <c>cl100k_base</c>.</param>
    /// <returns>One count per non-blank line, uncapped.</returns>
    public static async Task<IReadOnlyList<long>> CountRowsAsync(byte[] jsonl, string encoding = "o200k_base")
    {
        await EnsureInstalledAsync().ConfigureAwait(false);
        var work = Path.Combine(Path.GetTempPath(), "finetune-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var input = Path.Combine(work, "in.jsonl");
            var output = Path.Combine(work, "out.txt");
            await File.WriteAllBytesAsync(input, jsonl).ConfigureAwait(false);
            await RunAsync("node", ["count-rows.mjs", encoding, input, output]).ConfigureAwait(false);
            return [.. (await File.ReadAllLinesAsync(output).ConfigureAwait(false)).Where(l => l.Length > 0).Select(l => long.Parse(l, CultureInfo.InvariantCulture))];
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Escapes every non-ASCII UTF-16 code unit, so lone surrogates reach JavaScript unchanged.</summary>
    public static string JsonQuote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c is >= ' ' and < (char)127 and not '"' and not '\\')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.Append('"').ToString();
    }

    private static int[] Ids(JsonElement root, string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static Task EnsureInstalledAsync() =>
        NpmFolder.EnsureInstalledAsync(Folder, Path.Combine(Folder, "node_modules", "tiktoken", "package.json"), Needs);

    private static Task RunAsync(string fileName, string[] arguments) => NpmFolder.RunAsync(Folder, fileName, arguments, Needs);
}

/// <summary>The oracle's ids for one text.</summary>
public sealed record OracleResult(int[] O200k, int[] Cl100k, int[] O200kSpecial, int[] Cl100kSpecial);
