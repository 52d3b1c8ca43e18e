using System.Diagnostics;
using System.Globalization;
using CsCheck;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Runs a property over generated inputs. In CI (the default) the run is fixed: the same <see cref="BaseSeed"/>, the same
/// bounded number of iterations, one thread, so a failure names the iteration's seed and reproduces. With
/// <c>FINETUNE_FUZZ_SECONDS</c> set (<c>bench/fuzz.sh</c>) it runs CsCheck's <see cref="Check.Sample{T}(Gen{T}, Action{T}, Action{string}?, string?, long, int, int, Func{T, string}?, ISampleLogger?)"/>
/// for that long on every core, with random seeds and shrinking, and prints iterations per second.
/// </summary>
internal static class Fuzz
{
    /// <summary>The fixed seed of CI runs.</summary>
    public const ulong BaseSeed = 0x10_2026;

    /// <summary>Gets the seconds of a long run, or 0 for the bounded CI run.</summary>
    public static int LongRunSeconds => int.TryParse(Environment.GetEnvironmentVariable("FINETUNE_FUZZ_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;

    /// <summary>Checks <paramref name="property"/> on <paramref name="iterations"/> inputs (CI) or for the long-run time.</summary>
    public static void Run<T>(string name, Gen<T> gen, Action<T> property, int iterations, Func<T, string>? describe = null)
    {
        describe ??= v => v?.ToString() ?? "null";
        if (LongRunSeconds > 0)
        {
            long count = 0;
            var watch = Stopwatch.StartNew();
            gen.Sample(
                value =>
                {
                    Interlocked.Increment(ref count);
                    property(value);
                },
                time: LongRunSeconds,
                print: describe);
            Report(name, count, watch.Elapsed);
            return;
        }

        var started = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var pcg = new PCG(1, BaseSeed + (ulong)i);
            var value = gen.Generate(pcg, null, out _);
            try
            {
                property(value);
            }
            catch (Exception ex)
            {
                throw new FuzzFailure($"{name}: iteration {i} (seed {BaseSeed + (ulong)i}) failed on {describe(value)}", ex);
            }
        }

        Report(name, iterations, started.Elapsed);
    }

    private static void Report(string name, long count, TimeSpan elapsed)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"fuzz {name}: {count} iterations in {elapsed.TotalSeconds:0.0} s = {count / Math.Max(0.001, elapsed.TotalSeconds):0} /s");
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("FINETUNE_FUZZ_REPORT") is { Length: > 0 } file)
        {
            lock (typeof(Fuzz))
            {
                File.AppendAllText(file, line + "\n");
            }
        }
    }

    /// <summary>Runs an async property synchronously (the properties are CPU-bound; the SDK's async APIs complete on the pool).</summary>
    public static void Wait(Task task)
    {
        if (!task.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("A fuzz iteration hung for 60 s.");
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Waits for an async property's result (see <see cref="Wait"/>).</summary>
    public static T WaitFor<T>(Task<T> task)
    {
        Wait(task);
        return task.Result;
    }

    /// <summary>Gets the real seed files from the shared datasets: the JSONL ones, split into lines (each without its line feed).</summary>
    public static IReadOnlyList<byte[][]> SeedFiles => Seeds.Value;

    private static readonly Lazy<IReadOnlyList<byte[][]>> Seeds = new(() =>
    {
        var files = new[]
        {
            "openai-cookbook/toy_chat_fine_tuning.jsonl",
            "openai-cookbook/drone_training.jsonl",
            "openai-cookbook/dbpedia_samples.jsonl",
            "azure-finetune-tutorial/training_set.jsonl",
            "azure-samples-openai/generated_labels_context_switching_prepared_train.jsonl",
            "bedrock-nova-tooluse/formatted_test_ft.jsonl",
            "bedrock-nova-tooluse/test_ft.jsonl",
            "llama-factory/dpo_en_demo.json",
            "llama-factory/glaive_toolcall_en_demo.json",
        };
        return files.Select(f => SplitLines(File.ReadAllBytes(RepoPaths.Dataset(f))).Take(40).Select(l => l.Length > 20_000 ? l[..20_000] : l).ToArray())
            .Append(SplitLines(File.ReadAllBytes(RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"))).Select(ToPreference).ToArray())
            .ToList();
    });

    public static List<byte[]> SplitLines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == (byte)'\n')
            {
                if (i > start || i < bytes.Length)
                {
                    lines.Add(bytes[start..i]);
                }

                start = i + 1;
            }
        }

        return lines;
    }

    // A preference row made from a chat row (the shared datasets hold none in OpenAI's format).
    private static byte[] ToPreference(byte[] chat)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(chat);
        var messages = doc.RootElement.GetProperty("messages").EnumerateArray().ToList();
        var input = string.Join(",", messages.Take(messages.Count - 1).Select(m => m.GetRawText()));
        var answer = messages[^1].GetRawText();
        return System.Text.Encoding.UTF8.GetBytes($$"""{"input":{"messages":[{{input}}]},"preferred_output":[{{answer}}],"non_preferred_output":[{"role":"assistant","content":"no"}]}""");
    }
}

/// <summary>A property failed on a generated input; the message names the seed that reproduces it.</summary>
internal sealed class FuzzFailure(string message, Exception inner) : Exception(message, inner);
