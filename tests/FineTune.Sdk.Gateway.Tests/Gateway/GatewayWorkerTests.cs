namespace FineTune.Sdk.Gateway.Tests;

public sealed class GatewayWorkerTests
{
    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_ItemsArrivingWhileTheWorkerIsBusy_WakeItOnceAndAreAllProcessed()
    {
        var processed = 0;
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = TestRing.Start(1000, async (item, token) =>
        {
            if (item == 0)
            {
                firstStarted.SetResult();
                await releaseFirst.Task.WaitAsync(token);
            }

            Interlocked.Increment(ref processed);
        });

        await Eventually(() => worker.IsIdle);
        TestRing.TryEnqueue(worker, 0).Should().BeTrue();
        await firstStarted.Task;
        for (var i = 1; i < 500; i++)
        {
            TestRing.TryEnqueue(worker, i).Should().BeTrue();
        }

        releaseFirst.SetResult();
        await Eventually(() => Volatile.Read(ref processed) == 500);

        worker.WakeUps.Should().Be(1, "only the first item found the worker idle; the other 499 arrived while it was busy");
    }

    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_AfterTheWorkerWentIdle_WakesItAgain()
    {
        var processed = 0;
        await using var worker = TestRing.Start(10, (_, _) =>
        {
            Interlocked.Increment(ref processed);
            return Task.CompletedTask;
        });

        for (var round = 1; round <= 3; round++)
        {
            await Eventually(() => worker.IsIdle);
            TestRing.TryEnqueue(worker, round).Should().BeTrue();
            await Eventually(() => Volatile.Read(ref processed) == round);
        }

        worker.WakeUps.Should().Be(3);
    }

    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_QueueFull_DropsWithoutWaiting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = TestRing.Start(2, async (item, token) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(token);
        });

        TestRing.TryEnqueue(worker, 1).Should().BeTrue();
        await started.Task; // item 1 left the queue
        TestRing.TryEnqueue(worker, 2).Should().BeTrue();
        TestRing.TryEnqueue(worker, 3).Should().BeTrue();
        TestRing.TryEnqueue(worker, 4).Should().BeFalse("the queue holds 2");
        release.SetResult();
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_CancelsTheItemInProgressAndRefusesNewOnes()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = TestRing.Start(4, async (_, token) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                cancelled.SetResult();
            }
        });
        TestRing.TryEnqueue(worker, 1).Should().BeTrue();
        await started.Task;

        await worker.DisposeAsync();

        cancelled.Task.IsCompleted.Should().BeTrue();
        TestRing.TryEnqueue(worker, 2).Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task TryClaim_SecondLapOfTheRing_ReusesTheSlotsInOrderAndDropsWhenFull()
    {
        var processed = new List<int>();
        var gate = new SemaphoreSlim(0);
        await using var worker = TestRing.Start(4, async (item, token) =>
        {
            await gate.WaitAsync(token);
            lock (processed)
            {
                processed.Add(item);
            }
        });
        var slots = worker.Slots.ToArray();

        for (var lap = 0; lap < 3; lap++)
        {
            // One copy in progress (taken: its slot is free again), four waiting, the sixth dropped.
            TestRing.TryEnqueue(worker, lap * 10).Should().BeTrue();
            await Eventually(() => worker.Slots.All(s => s.Value is null));
            for (var i = 1; i <= 4; i++)
            {
                TestRing.TryEnqueue(worker, (lap * 10) + i).Should().BeTrue();
            }

            TestRing.TryEnqueue(worker, (lap * 10) + 5).Should().BeFalse("the ring holds 4");
            gate.Release(5);
            await Eventually(() => { lock (processed) { return processed.Count == (lap + 1) * 5; } });
        }

        processed.Should().Equal(0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24);
        worker.Slots.Should().Equal(slots, "the ring allocates its slots once and reuses them on every lap");
        worker.Slots.Should().OnlyContain(s => s.Value == null, "the consumer clears a slot when it takes its copy");
    }

    [Fact(Timeout = 30_000)]
    public async Task Publish_ConcurrentProducers_EveryAcceptedCopyProcessedExactlyOnce()
    {
        const int Producers = 4;
        const int PerProducer = 20_000;
        var seen = new int[Producers * PerProducer];
        var processed = 0;
        await using var worker = TestRing.Start(64, (item, _) =>
        {
            Interlocked.Increment(ref seen[item]);
            Interlocked.Increment(ref processed);
            return Task.CompletedTask;
        });
        var accepted = new bool[seen.Length];
        using var start = new Barrier(Producers);
        var threads = Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerProducer; i++)
            {
                var value = (p * PerProducer) + i;
                accepted[value] = TestRing.TryEnqueue(worker, value);
                if (i % 64 == 0)
                {
                    Thread.Yield(); // give the consumer a chance, so both paths (accepted and dropped) are taken
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var acceptedCount = accepted.Count(a => a);
        await Eventually(() => Volatile.Read(ref processed) >= acceptedCount);
        await Task.Delay(50); // nothing more may arrive
        Volatile.Read(ref processed).Should().Be(acceptedCount);
        acceptedCount.Should().BeGreaterThan(0);
        for (var i = 0; i < seen.Length; i++)
        {
            seen[i].Should().Be(accepted[i] ? 1 : 0, "copy {0} was {1}", i, accepted[i] ? "accepted" : "dropped");
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_CopiesStillWaiting_EverySlotCleared()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = TestRing.Start(3, async (_, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
        });
        TestRing.TryEnqueue(worker, 1).Should().BeTrue();
        await started.Task;
        for (var i = 2; i <= 4; i++)
        {
            TestRing.TryEnqueue(worker, i).Should().BeTrue();
        }

        worker.Slots.Count(s => s.Value is not null).Should().Be(3);

        await worker.DisposeAsync();

        worker.Slots.Should().OnlyContain(s => s.Value == null, "disposal drops what waits; no request data outlives the worker");
        worker.TryClaim(out _).Should().BeFalse();
    }

    [Fact(Timeout = 30_000)]
    public async Task Publish_IntoADisposedRing_TheRequestClearsItsOwnSlot()
    {
        var worker = TestRing.Start(2, (_, _) => Task.CompletedTask);
        worker.TryClaim(out var slot).Should().BeTrue();

        await worker.DisposeAsync(); // the claimed slot was still being filled: disposal could not clear it
        slot!.Value = 7;
        worker.Publish(slot);

        slot.Value.Should().BeNull("a copy published into a disposed ring is cleared by the request that made it");
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task Consumer_RunsOnItsOwnThreadAtALowerPriorityThanTheRequests()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads the thread's nice value from /proc");
        var niceOfConsumer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = TestRing.Start(4, (_, _) =>
        {
            niceOfConsumer.TrySetResult(Nice("thread-self"));
            return Task.CompletedTask;
        });

        TestRing.TryEnqueue(worker, 1).Should().BeTrue();

        (await niceOfConsumer.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be(Nice("thread-self") + 5, "shadow and online-evaluation work yields the CPU to request threads");
    }

    private static int Nice(string task)
    {
        // /proc/<task>/stat: "pid (comm) state ..." — nice is the 19th field, the 17th after the comm's closing parenthesis.
        var stat = File.ReadAllText($"/proc/{task}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task Eventually(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(5);
        }
    }
}

/// <summary>A ring of integers for the worker's tests: a slot holds one value, the consumer's copy boxes it.</summary>
internal static class TestRing
{
    public static GatewayWorker<IntSlot, IntCopy> Start(int capacity, Func<int, CancellationToken, Task> process) =>
        new(capacity, static slot => slot.Value is { } value ? new IntCopy(value) : null, (copy, token) => process(copy.Value, token));

    public static bool TryEnqueue(GatewayWorker<IntSlot, IntCopy> worker, int value)
    {
        if (!worker.TryClaim(out var slot))
        {
            return false;
        }

        slot.Value = value;
        worker.Publish(slot);
        return true;
    }

    internal sealed class IntSlot : GatewaySlot
    {
        public int? Value { get; set; }

        public override void Clear() => Value = null;
    }

    internal sealed record IntCopy(int Value);
}
