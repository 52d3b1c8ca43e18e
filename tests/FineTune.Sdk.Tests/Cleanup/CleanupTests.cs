using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk.Tests.Cleanup;

/// <summary>
/// The clean-up tests count the process's preparation threads and walk its heap, so nothing else may validate while
/// they run: xUnit runs a collection with parallelization disabled on its own, after every parallel collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CleanupTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Clean-up after a validation";
}

/// <summary>What the clean-up tests share: the preparation threads as the operating system lists them, and datasets.</summary>
internal static class Cleanup
{
    /// <summary>Every whole-file gate on, and token counting for a model: every cache of user text gets used.</summary>
    public static DatasetValidationRequest AllGates(string file) => new() { FileName = file, Model = "gpt-4o-mini" };

    /// <summary>Validates a file with <see cref="AllGates"/>.</summary>
    public static async Task<DatasetValidationReport> ValidateAsync(DatasetValidator validator, string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return await validator.ValidateAsync(stream, AllGates(Path.GetFileName(path)), cancellationToken);
    }

    /// <summary>
    /// Counts the process's threads named <see cref="PreparationScheduler.ThreadName"/>, from <c>/proc/self/task/*/comm</c>
    /// (the kernel keeps the first 15 characters of a thread's name).
    /// </summary>
    public static int PreparationThreads()
    {
        Directory.Exists("/proc/self/task").Should().BeTrue("the thread count is read from /proc (Linux)");
        var prefix = PreparationScheduler.ThreadName[..15];
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == prefix)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread exited while we looked.
            }
        }

        return count;
    }

    /// <summary>Waits until no preparation thread is listed; the deadline only guards against a hang.</summary>
    public static async Task<int> PreparationThreadsAfterExitAsync()
    {
        var clock = Stopwatch.StartNew();
        int count;
        while ((count = PreparationThreads()) > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        return count;
    }

    /// <summary>
    /// Writes a chat dataset of <paramref name="rows"/> varied rows whose system prompt carries <paramref name="marker"/>
    /// (when given); no string built here stays referenced once it returns.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string WriteDataset(string directory, int rows, Guid? marker = null)
    {
        var path = Path.Combine(directory, "data.jsonl");
        var system = marker is { } m
            ? "You are the support agent of case " + m.ToString("N") + "; answer briefly and politely."
            : "You are the support agent of a shop; answer briefly and politely.";
        var random = new Random(11);
        var words = new[] { "order", "parcel", "refund", "late", "broken", "invoice", "address", "colour", "size", "delivery", "thanks", "please", "when", "where", "why" };
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)))
        {
            var text = new StringBuilder();
            for (var i = 0; i < rows; i++)
            {
                text.Clear();
                var length = 8 + random.Next(60);
                for (var w = 0; w < length; w++)
                {
                    text.Append(words[random.Next(words.Length)]).Append(' ');
                }

                text.Append(i.ToString(CultureInfo.InvariantCulture));
                writer.Write("{\"messages\":[{\"role\":\"system\",\"content\":\"");
                writer.Write(system);
                writer.Write("\"},{\"role\":\"user\",\"content\":\"");
                writer.Write(text);
                writer.Write("\"},{\"role\":\"assistant\",\"content\":\"Answer ");
                writer.Write((i * 7919 % 100003).ToString(CultureInfo.InvariantCulture));
                writer.Write(" about ");
                writer.Write(words[i % words.Length]);
                writer.Write(".\"}]}\n");
            }
        }

        return path;
    }
}
