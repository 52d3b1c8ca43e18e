using System.Collections.Concurrent;

namespace FineTune.Sdk;

/// <summary>
/// Runs one validation's row preparation on threads of its own, at most one per processor, started as work arrives
/// and gone when the validation ends (<see cref="DisposeAsync"/> lets them finish and waits until they have). On the
/// shared thread pool the same work spread over four or five threads on a two-core machine (the pool adds threads
/// while work is queued): each kept its own tokenizer and normalization caches cold, and they took turns on the
/// cores. Here each thread's caches (a <see cref="RunCaches"/> it enters for its whole life) stay warm, and they
/// die with the thread, so no user text outlives the run.
/// </summary>
internal sealed class PreparationScheduler : TaskScheduler, IAsyncDisposable
{
    /// <summary>The name of the threads (the operating system shows its first 15 characters).</summary>
    public const string ThreadName = "FineTune.Sdk preparation";

    private readonly BlockingCollection<Task> _queue = [];
    private readonly List<TaskCompletionSource> _exited = [];
    private readonly List<Thread> _threads = [];
    private int _busy;
    private bool _disposed;

    /// <summary>Creates a scheduler that starts at most <paramref name="threads"/> threads.</summary>
    /// <param name="threads">The most threads; at least one is used.</param>
    public PreparationScheduler(int threads) => MaximumConcurrencyLevel = Math.Max(1, threads);

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel { get; }

    /// <summary>Gets the number of threads started so far.</summary>
    internal int ThreadsStarted
    {
        get
        {
            lock (_threads)
            {
                return _threads.Count;
            }
        }
    }

    /// <summary>
    /// Lets the threads finish the tasks already queued (a task queued with a cancelled token does not run), then
    /// completes once every thread has exited.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task[] exited;
        Thread[] threads;
        lock (_threads)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _queue.CompleteAdding();
            exited = [.. _exited.Select(e => e.Task)];
            threads = [.. _threads];
        }

        await Task.WhenAll(exited).ConfigureAwait(false);
        foreach (var thread in threads)
        {
            // Each thread signalled on its last line: this returns at once and only makes sure the operating system
            // thread is gone before the run returns.
            thread.Join();
        }

        _queue.Dispose();
    }

    /// <inheritdoc />
    protected override void QueueTask(Task task)
    {
        lock (_threads)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Add(task);

            // A thread for each task waiting while fewer than the maximum run: one batch needs one thread.
            if (_threads.Count < MaximumConcurrencyLevel && _queue.Count > _threads.Count - Volatile.Read(ref _busy))
            {
                var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var thread = new Thread(() => Work(exited)) { IsBackground = true, Name = ThreadName };
                _exited.Add(exited);
                _threads.Add(thread);
                thread.Start();
            }
        }
    }

    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false; // only on its own threads

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Work(TaskCompletionSource exited)
    {
        try
        {
            using var caches = RunCaches.Enter(new RunCaches());
            foreach (var task in _queue.GetConsumingEnumerable())
            {
                Interlocked.Increment(ref _busy);
                TryExecuteTask(task);
                Interlocked.Decrement(ref _busy);
            }
        }
        finally
        {
            exited.SetResult();
        }
    }
}
