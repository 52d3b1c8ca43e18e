using System.Collections.Concurrent;

namespace FineTune.Sdk;

/// <summary>
/// A bounded queue with one consumer task, for work the gateway does off the request path (shadow calls, online
/// scoring). <see cref="TryEnqueue"/> never waits: a full queue drops the item.
/// </summary>
/// <remarks>
/// <para>
/// The request path pays for one counter increment and one lock-free enqueue. It wakes the consumer only when the
/// consumer is idle (queue found empty after a pause); while work keeps arriving, the consumer drains the queue, pauses
/// for <see cref="BatchInterval"/> and drains again, so a busy gateway's requests never signal another thread. A wake-up
/// (a thread-pool dispatch, possibly a futex wake) is the most expensive thing a request thread could do here, and at a
/// 5% shadow share it would land in the primary's p99.
/// </para>
/// <para>
/// The pause is real time on purpose, not the gateway's <see cref="TimeProvider"/>: it decides only how often the consumer
/// looks, never what the gateway decides, and a fake clock in tests must not stall the consumer. The queue must hold
/// one pause's worth of items at peak (the capacity option says so).
/// </para>
/// <para>Disposal stops the consumer, cancels the item in progress and drops what is queued. <see cref="DisposeAsync"/>
/// waits for the consumer to end; <see cref="Dispose"/> never blocks: it signals and returns, and the consumer ends by
/// itself, so nothing outlives the gateway either way.</para>
/// </remarks>
internal sealed class GatewayWorker<T> : IDisposable, IAsyncDisposable
{
    /// <summary>How long the consumer waits between drains while items keep arriving.</summary>
    internal static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    private readonly ConcurrentQueue<T> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _capacity;
    private readonly Task _consumer;
    private int _count;
    private int _idle;
    private int _disposed;

    public GatewayWorker(int capacity, Func<T, CancellationToken, Task> process)
    {
        _capacity = capacity;
        _consumer = Task.Run(() => ConsumeAsync(process));
    }

    /// <summary>Gets how many times a request woke the idle consumer (tests: a steady stream wakes it once).</summary>
    internal int WakeUps { get; private set; }

    /// <summary>Gets whether the consumer is waiting for a request to wake it.</summary>
    internal bool IsIdle => Volatile.Read(ref _idle) == 1;

    public bool TryEnqueue(T item)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _queue.Enqueue(item);

        // The enqueue above is a full fence; the consumer publishes _idle with Interlocked.Exchange before it looks at
        // the queue again, so either it sees the item or this read sees its flag. Only the request that takes the
        // flag signals.
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            WakeUps++;
            _wake.Release();
        }

        return true;
    }

    /// <summary>Stops the consumer and returns at once: the item in progress is cancelled, the queue is dropped, and the
    /// consumer task ends by itself (<see cref="Completion"/>), then releases what it holds.</summary>
    public void Dispose()
    {
        if (!Stop())
        {
            return;
        }

        _queue.Clear(); // drop the queued texts now, not when the consumer gets round to it
        _ = _consumer.ContinueWith(static (_, state) => ((GatewayWorker<T>)state!).Release(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Stops the consumer and waits until it has ended.</summary>
    /// <returns>A task that completes when the consumer has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!Stop())
        {
            await _consumer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        await _consumer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Release();
    }

    /// <summary>Gets the consumer task: it completes once the worker is disposed and the item in progress has ended.</summary>
    internal Task Completion => _consumer;

    private bool Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _stopping.Cancel();
        return true;
    }

    private void Release()
    {
        // _wake is not disposed: a request racing with disposal may still release it (it holds no OS handle).
        _queue.Clear();
        _stopping.Dispose();
    }

    private async Task ConsumeAsync(Func<T, CancellationToken, Task> process)
    {
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                await WaitForWorkAsync(token).ConfigureAwait(false);
                do
                {
                    while (_queue.TryDequeue(out var item))
                    {
                        Interlocked.Decrement(ref _count);
                        try
                        {
                            await process(item, token).ConfigureAwait(false);
                        }
                        catch (Exception) when (!token.IsCancellationRequested)
                        {
                            // process reports its own failures; one bad item never stops the worker.
                        }
                    }

                    await Task.Delay(BatchInterval, token).ConfigureAwait(false);
                }
                while (!_queue.IsEmpty);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async ValueTask WaitForWorkAsync(CancellationToken token)
    {
        Interlocked.Exchange(ref _idle, 1);
        if (!_queue.IsEmpty && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            return; // work arrived before any request saw the flag: nobody signalled
        }

        await _wake.WaitAsync(token).ConfigureAwait(false); // signalled (or about to be) by the request that took the flag
    }
}
