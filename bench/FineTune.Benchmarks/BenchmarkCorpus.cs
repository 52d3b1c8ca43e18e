using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace FineTune.Benchmarks;

/// <summary>
/// The benchmark input: a chat JSONL corpus from ../shared/bench/make-corpus.py (generated on first use into
/// bench/FineTune.Benchmarks/obj/), or the file named by FINETUNE_BENCH_CORPUS.
/// </summary>
internal static class BenchmarkCorpus
{
    private static readonly Lazy<(string Path, string[] Lines, string[] Texts)> Data = new(Load);

    public static string FilePath => Data.Value.Path;

    /// <summary>Gets the corpus lines (one JSON row each).</summary>
    public static string[] Lines => Data.Value.Lines;

    /// <summary>Gets every message content string of the corpus.</summary>
    public static string[] Texts => Data.Value.Texts;

    /// <summary>Gets the UTF-8 size of <see cref="Texts"/> in bytes.</summary>
    public static long TextBytes => Texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));

    /// <summary>Gets the UTF-8 size of the corpus file in bytes.</summary>
    public static long FileBytes => new FileInfo(FilePath).Length;

    private static (string, string[], string[]) Load()
    {
        var path = Environment.GetEnvironmentVariable("FINETUNE_BENCH_CORPUS");
        if (string.IsNullOrEmpty(path))
        {
            var root = FindRoot();
            var megabytes = Environment.GetEnvironmentVariable("FINETUNE_BENCH_MB") ?? "20";
            path = Path.Combine(root, "bench", "FineTune.Benchmarks", "obj", $"corpus-{megabytes}mb.jsonl");
            if (!File.Exists(path))
            {
                var script = Path.GetFullPath(Path.Combine(root, "..", "shared", "bench", "make-corpus.py"));
                var start = new ProcessStartInfo("python3") { UseShellExecute = false };
                start.ArgumentList.Add(script);
                start.ArgumentList.Add(path);
                start.ArgumentList.Add(megabytes);
                using var process = Process.Start(start)!;
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"make-corpus.py failed with {process.ExitCode}.");
                }
            }
        }

        var lines = File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0).ToArray();
        var texts = new List<string>();
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("messages", out var messages))
            {
                foreach (var message in messages.EnumerateArray())
                {
                    if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    {
                        texts.Add(content.GetString()!);
                    }
                }
            }
        }

        return (path, lines, texts.ToArray());
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FineTune.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("FineTune.Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}
