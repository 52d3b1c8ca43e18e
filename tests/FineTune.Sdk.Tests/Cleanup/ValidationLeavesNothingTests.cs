using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Diagnostics.Runtime;

namespace FineTune.Sdk.Tests.Cleanup;

/// <summary>
/// A validation leaves nothing behind: no string, char array or byte array holding a row's text is alive once it
/// returned (a heap walk of a snapshot of this process, after a full compacting collection), and none of its
/// preparation threads.
/// </summary>
[Collection(CleanupTests.Name)]
public sealed class ValidationLeavesNothingTests : IDisposable
{
    [ThreadStatic]
    private static string? t_held;

    private readonly string _directory = Directory.CreateTempSubdirectory("finetune-cleanup-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ValidateAsync_AllGates_NoTextOfTheSystemPromptIsReachableAfterItReturns()
    {
        var marker = Guid.NewGuid();
        var path = Cleanup.WriteDataset(_directory, rows: 3000, marker);
        await ValidateAndDropAsync(path, sequential: false);
        await ValidateAndDropAsync(path, sequential: true); // the sequential side's caches too

        // The controls: the same walk finds a marker of their own while a local or a thread static holds it (so this
        // test can fail).
        HeldOnTheStack(Guid.NewGuid()).Should().Be(1, "the walk must see a string a stack frame still references");
        HeldInAThreadStatic(Guid.NewGuid()).Should().Be(1, "the walk must see a string a thread static still references");
        t_held = null;

        CollectEverything();
        var paths = new List<string>();
        ReachableHolders(marker, paths).Should().Be(0, "no string, char[] or byte[] with the system prompt may stay reachable once the validation returned: {0}", string.Join("; ", paths));
    }

    [Fact]
    public async Task ValidateAsync_AllGates_NoPreparationThreadOutlivesIt()
    {
        var path = Cleanup.WriteDataset(_directory, rows: 20_000);
        var before = await Cleanup.PreparationThreadsAfterExitAsync();
        before.Should().Be(0);

        // Paused in the middle of the file: the run's threads are there (the control)...
        var paused = new PausingStream(File.ReadAllBytes(path), pauseAt: 2 << 20);
        var validation = new DatasetValidator().ValidateAsync(paused, Cleanup.AllGates("data.jsonl"));
        await paused.Paused.WaitAsync(TimeSpan.FromSeconds(60));
        Cleanup.PreparationThreads().Should().BeInRange(1, Environment.ProcessorCount);

        // ...and gone once it returns, as after every further validation, concurrent ones included.
        paused.Resume();
        var report = await validation.WaitAsync(TimeSpan.FromSeconds(120));
        report.Rows.Should().Be(20_000);
        (await Cleanup.PreparationThreadsAfterExitAsync()).Should().Be(0);

        var validator = new DatasetValidator();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Cleanup.ValidateAsync(validator, path))).WaitAsync(TimeSpan.FromSeconds(120));
        (await Cleanup.PreparationThreadsAfterExitAsync()).Should().Be(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task ValidateAndDropAsync(string path, bool sequential)
    {
        var report = await Cleanup.ValidateAsync(new DatasetValidator { Sequential = sequential }, path);
        report.Rows.Should().Be(3000);
        report.Tokens.Should().NotBeNull();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string Held(Guid marker) => "held: " + marker.ToString("N"); // the frame with the part goes

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int HeldOnTheStack(Guid marker)
    {
        var held = Held(marker);
        var found = ReachableHolders(marker);
        GC.KeepAlive(held);
        return found;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int HeldInAThreadStatic(Guid marker)
    {
        t_held = Held(marker);
        return ReachableHolders(marker);
    }

    private static void CollectEverything()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>
    /// Snapshots this process and counts the strings, char arrays and byte arrays (UTF-8) reachable from a GC root
    /// (stacks, handles, statics and thread statics, the finalizer queue) that contain the marker; adds the path to
    /// each. The needles are built only after the snapshot was taken. Reachability is the criterion: a plain heap
    /// walk of the snapshot also lists unreachable memory that the walker misreads as an array spanning dead objects.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReachableHolders(Guid marker, List<string>? paths = null)
    {
        using var target = DataTarget.CreateSnapshotAndAttach(Environment.ProcessId);

        // The DAC of the runtime this process runs on, next to it: the matching one by construction (the snapshot
        // does not carry the runtime module's version, so ClrMD's own lookup and check cannot tell).
        var dac = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows() ? "mscordaccore.dll" : "libmscordaccore.so");
        using var runtime = target.ClrVersions.Single().CreateRuntime(dac, ignoreMismatch: true);
        var heap = runtime.Heap;
        var text = marker.ToString("N");
        var utf8 = Encoding.UTF8.GetBytes(text);
        var parents = new Dictionary<ulong, ulong>();
        var rootKinds = new Dictionary<ulong, ClrRootKind>();
        var queue = new Queue<ulong>();
        foreach (var root in heap.EnumerateRoots())
        {
            if (root.Object.Address != 0 && parents.TryAdd(root.Object.Address, 0))
            {
                rootKinds[root.Object.Address] = root.RootKind;
                queue.Enqueue(root.Object.Address);
            }
        }

        var found = 0;
        while (queue.Count > 0)
        {
            var address = queue.Dequeue();
            var item = heap.GetObject(address);
            if (Holds(item, text, utf8))
            {
                found++;
                if (paths is not null)
                {
                    var chain = new List<string>();
                    for (var a = address; a != 0; a = parents[a])
                    {
                        chain.Add(heap.GetObject(a).Type?.Name ?? "?");
                        if (parents[a] == 0)
                        {
                            chain.Add($"({rootKinds[a]} root)");
                        }
                    }

                    paths.Add(string.Join(" <- ", chain));
                }
            }

            if (!item.IsValid || item.Type is not { ContainsPointers: true })
            {
                continue;
            }

            foreach (var child in item.EnumerateReferences())
            {
                if (child.Address != 0 && parents.TryAdd(child.Address, address))
                {
                    queue.Enqueue(child.Address);
                }
            }
        }

        return found;
    }

    private static bool Holds(ClrObject item, string text, byte[] utf8)
    {
        if (!item.IsValid || item.Type is not { } type)
        {
            return false;
        }

        if (type.IsString)
        {
            return item.AsString(int.MaxValue)?.Contains(text, StringComparison.Ordinal) == true;
        }

        if (!type.IsArray || item.AsArray().Length < text.Length)
        {
            return false;
        }

        return type.ComponentType?.ElementType switch
        {
            ClrElementType.Char => item.AsArray().ReadValues<char>(0, item.AsArray().Length)?.AsSpan().IndexOf(text.AsSpan()) >= 0,
            ClrElementType.UInt8 => item.AsArray().ReadValues<byte>(0, item.AsArray().Length)?.AsSpan().IndexOf(utf8) >= 0,
            _ => false,
        };
    }

    /// <summary>A stream over bytes that stops answering at one offset until resumed.</summary>
    private sealed class PausingStream(byte[] bytes, int pauseAt) : MemoryStream(bytes, writable: false)
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Paused => _paused.Task;

        public void Resume() => _resumed.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= pauseAt && !_resumed.Task.IsCompleted)
            {
                _paused.TrySetResult();
                await _resumed.Task.WaitAsync(cancellationToken);
            }

            return await base.ReadAsync(buffer, cancellationToken);
        }
    }
}
