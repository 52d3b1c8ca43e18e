using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using FineTune.Sdk;
using Microsoft.Extensions.AI;

namespace FineTune.Benchmarks;

/// <summary>
/// The gateway's load test (issue 13): 8 threads send 1,000,000 requests through the gateway in front of an in-process
/// client that answers at once, against the same client bare; reports per-request latency percentiles and the
/// gateway's overhead, the bytes allocated by routing (resolve + flag), and the primary's p99 with 5% shadow traffic.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/FineTune.Benchmarks -- --gateway [--requests N] [--threads N] [--rounds N]</remarks>
internal static class GatewayLoadTest
{
    private const string Feature = "support-intent";
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Where is my parcel?")];

    public static async Task RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 1_000_000);
        var threads = (int)Option(args, "--threads", 8);
        var directory = Path.Combine(Path.GetTempPath(), "finetune-gateway-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            await using var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(Path.Combine(directory, "registry.json")));
            await SeedAsync(registry);
            var flagOptions = new FeatureFlagOptions();
            flagOptions.Flags[Feature] = true;
            var flags = new ConfigurationFeatureFlags(flagOptions);
            await using var monitor = new ModelGatewayMonitor(registry);
            using var inner = new InstantChatClient();
            using var gateway = new ChatClientBuilder(inner).UseModelRegistry(registry, Feature, new ModelGatewayOptions(), flags, monitor).Build();
            using var shadowed = new ChatClientBuilder(inner).UseModelRegistry(registry, Feature, ShadowOptions(0.05), flags, monitor).Build();
            var keys = Enumerable.Range(0, 10_000).Select(i => new ChatOptions { AdditionalProperties = new() { [ModelGatewayProperties.TargetingKey] = "user-" + i } }).ToArray();

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gateway load test: {requests:N0} requests on {threads} threads per run, {Environment.ProcessorCount} cores, rollout 50%, flag on, load average {LoadAverage()}"));

            // Only the shadow outcome counter is listened to (the request path's own instruments stay disabled, as in an
            // app without a metrics exporter), so each shadow run can say how many copies were sent and dropped.
            var outcomes = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == "FineTune.Sdk" && instrument.Name == "finetune.gateway.shadow.requests")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "finetune.gateway.outcome" && tag.Value is string outcome)
                    {
                        outcomes.AddOrUpdate(outcome, static (_, added) => added, static (_, sum, added) => sum + added, value); // allocates nothing once the key exists
                    }
                }
            });
            listener.Start();
            Console.WriteLine(ShadowCopyCost(inner, registry, flags, monitor, outcomes));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"routing (resolve + flag): {RouteAllocation((ModelGatewayChatClient)gateway, keys):0.###} bytes allocated per request on the routing thread"));

            foreach (var (name, client) in new[] { ("bare", (IChatClient)inner), ("gateway", gateway), ("gateway + 5% shadow", shadowed) })
            {
                Run(client, keys, Math.Min(requests, 100_000), threads); // warm-up
            }

            // Interleaved rounds (the order alternates each round) so slow drift of the machine hits all three alike;
            // the figures are the medians over rounds, and the shadow's effect is the median of the per-round ratios.
            var rounds = (int)Option(args, "--rounds", 5);
            var clients = new[] { ("bare", (IChatClient)inner), ("gateway", gateway), ("gateway + 5% shadow", shadowed) };
            var results = clients.ToDictionary(c => c.Item1, _ => new List<Percentiles>());
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (name, client) in round % 2 == 0 ? clients : Enumerable.Reverse(clients).ToArray())
                {
                    outcomes.Clear();
                    var run = Run(client, keys, requests, threads);
                    Thread.Sleep(50); // the worker's last drain
                    var shadowReport = ReferenceEquals(client, shadowed) ? "  shadow " + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value:N0}"))) : string.Empty;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1} {name,-20} p50 {run.P50:0.000} µs  p99 {run.P99:0.000} µs  p99.9 {run.P999:0.000} µs  {run.Throughput:N0} req/s  load {LoadAverage()}{shadowReport}"));
                    results[name].Add(run);
                }
            }

            double Median(IEnumerable<double> values)
            {
                var sorted = values.Order().ToArray();
                return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
            }

            var bare = results["bare"];
            var routed = results["gateway"];
            var shadow = results["gateway + 5% shadow"];
            var ratios = routed.Zip(shadow, (r, s) => (s.P99 / r.P99) - 1).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medians over {rounds} rounds: bare p50 {Median(bare.Select(r => r.P50)):0.000} µs p99 {Median(bare.Select(r => r.P99)):0.000} µs; gateway p50 {Median(routed.Select(r => r.P50)):0.000} µs p99 {Median(routed.Select(r => r.P99)):0.000} µs; gateway + 5% shadow p99 {Median(shadow.Select(r => r.P99)):0.000} µs"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overhead over the bare client (median of per-round differences): p50 {Median(routed.Zip(bare, (r, b) => r.P50 - b.P50)):0.000} µs, p99 {Median(routed.Zip(bare, (r, b) => r.P99 - b.P99)):0.000} µs"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"primary p99 per round, no shadow -> 5% shadow: {string.Join(", ", routed.Zip(shadow, (r, s) => string.Create(CultureInfo.InvariantCulture, $"{r.P99:0.000} -> {s.P99:0.000} µs")))}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"5% shadow vs none, primary p99 per round: {string.Join(", ", ratios.Select(r => r.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture)))}; median {Median(ratios):+0.0%;-0.0%} (target: within ±1%)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at the end: {LoadAverage()}"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double RouteAllocation(ModelGatewayChatClient gateway, ChatOptions[] keys)
    {
        const int Rounds = 1_000_000;
        for (var i = 0; i < keys.Length; i++)
        {
            Route(gateway, keys[i]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Rounds; i++)
        {
            Route(gateway, keys[i % keys.Length]);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Rounds;
    }

    /// <summary>
    /// The request path's own cost for a shadowed request, apart from any tail effect: a gateway shadowing every request
    /// (otherwise configured like the 5% one) copies 100,000 answers into its ring on one thread, in batches of 500 (the
    /// worker drains between batches, so the copies are taken, not dropped); the median batch gives the time per copy
    /// (robust to preemption on a busy machine), the allocated bytes are counted for the first copy of a batch (which
    /// wakes the idle worker) and for the rest.
    /// </summary>
    private static string ShadowCopyCost(IChatClient inner, ModelRegistry registry, IFeatureFlags flags, ModelGatewayMonitor monitor, ConcurrentDictionary<string, long> outcomes)
    {
        using var built = new ChatClientBuilder(inner).UseModelRegistry(registry, Feature, ShadowOptions(1), flags, monitor).Build();
        var gateway = (ModelGatewayChatClient)built;
        var routes = gateway.Routes();
        var primary = routes.Default!;
        var request = new ChatOptions { ModelId = primary.Model.ModelId };
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "{\"intent\":\"parcel-status\"}"));
        const int Batches = 200;
        const int Batch = 500;
        var perCopy = new List<double>();
        long firstBytes = 0;
        long restBytes = 0;
        for (var batch = -10; batch < Batches; batch++) // 10 warm-up batches: every slot gets its storage
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            gateway.AfterAnswer(Prompt, request, primary, routes, response, null);
            var allocatedFirst = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var begin = Stopwatch.GetTimestamp();
            for (var i = 1; i < Batch; i++)
            {
                gateway.AfterAnswer(Prompt, request, primary, routes, response, null);
            }

            var elapsed = Stopwatch.GetTimestamp() - begin;
            var allocatedRest = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (batch >= 0)
            {
                perCopy.Add(elapsed * 1_000_000_000.0 / Stopwatch.Frequency / (Batch - 1));
                (firstBytes, restBytes) = (firstBytes + allocatedFirst, restBytes + allocatedRest);
            }

            Thread.Sleep(15);
        }

        Thread.Sleep(50);
        perCopy.Sort();
        var report = string.Create(CultureInfo.InvariantCulture, $"shadowed request path (1 thread, sampling + budget + copy into the ring): median {perCopy[perCopy.Count / 2]:0} ns per copy (fastest batch {perCopy[0]:0} ns); allocated {restBytes / (double)(Batches * (Batch - 1)):0.###} bytes per copy, {firstBytes / (double)Batches:0.#} bytes per copy that woke the idle worker; shadow {string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value:N0}")))}");
        outcomes.Clear();
        return report;
    }

    /// <summary>Shadowing to the candidate at <paramref name="share"/>, a ring of 1,024 (10 ms at the harness's peak) and no budget limit.</summary>
    private static ModelGatewayOptions ShadowOptions(double share)
    {
        var options = new ModelGatewayOptions();
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = share;
        options.Shadow.QueueCapacity = 1024;
        options.Shadow.RequestsPerMinute = int.MaxValue;
        options.Shadow.TokensPerDay = long.MaxValue / 2;
        return options;
    }

    private static void Route(ModelGatewayChatClient gateway, ChatOptions options)
    {
        var pending = gateway.RouteAsync(gateway.Routes(), options, default);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The configuration flags answer synchronously.");
        }
    }

    private static Percentiles Run(IChatClient client, ChatOptions[] keys, long requests, int threads)
    {
        var perThread = (int)(requests / threads);
        var latencies = new long[threads][];
        var workers = new Thread[threads];
        using var start = new Barrier(threads + 1);
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            latencies[index] = new long[perThread];
            workers[t] = new Thread(() =>
            {
                var mine = latencies[index];
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    var options = keys[(index * 7919 + i) % keys.Length];
                    var begin = Stopwatch.GetTimestamp();
                    var response = client.GetResponseAsync(Prompt, options).GetAwaiter().GetResult();
                    mine[i] = Stopwatch.GetTimestamp() - begin;
                    GC.KeepAlive(response);
                }
            }) { IsBackground = true };
            workers[t].Start();
        }

        start.SignalAndWait();
        var wall = Stopwatch.StartNew();
        foreach (var worker in workers)
        {
            worker.Join();
        }

        wall.Stop();
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Micro(double quantile) => all[(int)Math.Min(all.Length - 1, quantile * all.Length)] * 1_000_000.0 / Stopwatch.Frequency;
        return new Percentiles(Micro(0.5), Micro(0.99), Micro(0.999), all.Length / wall.Elapsed.TotalSeconds);
    }

    private static async Task SeedAsync(ModelRegistry registry)
    {
        var change = new RegistryChange { Actor = "bench", Reason = "load test", Force = true };
        await registry.RegisterAsync(Feature, new RegistryVariant { Name = "base", ModelId = "gpt-4o-mini-2024-07-18", Provider = RegistryProviders.OpenAI, BaseModel = "gpt-4o-mini-2024-07-18" }, change);
        await registry.RegisterAsync(Feature, new RegistryVariant { Name = "candidate", ModelId = "gpt-4.1-mini-2025-04-14", Provider = "local", BaseModel = "gpt-4o-mini-2024-07-18" }, change);
        await registry.PromoteAsync(Feature, "candidate", change);
        await registry.SetRolloutAsync(Feature, "candidate", 50, change);
    }

    /// <summary>The 1-, 5- and 15-minute load averages where the OS reports them (Linux), so a figure says how busy the machine was.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static long Option(string[] args, string name, long fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && long.TryParse(args[at + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private readonly record struct Percentiles(double P50, double P99, double P999, double Throughput);

    /// <summary>A chat client that answers at once (a completed task, a fresh response with a shared message).</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private static readonly ChatMessage Answer = new(ChatRole.Assistant, "{\"intent\":\"parcel-status\"}");

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(Answer) { ModelId = options?.ModelId });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
