using System.Collections.Concurrent;

namespace FineTune.Sdk;

/// <summary>
/// Runs the validator's row preparation on a fixed set of long-lived background threads, one per processor, shared by
/// every validation in the process. On the shared thread pool the same work spread over four or five threads on a
/// two-core machine (the pool adds threads while work is queued): each kept its own per-thread tokenizer and
/// normalization tables cold, and they took turns on the cores. Here each table stays warm on one thread.
/// </summary>
internal sealed class PreparationScheduler : TaskScheduler
{
    private static readonly Lazy<PreparationScheduler> Shared = new(() => new PreparationScheduler(Environment.ProcessorCount));

    private readonly BlockingCollection<Task> _queue = [];

    private PreparationScheduler(int threads)
    {
        MaximumConcurrencyLevel = Math.Max(1, threads);
        for (var i = 0; i < MaximumConcurrencyLevel; i++)
        {
            new Thread(Work) { IsBackground = true, Name = "FineTune.Sdk preparation" }.Start();
        }
    }

    /// <summary>Gets the process-wide scheduler (its threads start on first use and live as long as the process).</summary>
    public static PreparationScheduler Instance => Shared.Value;

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel { get; }

    /// <inheritdoc />
    protected override void QueueTask(Task task) => _queue.Add(task);

    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false; // only on its own threads

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Work()
    {
        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }
}
