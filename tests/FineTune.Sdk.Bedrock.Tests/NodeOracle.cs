using System.Text;
using FineTune.Tests;

namespace FineTune.Sdk.Bedrock.Tests;

/// <summary>
/// Runs a node script of a pinned npm folder (installed with <c>npm ci</c> from its committed package-lock.json on
/// first use, under a file lock so parallel test processes do not race) over a JSON-lines input, and returns its
/// JSON-lines output. A missing node or npm is a test failure, never a skip.
/// </summary>
internal static class NodeOracle
{
    private const string Needs = "The SigV4 differential tests need Node.js and npm (they compare with the official npm signer)";

    public static string SignerFolder => Path.Combine(RepoPaths.Root, "tests", "FineTune.Sdk.Bedrock.Tests", "Signing", "js-signer");

    public static async Task<IReadOnlyList<string>> RunAsync(string folder, string script, string inputLines)
    {
        await NpmFolder.EnsureInstalledAsync(folder, Path.Combine(folder, "node_modules", ".package-lock.json"), Needs).ConfigureAwait(false);
        var work = Path.Combine(Path.GetTempPath(), "finetune-bedrock-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var input = Path.Combine(work, "in.jsonl");
            var output = Path.Combine(work, "out.jsonl");
            await File.WriteAllTextAsync(input, inputLines, new UTF8Encoding(false)).ConfigureAwait(false);
            await NpmFolder.RunAsync(folder, "node", [script, input, output], Needs).ConfigureAwait(false);
            return (await File.ReadAllLinesAsync(output).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
