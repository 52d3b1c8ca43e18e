using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FineTune.Sdk;

namespace FineTune.Benchmarks;

/// <summary>
/// <c>IModelRegistry.Resolve</c> on 1,000 features x 10 variants (30% rollouts) while a writer thread promotes and
/// re-rolls a variant in a loop, so snapshots are swapped under the readers. Store: in memory (the store's I/O is on
/// the writer's thread and not what is measured).
/// </summary>
[MemoryDiagnoser]
public class RegistryResolveBenchmarks
{
    private const int Features = 1000;
    private const int Variants = 10;
    private ModelRegistry _registry = null!;
    private string[] _features = [];
    private string[] _keys = [];
    private CancellationTokenSource _stop = new();
    private Task _writer = Task.CompletedTask;
    private int _next;

    /// <summary>Gets how many commits the writer made during the run.</summary>
    public static long Commits { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var features = new List<RegistryFeature>();
        for (var f = 0; f < Features; f++)
        {
            var variants = Enumerable.Range(0, Variants).Select(v => new RegistryVariant
            {
                Name = "v" + v,
                ModelId = v == 0 ? "gpt-4.1-nano-2025-04-14" : $"ft:gpt-4.1-nano-2025-04-14:acme:f{f}:id{v:D5}",
                Provider = RegistryProviders.OpenAI,
                BaseModel = "gpt-4.1-nano-2025-04-14",
                Status = RegistryVariantStatus.Promoted,
            }).ToList();
            features.Add(new RegistryFeature { Name = "feature-" + f, DefaultVariant = "v0", RolloutVariant = "v1", RolloutPercentage = 30m, Variants = variants });
        }

        var store = new MemoryStore(new RegistryDocument { Version = 1, Features = features.OrderBy(f => f.Name, StringComparer.Ordinal).ToList() });
        _registry = ModelRegistry.OpenAsync(store).GetAwaiter().GetResult();
        _features = Enumerable.Range(0, Features).Select(f => "feature-" + f).ToArray();
        _keys = Enumerable.Range(0, 4096).Select(k => "user-" + k).ToArray();
        _stop = new CancellationTokenSource();
        var change = new RegistryChange { Actor = "bench", Reason = "benchmark writer", Force = true };
        _writer = Task.Run(async () =>
        {
            var i = 0;
            while (!_stop.IsCancellationRequested)
            {
                var feature = _features[i % Features];
                var variant = "v" + (1 + (i / Features % (Variants - 1)));
                await _registry.RollbackAsync(feature, change).ConfigureAwait(false);
                await _registry.PromoteAsync(feature, variant, change).ConfigureAwait(false);
                await _registry.SetRolloutAsync(feature, variant, 30m, change).ConfigureAwait(false);
                Commits += 3;
                i++;
                await Task.Delay(1).ConfigureAwait(false);
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _writer.GetAwaiter().GetResult();
        Console.WriteLine($"// registry writer commits: {Commits}, final version {_registry.Snapshot.Version}; Resolve thread allocated {ThreadAllocations.Bytes} B over {ThreadAllocations.Calls} calls");
        _registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stop.Dispose();
    }

    /// <summary>Gets the bytes the benchmark thread itself allocated inside <see cref="Resolve"/>, and the calls.</summary>
    public static (long Bytes, long Calls) ThreadAllocations { get; private set; }

    [Benchmark(OperationsPerInvoke = 1000)]
    public int Resolve()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0;
        var n = _next;
        for (var i = 0; i < 1000; i++, n++)
        {
            sum += _registry.Resolve(_features[n % Features], _keys[n & 4095]).ModelId.Length;
        }

        _next = n;
        var (bytes, calls) = ThreadAllocations;
        ThreadAllocations = (bytes + GC.GetAllocatedBytesForCurrentThread() - before, calls + 1000);
        return sum;
    }

    /// <summary>An in-memory store with the same version check as the real ones.</summary>
    private sealed class MemoryStore(RegistryDocument document) : IModelRegistryStore
    {
        private readonly object _gate = new();
        private readonly List<RegistryHistoryEntry> _history = [];
        private RegistryDocument _document = document;

        public string Description => "memory";

        public event EventHandler? Changed { add { } remove { } }

        public Task<RegistryDocument> ReadAsync(CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                return Task.FromResult(_document);
            }
        }

        public Task<long> ReadVersionAsync(CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                return Task.FromResult(_document.Version);
            }
        }

        public Task CommitAsync(long expectedVersion, RegistryDocument document, RegistryHistoryEntry entry, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                if (_document.Version != expectedVersion)
                {
                    throw new ModelRegistryConflictException(expectedVersion, _document.Version);
                }

                _document = document;
                if (_history.Count > 1000)
                {
                    _history.Clear();
                }

                _history.Add(entry);
            }

            return Task.CompletedTask;
        }

        public async IAsyncEnumerable<RegistryHistoryEntry> ReadHistoryAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            foreach (var entry in _history.ToList())
            {
                yield return entry;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
