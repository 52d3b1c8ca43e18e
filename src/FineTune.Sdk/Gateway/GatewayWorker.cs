using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace FineTune.Sdk;

/// <summary>
/// A slot of a <see cref="GatewayWorker{TSlot, TItem}"/> ring: reusable storage a request fills in place, so queueing
/// work for the worker allocates nothing.
/// </summary>
internal abstract class GatewaySlot
{
    /// <summary>
    /// The slot's state, owned by the worker: <c>2p</c> when free for ring position <c>p</c>, <c>2p + 1</c> when the copy
    /// for position <c>p</c> is published, <c>-1</c> while it is being taken or after disposal cleared it. (Doubling
    /// keeps "published for p" and "free for p + 1" apart when the ring has one slot.)
    /// </summary>
    internal long Sequence;

    /// <summary>The ring position this slot was claimed for; owned by the worker.</summary>
    internal long Position;

    /// <summary>Drops every reference the slot holds to request data (the storage itself stays for reuse).</summary>
    public abstract void Clear();
}

/// <summary>
/// A bounded ring of preallocated slots with one consumer task, for work the gateway does off the request path
/// (shadow calls, online scoring). A request claims a slot, fills it in place and publishes it; it never waits and
/// never allocates: a full ring drops the request's copy.
/// </summary>
/// <typeparam name="TSlot">The slot: reusable storage for one request's copy.</typeparam>
/// <typeparam name="TItem">The consumer's own copy of a slot, made off the request path; <c>take</c> returns
/// <see langword="null"/> for a slot published empty (its request failed to fill it), which is skipped.</typeparam>
/// <remarks>
/// <para>
/// The ring is a bounded multi-producer, single-consumer queue: each slot carries a sequence number; a producer claims
/// the slot at the tail with one compare-and-swap (<see cref="TryClaim"/>), fills it and publishes it with a volatile
/// write of its sequence (<see cref="Publish"/>). A slot whose sequence is a lap behind the tail still holds a copy
/// waiting to be consumed: the ring is full. The consumer copies a published slot into a <typeparamref name="TItem"/> (allocating on
/// its own thread), clears the slot's references at once and hands it back to the producers before it processes the
/// copy, so <c>capacity</c> counts the copies waiting, not the one in progress.
/// </para>
/// <para>
/// The request path wakes the consumer only when the consumer is idle (it found the ring empty after a pause); while
/// work keeps arriving, the consumer drains the ring, pauses for <see cref="BatchInterval"/> and drains again, so a busy
/// gateway's requests never signal another thread. A wake-up is the most expensive thing a request thread could do
/// here, and at a 5% shadow share it would land in the primary's p99; it is a monitor pulse to the consumer's own
/// thread (no thread-pool dispatch, no allocation).
/// </para>
/// <para>
/// The consumer is one dedicated background thread per worker, at below-normal priority (on Linux, where .NET leaves
/// thread priorities alone, the thread's nice value is raised by 5). Shadow calls and online scoring are best effort and
/// the requests they copy are not: when the host's cores are saturated, the serving threads win and the ring drops copies
/// (counted) instead of the worker taking CPU from requests. On an idle host the priority changes nothing. The thread
/// runs the synchronous parts of each item (taking the copy, extracting text, in-process scorers); continuations of
/// real network calls finish on thread-pool threads as usual.
/// </para>
/// <para>
/// The pause is real time on purpose, not the gateway's <see cref="TimeProvider"/>: it decides only how often the consumer
/// looks, never what the gateway decides, and a fake clock in tests must not stall the consumer. The ring must hold one
/// pause's worth of copies at peak (the capacity option says so).
/// </para>
/// <para>Disposal stops the consumer, cancels the item in progress and clears every waiting slot at once, so no request
/// data outlives the gateway (a request that publishes into a disposed ring clears its own slot). <see cref="DisposeAsync"/>
/// waits for the consumer thread to end; <see cref="Dispose"/> never blocks: it signals and returns, and the thread ends
/// by itself. A published slot belongs to whoever moves its sequence from "published" to "taken" (the consumer, disposal
/// or the late request), and that one clears it.</para>
/// </remarks>
internal sealed class GatewayWorker<TSlot, TItem> : IDisposable, IAsyncDisposable
    where TSlot : GatewaySlot, new()
    where TItem : class
{
    /// <summary>How long the consumer waits between drains while items keep arriving.</summary>
    internal static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    private readonly TSlot[] _slots;
    private readonly Func<TSlot, TItem?> _take;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _tail; // next position a producer claims
    private long _head; // next position the consumer takes (consumer only)
    private int _idle;
    private int _disposed;
    private int _released;
    private int _owners = 2; // Stop and the consumer thread: the last one to finish with _stopping disposes it

    public GatewayWorker(int capacity, Func<TSlot, TItem?> take, Func<TItem, CancellationToken, Task> process)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _take = take;
        _slots = new TSlot[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _slots[i] = new TSlot { Sequence = 2L * i };
        }

        var consumer = new Thread(() => Consume(process)) { IsBackground = true, Name = "FineTune gateway worker" };
        consumer.Start();
    }

    /// <summary>Gets how many times a request woke the idle consumer (tests: a steady stream wakes it once).</summary>
    internal int WakeUps { get; private set; }

    /// <summary>Gets whether the consumer is waiting for a request to wake it.</summary>
    internal bool IsIdle => Volatile.Read(ref _idle) == 1;

    /// <summary>Gets the ring's slots (tests check that disposal clears them).</summary>
    internal IReadOnlyList<TSlot> Slots => _slots;

    /// <summary>Claims the slot at the tail of the ring for the caller to fill; never waits.</summary>
    /// <param name="slot">The claimed slot; the caller fills it and must then call <see cref="Publish"/>.</param>
    /// <returns><see langword="false"/> when the ring is full or disposed: the copy is dropped.</returns>
    public bool TryClaim([NotNullWhen(true)] out TSlot? slot)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            var position = Volatile.Read(ref _tail);
            while (true)
            {
                var candidate = _slots[(int)(position % _slots.Length)];
                var sequence = Volatile.Read(ref candidate.Sequence);
                if (sequence == 2 * position)
                {
                    var seen = Interlocked.CompareExchange(ref _tail, position + 1, position);
                    if (seen == position)
                    {
                        candidate.Position = position;
                        slot = candidate;
                        return true;
                    }

                    position = seen; // another request took it: try the new tail
                }
                else if (sequence < 2 * position)
                {
                    break; // the slot still holds a copy from the previous lap: full
                }
                else
                {
                    position = Volatile.Read(ref _tail); // another request claimed it after we read the tail
                }
            }
        }

        slot = null;
        return false;
    }

    /// <summary>Hands a filled slot to the consumer, waking it if it is idle.</summary>
    /// <param name="slot">A slot from <see cref="TryClaim"/>.</param>
    public void Publish(TSlot slot)
    {
        Volatile.Write(ref slot.Sequence, (2 * slot.Position) + 1);

        // A full fence between publishing and reading the flags: either the consumer (which sets _idle with a full fence
        // before it looks at the ring again) sees this slot, or this read sees its flag; likewise, either disposal's
        // final clear sees this slot's contents, or this request sees _released and clears them itself.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _released) != 0)
        {
            TryClearPublished(slot);
            return;
        }

        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            WakeUps++; // only the request that takes the flag signals
            _wake.Release();
        }
    }

    /// <summary>Stops the consumer and returns at once: the item in progress is cancelled, the waiting copies are cleared,
    /// and the consumer thread ends by itself (<see cref="Completion"/>).</summary>
    public void Dispose()
    {
        if (Stop())
        {
            ClearWaiting();
        }
    }

    /// <summary>Stops the consumer, clears the waiting copies and waits until the consumer thread has ended.</summary>
    /// <returns>A task that completes when the consumer has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Stop())
        {
            ClearWaiting();
        }

        await _finished.Task.ConfigureAwait(false);
    }

    /// <summary>Gets a task that completes once the worker is disposed and the consumer thread has ended.</summary>
    internal Task Completion => _finished.Task;

    private bool Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _stopping.Cancel();
        ReleaseStopping();
        return true;
    }

    private void ReleaseStopping()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            _stopping.Dispose(); // never while Cancel runs or the consumer waits on its token
        }
    }

    /// <summary>Clears every published slot that nobody else has taken; requests publishing later clear their own.</summary>
    private void ClearWaiting()
    {
        // _wake is not disposed: a request racing with disposal may still release it (it holds no OS handle).
        Interlocked.Exchange(ref _released, 1); // a full fence: pairs with the one in Publish
        foreach (var slot in _slots)
        {
            TryClearPublished(slot);
        }
    }

    private static void TryClearPublished(TSlot slot)
    {
        var sequence = Volatile.Read(ref slot.Sequence);
        if ((sequence & 1) == 1 && Interlocked.CompareExchange(ref slot.Sequence, -1, sequence) == sequence)
        {
            slot.Clear();
        }
    }

    /// <summary>Whether the slot at the head is published (consumer only).</summary>
    private bool HasPublished()
    {
        var slot = _slots[(int)(_head % _slots.Length)];
        return Volatile.Read(ref slot.Sequence) == (2 * _head) + 1;
    }

    /// <summary>Takes the slot at the head if it is published; <paramref name="item"/> is null for a slot published empty.</summary>
    private bool TryTake(out TItem? item)
    {
        var position = _head;
        var slot = _slots[(int)(position % _slots.Length)];
        var published = (2 * position) + 1;
        if (Volatile.Read(ref slot.Sequence) != published || Interlocked.CompareExchange(ref slot.Sequence, -1, published) != published)
        {
            item = default;
            return false; // empty, the request that claimed the head has not published yet, or disposal cleared it
        }

        try
        {
            item = _take(slot);
        }
        finally
        {
            slot.Clear();
            Volatile.Write(ref slot.Sequence, 2 * (position + _slots.Length)); // free for the next lap
            _head = position + 1;
        }

        return true;
    }

    /// <summary>The consumer thread: drains the ring, pausing between drains; sleeps when it finds the ring empty after a pause.</summary>
    private void Consume(Func<TItem, CancellationToken, Task> process)
    {
        var token = _stopping.Token;
        try
        {
            WorkerThreadPriority.Lower();
            while (true)
            {
                WaitForWork(token);
                do
                {
                    while (true)
                    {
                        if (token.IsCancellationRequested)
                        {
                            return; // disposed: what waits is cleared, not processed
                        }

                        TItem? item;
                        try
                        {
                            if (!TryTake(out item))
                            {
                                break;
                            }
                        }
                        catch (Exception) when (!token.IsCancellationRequested)
                        {
                            continue; // a copy that cannot be taken is dropped; the slot is already free
                        }

                        if (item is null)
                        {
                            continue;
                        }

                        try
                        {
                            // Blocking is right here: the items are processed one at a time on this thread of ours.
                            process(item, token).GetAwaiter().GetResult();
                        }
                        catch (Exception) when (!token.IsCancellationRequested)
                        {
                            // process reports its own failures; one bad item never stops the worker.
                        }
                    }

                    // The pause: requests do not signal while the consumer is not idle, so only cancellation ends it early.
                    _wake.Wait(BatchInterval, token);
                }
                while (Volatile.Read(ref _tail) != _head);
            }
        }
        catch (Exception)
        {
            // Stopping (cancellation), or a failure that must not take the process down with a background thread.
        }
        finally
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                ClearWaiting(); // anything published since disposal's own pass
            }

            ReleaseStopping();
            _finished.SetResult();
        }
    }

    private void WaitForWork(CancellationToken token)
    {
        Interlocked.Exchange(ref _idle, 1);
        if (HasPublished() && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            return; // work arrived before any request saw the flag: nobody signalled
        }

        _wake.Wait(token); // signalled (or about to be) by the request that took the flag
    }
}

/// <summary>Lowers a background worker thread's scheduling priority.</summary>
internal static class WorkerThreadPriority
{
    /// <summary>Lowers the calling thread's priority (below normal; on Linux nice + 5), best effort.</summary>
    public static void Lower()
    {
        try
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            if (OperatingSystem.IsLinux())
            {
                // PRIO_PROCESS with who = 0 is the calling thread on Linux (nice is per thread); raising it needs no privilege.
                _ = Native.SetPriority(0, 0, Native.GetPriority(0, 0) + 5);
            }
        }
        catch (Exception ex) when (ex is ThreadStateException or PlatformNotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            // Best effort: at normal priority the worker still never blocks a request.
        }
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
        public static extern int GetPriority(int which, int who);

        [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
        public static extern int SetPriority(int which, int who, int priority);
    }
}
