using System.Diagnostics;
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
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string SignerFolder => Path.Combine(RepoPaths.Root, "tests", "FineTune.Sdk.Bedrock.Tests", "Signing", "js-signer");

    public static async Task<IReadOnlyList<string>> RunAsync(string folder, string script, string inputLines)
    {
        await EnsureInstalledAsync(folder).ConfigureAwait(false);
        var work = Path.Combine(Path.GetTempPath(), "finetune-bedrock-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var input = Path.Combine(work, "in.jsonl");
            var output = Path.Combine(work, "out.jsonl");
            await File.WriteAllTextAsync(input, inputLines, new UTF8Encoding(false)).ConfigureAwait(false);
            await RunProcessAsync(folder, "node", [script, input, output]).ConfigureAwait(false);
            return (await File.ReadAllLinesAsync(output).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task EnsureInstalledAsync(string folder)
    {
        await InstallGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var marker = Path.Combine(folder, "node_modules", ".package-lock.json");
            if (File.Exists(marker))
            {
                return;
            }

            var lockPath = Path.Combine(folder, ".npm-ci.lock");
            FileStream? lockFile = null;
            for (var attempt = 0; lockFile is null; attempt++)
            {
                try
                {
                    lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (IOException) when (attempt < 600)
                {
                    await Task.Delay(500).ConfigureAwait(false);
                }
            }

            await using (lockFile)
            {
                if (!File.Exists(marker))
                {
                    await RunProcessAsync(folder, OperatingSystem.IsWindows() ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"]).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task RunProcessAsync(string folder, string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"'{fileName}' is not on PATH. The SigV4 differential tests need Node.js and npm (they compare with the official npm signer); install them.", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
            }
        }
    }
}
