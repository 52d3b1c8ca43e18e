using System.Diagnostics;
using System.Globalization;
using FineTune.Sdk;
using Microsoft.Extensions.AI;

// Usage: EvalRunnerBench [cases=2000] [concurrency=64] [latencyMs=100]
var cases = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var latency = TimeSpan.FromMilliseconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 100);
var golden = Enumerable.Range(0, cases).Select(i => new GoldenCase("c" + i, [new ChatMessage(ChatRole.User, "case " + i)], "A" + i)).ToList();
var runFile = Path.Combine(Path.GetTempPath(), "eval-bench-" + Guid.NewGuid().ToString("N") + ".jsonl");
var options = new EvalRunOptions { MaxConcurrency = concurrency, RunFile = Environment.GetEnvironmentVariable("NO_RUN_FILE") is null ? runFile : null };
options.Scorers.Add(EvalScorers.ExactMatch());
options.Scorers.Add(EvalScorers.JsonValid());
using var client = new DelayedClient(latency);

var ideal = cases * latency.TotalSeconds / concurrency;
var sw = Stopwatch.StartNew();
long peakManaged = 0;
var count = 0;
await foreach (var _ in new EvalRunner().RunAsync(golden, [new ModelVariant("m", "m", client)], options))
{
    if (++count % 100 == 0)
    {
        peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
    }
}

sw.Stop();
File.Delete(runFile);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"in-process: {count} results in {sw.Elapsed.TotalSeconds:0.000} s; ideal {ideal:0.000} s; ratio {sw.Elapsed.TotalSeconds / ideal:0.000}; peak managed heap {peakManaged / 1024 / 1024.0:0.0} MB; max in flight {client.MaxInFlight}; " +
    $"mean observed call latency {client.TotalLatencyMs / count:0.0} ms (a loaded machine wakes timers late), so the ideal for the observed latency is {client.TotalLatencyMs / 1000 / concurrency:0.000} s and scheduling efficiency {client.TotalLatencyMs / 1000 / concurrency / sw.Elapsed.TotalSeconds:P1}"));
return sw.Elapsed.TotalSeconds <= ideal * 1.10 ? 0 : 1;

internal sealed class DelayedClient(TimeSpan latency) : IChatClient
{
    private int _inFlight;

    public int MaxInFlight { get; private set; }

    public double TotalLatencyMs { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var now = Interlocked.Increment(ref _inFlight);
        MaxInFlight = Math.Max(MaxInFlight, now);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await Task.Delay(latency, cancellationToken);
            lock (this)
            {
                TotalLatencyMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }

            var text = messages.Last().Text.Replace("case ", "A", StringComparison.Ordinal);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 2 } };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
