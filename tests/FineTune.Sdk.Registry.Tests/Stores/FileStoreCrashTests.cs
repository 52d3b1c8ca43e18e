using System.Diagnostics;
using System.Text;
using FineTune.Sdk;
using FineTune.Tests;

namespace FineTune.Sdk.Registry.Tests.Stores;

/// <summary>
/// A file-store writer (a real child process looping rollout and rollback commits) killed at random moments, 200 times:
/// after every kill the document parses and holds the last committed version (or the one being committed when the
/// kill landed), and the history reads back one entry per version, every complete line parsing.
/// </summary>
public sealed class FileStoreCrashTests : IDisposable
{
    private const int Kills = 200;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-registry-crash-" + Guid.NewGuid().ToString("N")[..12]);

    public FileStoreCrashTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task FileStore_WriterKilledAtRandomMoments_DocumentAndHistoryStayWhole()
    {
        var path = Path.Combine(_dir, "registry.json");
        var random = new Random(12);
        long lastCommitted = 0;
        var killsMidLoop = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            // Most kills land inside the commit loop; every tenth lands at a random point of start-up and set-up.
            var duringStartUp = kill % 10 == 9;
            var (committed, wasLooping) = await RunAndKillAsync(path, waitForLoop: !duringStartUp, TimeSpan.FromMilliseconds(duringStartUp ? random.Next(0, 400) : random.Next(0, 40)));
            if (wasLooping)
            {
                killsMidLoop++;
            }

            lastCommitted = committed ?? lastCommitted;

            // The document parses (DeserializeDocument throws otherwise) and is the last committed version, or the
            // one whose rename the kill could not stop.
            var document = File.Exists(path) ? RegistryJson.DeserializeDocument(await File.ReadAllTextAsync(path), path) : new RegistryDocument();
            document.Version.Should().BeInRange(lastCommitted, lastCommitted + 1, $"kill {kill}: the writer had printed version {lastCommitted}");
            lastCommitted = document.Version;

            // Every complete history line parses; only a torn last line (no newline) may not.
            await using var store = new FileModelRegistryStore(path);
            var raw = File.Exists(store.HistoryPath) ? await File.ReadAllBytesAsync(store.HistoryPath) : [];
            var lines = Encoding.UTF8.GetString(raw).Split('\n');
            foreach (var line in lines[..^1])
            {
                RegistryJson.TryDeserializeEntry(line).Should().NotBeNull($"kill {kill}: a complete history line must parse: {line[..Math.Min(line.Length, 80)]}");
            }

            // The history reads back one entry per committed version, in order.
            var history = await store.ReadHistoryAsync().ToListAsync();
            history.Select(h => h.Version).Should().Equal(Enumerable.Range(1, (int)document.Version).Select(v => (long)v), $"kill {kill}");
        }

        // The kills landed mostly inside the commit loop, not only during start-up.
        killsMidLoop.Should().BeGreaterThan(Kills / 2);
        lastCommitted.Should().BeGreaterThan(Kills);
    }

    /// <summary>Starts the writer, waits until it loops (if asked), lets it run for <paramref name="delay"/>, kills it.</summary>
    /// <returns>The last version it reported committed (null if none) and whether it had reached its loop.</returns>
    private static async Task<(long? Committed, bool WasLooping)> RunAndKillAsync(string registryPath, bool waitForLoop, TimeSpan delay)
    {
        var writer = Path.Combine(RepoPaths.Root, "tests", "FineTune.Sdk.Registry.Tests", "CrashWriter", "bin", Configuration, "net10.0", "RegistryCrashWriter.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(writer);
        start.ArgumentList.Add(registryPath);
        start.Environment["DOTNET_TieredPGO"] = "0";
        using var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line == "ready")
                {
                    ready.TrySetResult();
                }
            }
        });
        var stderr = process.StandardError.ReadToEndAsync();

        var exited = process.WaitForExitAsync();
        if (waitForLoop && await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))) != ready.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"The crash writer did not reach its loop (exit {(process.HasExited ? process.ExitCode : -1)}): {await stderr}");
        }

        await Task.Delay(delay);
        if (process.HasExited)
        {
            throw new InvalidOperationException($"The crash writer exited by itself ({process.ExitCode}): {await stderr}");
        }

        process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout.WaitAsync(timeout.Token);

        long? committed = null;
        var looping = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("committed ", StringComparison.Ordinal))
            {
                committed = long.Parse(line["committed ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line == "ready")
            {
                looping = true;
            }
        }

        return (committed, looping);
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
