namespace FineTune.Sdk.Gateway.Tests;

public sealed class GatewayWorkerTests
{
    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_ItemsArrivingWhileTheWorkerIsBusy_WakeItOnceAndAreAllProcessed()
    {
        var processed = 0;
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = new GatewayWorker<int>(1000, async (item, token) =>
        {
            if (item == 0)
            {
                firstStarted.SetResult();
                await releaseFirst.Task.WaitAsync(token);
            }

            Interlocked.Increment(ref processed);
        });

        await Eventually(() => worker.IsIdle);
        worker.TryEnqueue(0).Should().BeTrue();
        await firstStarted.Task;
        for (var i = 1; i < 500; i++)
        {
            worker.TryEnqueue(i).Should().BeTrue();
        }

        releaseFirst.SetResult();
        await Eventually(() => Volatile.Read(ref processed) == 500);

        worker.WakeUps.Should().Be(1, "only the first item found the worker idle; the other 499 arrived while it was busy");
    }

    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_AfterTheWorkerWentIdle_WakesItAgain()
    {
        var processed = 0;
        await using var worker = new GatewayWorker<int>(10, (_, _) =>
        {
            Interlocked.Increment(ref processed);
            return Task.CompletedTask;
        });

        for (var round = 1; round <= 3; round++)
        {
            await Eventually(() => worker.IsIdle);
            worker.TryEnqueue(round).Should().BeTrue();
            await Eventually(() => Volatile.Read(ref processed) == round);
        }

        worker.WakeUps.Should().Be(3);
    }

    [Fact(Timeout = 30_000)]
    public async Task TryEnqueue_QueueFull_DropsWithoutWaiting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var worker = new GatewayWorker<int>(2, async (item, token) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(token);
        });

        worker.TryEnqueue(1).Should().BeTrue();
        await started.Task; // item 1 left the queue
        worker.TryEnqueue(2).Should().BeTrue();
        worker.TryEnqueue(3).Should().BeTrue();
        worker.TryEnqueue(4).Should().BeFalse("the queue holds 2");
        release.SetResult();
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_CancelsTheItemInProgressAndRefusesNewOnes()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new GatewayWorker<int>(4, async (_, token) =>
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
        worker.TryEnqueue(1).Should().BeTrue();
        await started.Task;

        await worker.DisposeAsync();

        cancelled.Task.IsCompleted.Should().BeTrue();
        worker.TryEnqueue(2).Should().BeFalse();
    }

    private static async Task Eventually(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(5);
        }
    }
}
