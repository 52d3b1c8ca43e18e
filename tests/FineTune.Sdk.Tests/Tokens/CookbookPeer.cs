using System.Diagnostics;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Runs ../shared/bench/cookbook-check.mjs (the Node.js peer that applies the OpenAI cookbook's checks and token
/// formula) with the npm package tiktoken of the oracle folder, and returns its JSON summary.
/// </summary>
internal static class CookbookPeer
{
    public static async Task<JsonElement> RunAsync(string dataset)
    {
        await TiktokenOracle.EncodeAsync(["warm-up"]); // makes sure npm ci ran
        var script = Path.Combine(TiktokenOracle.Folder, $"cookbook-check.{Guid.NewGuid():N}.mjs");
        File.Copy(Path.Combine(RepoPaths.Shared, "bench", "cookbook-check.mjs"), script);
        try
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TiktokenOracle.Folder };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(dataset);
            start.ArgumentList.Add("tiktoken");
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, error);
            using var document = JsonDocument.Parse(output);
            return document.RootElement.Clone();
        }
        finally
        {
            File.Delete(script);
        }
    }
}
