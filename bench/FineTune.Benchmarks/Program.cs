using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using FineTune.Benchmarks;
using FineTune.Sdk;

// dotnet run -c Release --project bench/FineTune.Benchmarks -- --quick     one timed pass per workload, MB/s
// dotnet run -c Release --project bench/FineTune.Benchmarks -- --filter *  BenchmarkDotNet
// dotnet run -c Release --project bench/FineTune.Benchmarks -- --gateway   the gateway load test (docs/gateway.md)
if (args.Contains("--gateway"))
{
    await GatewayLoadTest.RunAsync(args);
    return;
}

if (args.Contains("--profile"))
{
    Profile.Run(BenchmarkCorpus.Texts, BenchmarkCorpus.TextBytes / 1048576.0);
    return;
}

if (args.Contains("--stages"))
{
    StageProfile.Run(BenchmarkCorpus.Lines);
    return;
}

if (args.Contains("--totals"))
{
    // Total tokens of the corpus under both formulas, to compare with cookbook-check.mjs's total_tokens.
    foreach (var formula in new[] { ChatTokenFormula.Billing, ChatTokenFormula.Cookbook })
    {
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini", formula);
        long total = 0, billed = 0;
        foreach (var line in BenchmarkCorpus.Lines)
        {
            var counts = accounting.CountExample(line);
            total += counts.Total;
            billed += counts.Billed;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{formula}: rows {BenchmarkCorpus.Lines.Length}, total_tokens {total}, billed_tokens {billed}"));
    }

    return;
}

if (args.Contains("--quick"))
{
    var texts = BenchmarkCorpus.Texts;
    var lines = BenchmarkCorpus.Lines;
    var textMb = BenchmarkCorpus.TextBytes / 1048576.0;
    var fileMb = BenchmarkCorpus.FileBytes / 1048576.0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"corpus {BenchmarkCorpus.FilePath}: {fileMb:F1} MB file, {lines.Length} rows, {texts.Length} contents = {textMb:F1} MB of text; {Environment.ProcessorCount} cores"));
    Time("load o200k_base", 0, () => TiktokenTokenizer.O200kBase.CountTokens("x"));
    Time("load cl100k_base", 0, () => TiktokenTokenizer.Cl100kBase.CountTokens("x"));
    for (var round = 0; round < 2; round++)
    {
        Time("count o200k single", textMb, () => Workloads.CountSingle(TiktokenTokenizer.O200kBase, texts));
        Time("count o200k parallel", textMb, () => Workloads.CountParallel(TiktokenTokenizer.O200kBase, texts));
        Time("count cl100k single", textMb, () => Workloads.CountSingle(TiktokenTokenizer.Cl100kBase, texts));
        Time("encode o200k single", textMb, () => Workloads.EncodeSingle(TiktokenTokenizer.O200kBase, texts));
        Time("chat rows single (file MB)", fileMb, () => Workloads.AccountSingle(lines));
        Time("chat rows parallel (file MB)", fileMb, () => Workloads.AccountParallel(lines));
        Time("validate, no tokens (file MB)", fileMb, () => Workloads.Validate(BenchmarkCorpus.FilePath, null));
        Time("validate + tokens (file MB)", fileMb, () => Workloads.Validate(BenchmarkCorpus.FilePath, "gpt-4o-mini"));
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(TokenizerBenchmarks).Assembly).Run(args);

static void Time(string name, double megabytes, Func<long> work)
{
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var stopwatch = Stopwatch.StartNew();
    var result = work();
    stopwatch.Stop();
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
    var seconds = stopwatch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-30} {seconds * 1000,7:F0} ms wall {(megabytes > 0 ? megabytes / seconds : 0),6:F1} MB/s   {cpu * 1000,7:F0} ms cpu {(megabytes > 0 ? megabytes / cpu : 0),6:F1} MB/s/cpu  result {result}"));
}
