using System.Diagnostics;

namespace FineTune.Tests;

/// <summary>
/// A pinned npm folder used as a test oracle: installed with <c>npm ci</c> from its committed package-lock.json on first
/// use (under an in-process gate and a file lock, so parallel test processes do not race), and node/npm run in it. A
/// missing node or npm is a test failure, never a skip.
/// </summary>
internal static class NpmFolder
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>Runs <c>npm ci</c> in <paramref name="folder"/> unless <paramref name="marker"/> already exists.</summary>
    /// <param name="folder">The folder holding package.json and package-lock.json.</param>
    /// <param name="marker">A file that exists once the install is complete.</param>
    /// <param name="needs">Which tests need node and npm, and why; said when they are missing.</param>
    /// <returns>A task that completes when the folder is installed.</returns>
    public static async Task EnsureInstalledAsync(string folder, string marker, string needs)
    {
        await InstallGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (File.Exists(marker))
            {
                return;
            }

            // A file lock guards against other test processes installing at the same time.
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
                    await RunAsync(folder, OperatingSystem.IsWindows() ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"], needs).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Runs a program in <paramref name="folder"/> (five minutes at most) and fails when it exits non-zero.</summary>
    /// <param name="folder">The working directory.</param>
    /// <param name="fileName">The program (node, npm).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="needs">Which tests need node and npm, and why; said when the program is not on PATH.</param>
    /// <returns>A task that completes when the program has exited with 0.</returns>
    public static async Task RunAsync(string folder, string fileName, string[] arguments, string needs)
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
            throw new InvalidOperationException($"'{fileName}' is not on PATH. {needs}; install them.", ex);
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
