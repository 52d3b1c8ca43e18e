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
        var stopwatch = Stopwatch.StartNew();
        var result = work();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-30} {seconds * 1000,9:F0} ms  {megabytes / seconds,7:F1} MB/s  result {result}"));
    }
}
