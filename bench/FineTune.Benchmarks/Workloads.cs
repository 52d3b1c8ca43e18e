using System.Collections.Concurrent;
using FineTune.Sdk;

namespace FineTune.Benchmarks;

internal static class Workloads
{
    public static long CountSingle(TiktokenTokenizer tokenizer, string[] texts)
    {
        long total = 0;
        foreach (var text in texts)
        {
            total += tokenizer.CountTokens(text);
        }

        return total;
    }

    public static long CountParallel(TiktokenTokenizer tokenizer, string[] texts)
    {
        long total = 0;
        Parallel.ForEach(Partitioner.Create(0, texts.Length, 2048), () => 0L, (range, _, local) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                local += tokenizer.CountTokens(texts[i]);
            }

            return local;
        }, local => Interlocked.Add(ref total, local));
        return total;
    }

    public static long EncodeSingle(TiktokenTokenizer tokenizer, string[] texts)
    {
        long total = 0;
        var buffer = new List<int>(4096);
        foreach (var text in texts)
        {
            buffer.Clear();
            tokenizer.Encode(text, buffer);
            total += buffer.Count;
        }

        return total;
    }

    public static long AccountSingle(string[] lines)
    {
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini");
        long total = 0;
        foreach (var line in lines)
        {
            total += accounting.CountExample(line).Billed;
        }

        return total;
    }

    public static long AccountParallel(string[] lines)
    {
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini");
        long total = 0;
        Parallel.ForEach(Partitioner.Create(0, lines.Length, 256), () => 0L, (range, _, local) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                local += accounting.CountExample(lines[i]).Billed;
            }

            return local;
        }, local => Interlocked.Add(ref total, local));
        return total;
    }

    public static long Validate(string path, string? model)
    {
        using var stream = File.OpenRead(path);
        var report = new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { Model = model }).GetAwaiter().GetResult();
        return report.Tokens?.Total ?? report.Rows;
    }
}
