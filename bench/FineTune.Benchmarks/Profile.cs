using System.Diagnostics;
using System.Globalization;
using System.Text;
using FineTune.Sdk;

namespace FineTune.Benchmarks;

/// <summary>Splits the tokenizer's time into its stages (pre-tokenization, UTF-8, whole-piece lookup, merges).</summary>
internal static class Profile
{
    public static void Run(string[] texts, double megabytes)
    {
        var vocabulary = TiktokenTokenizer.O200kBase.Vocabulary;
        var misses = new List<byte[]>();
        var buffer0 = new byte[1 << 16];
        foreach (var text in texts)
        {
            for (var p = 0; p < text.Length;)
            {
                var length = PreTokenizer.NextO200k(text, p);
                var piece = text.AsSpan(p, length);
                p += length;
                var n = Encoding.UTF8.GetBytes(piece, buffer0);
                if (vocabulary.Lookup(buffer0.AsSpan(0, n)) < 0)
                {
                    misses.Add(buffer0.AsSpan(0, n).ToArray());
                }
            }
        }

        var distinct = misses.Select(m => Convert.ToHexString(m)).Distinct().Count();
        Console.WriteLine($"non-vocabulary pieces: {misses.Count}, distinct {distinct}, bytes {misses.Sum(m => m.Length)}, max {misses.Max(m => m.Length)}, >48 bytes: {misses.Count(m => m.Length > 48)}");
        for (var round = 0; round < 2; round++)
        {
            Stage("merge non-vocab pieces", 0.001, () =>
            {
                long tokens = 0;
                foreach (var m in misses)
                {
                    tokens += BytePairEncoder.Encode(vocabulary, m, null);
                }

                return tokens;
            });
        }

        for (var round = 0; round < 2; round++)
        {
            Stage("pre-tokenize only", megabytes, () =>
            {
                long pieces = 0;
                foreach (var text in texts)
                {
                    for (var p = 0; p < text.Length; p += PreTokenizer.NextO200k(text, p))
                    {
                        pieces++;
                    }
                }

                return pieces;
            });
            Stage("full CountTokens", megabytes, () => Workloads.CountSingle(TiktokenTokenizer.O200kBase, texts));
            Stage("+ utf8 + whole lookup", megabytes, () =>
            {
                long hits = 0;
                Span<byte> buffer = stackalloc byte[4096];
                foreach (var text in texts)
                {
                    var span = text.AsSpan();
                    for (var p = 0; p < span.Length;)
                    {
                        var length = PreTokenizer.NextO200k(span, p);
                        var piece = span.Slice(p, length);
                        p += length;
                        if (piece.Length * 3 > buffer.Length)
                        {
                            continue;
                        }

                        var n = Encoding.UTF8.GetBytes(piece, buffer);
                        if (vocabulary.Lookup(buffer[..n]) >= 0)
                        {
                            hits++;
                        }
                    }
                }

                return hits;
            });
        }
    }

    private static void Stage(string name, double megabytes, Func<long> work)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var result = work();
        var seconds = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-30} {seconds * 1000,9:F0} ms cpu  {megabytes / seconds,7:F1} MB/s/cpu  result {result}"));
    }
}
