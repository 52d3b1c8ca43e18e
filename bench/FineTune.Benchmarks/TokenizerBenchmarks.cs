using BenchmarkDotNet.Attributes;
using FineTune.Sdk;

namespace FineTune.Benchmarks;

/// <summary>Tokenizer throughput over the message contents of the corpus; divide the corpus MB (printed first) by the mean time.</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private string[] _texts = [];
    private string[] _lines = [];

    [GlobalSetup]
    public void Setup()
    {
        _texts = BenchmarkCorpus.Texts;
        _lines = BenchmarkCorpus.Lines;
        _ = TiktokenTokenizer.O200kBase.CountTokens("warm up");
        _ = TiktokenTokenizer.Cl100kBase.CountTokens("warm up");
    }

    [Benchmark(Baseline = true)]
    public long CountTokensO200kSingleThread() => Workloads.CountSingle(TiktokenTokenizer.O200kBase, _texts);

    [Benchmark]
    public long CountTokensO200kParallel() => Workloads.CountParallel(TiktokenTokenizer.O200kBase, _texts);

    [Benchmark]
    public long CountTokensCl100kSingleThread() => Workloads.CountSingle(TiktokenTokenizer.Cl100kBase, _texts);

    [Benchmark]
    public long EncodeO200kSingleThread() => Workloads.EncodeSingle(TiktokenTokenizer.O200kBase, _texts);

    [Benchmark]
    public long ChatAccountingRowsSingleThread() => Workloads.AccountSingle(_lines);

    [Benchmark]
    public long ChatAccountingRowsParallel() => Workloads.AccountParallel(_lines);
}
