using BenchmarkDotNet.Attributes;
using FineTune.Sdk;
using Ml = Microsoft.ML.Tokenizers;

namespace FineTune.Benchmarks;

/// <summary>
/// Counting side by side, same texts, same run: our <see cref="TiktokenTokenizer"/> and Microsoft.ML.Tokenizers 3.0.0's
/// tiktoken (directly, and through our <see cref="ITokenCounter"/> adapter), single thread, both encodings.
/// </summary>
[MemoryDiagnoser]
public class TokenizerPeerBenchmarks
{
    private string[] _texts = [];
    private Ml.Tokenizer _mlO200k = null!;
    private Ml.Tokenizer _mlCl100k = null!;
    private ITokenCounter _mlO200kCounter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _texts = BenchmarkCorpus.Texts;
        _mlO200k = Ml.TiktokenTokenizer.CreateForEncoding("o200k_base");
        _mlCl100k = Ml.TiktokenTokenizer.CreateForEncoding("cl100k_base");
        _mlO200kCounter = _mlO200k.AsTokenCounter("o200k_base");
        _ = TiktokenTokenizer.O200kBase.CountTokens("warm up") + TiktokenTokenizer.Cl100kBase.CountTokens("warm up");
        _ = _mlO200k.CountTokens("warm up") + _mlCl100k.CountTokens("warm up");
    }

    [Benchmark(Baseline = true)]
    public long OursO200k() => Workloads.CountSingle(TiktokenTokenizer.O200kBase, _texts);

    [Benchmark]
    public long MicrosoftMLO200k() => Count(_mlO200k, _texts);

    [Benchmark]
    public long MicrosoftMLO200kThroughAdapter()
    {
        long total = 0;
        foreach (var text in _texts)
        {
            total += _mlO200kCounter.CountTokens(text);
        }

        return total;
    }

    [Benchmark]
    public long OursCl100k() => Workloads.CountSingle(TiktokenTokenizer.Cl100kBase, _texts);

    [Benchmark]
    public long MicrosoftMLCl100k() => Count(_mlCl100k, _texts);

    private static long Count(Ml.Tokenizer tokenizer, string[] texts)
    {
        long total = 0;
        foreach (var text in texts)
        {
            total += tokenizer.CountTokens(text);
        }

        return total;
    }
}
