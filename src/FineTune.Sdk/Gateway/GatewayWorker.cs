using System.Threading.Channels;

namespace FineTune.Sdk;

/// <summary>
/// A bounded queue with one consumer task, for work the gateway does off the request path (shadow calls, online
/// scoring). <see cref="TryEnqueue"/> never waits: a full queue drops the item. Disposal stops the consumer, cancels
/// the item in progress and waits for the task, so nothing outlives the gateway.
/// </summary>
internal sealed class GatewayWorker<T> : IDisposable
{
    private readonly Channel<T> _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _consumer;
    private int _disposed;

    public GatewayWorker(int capacity, Func<T, CancellationToken, Task> process)
    {
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _consumer = Task.Run(() => ConsumeAsync(process));
    }

    public bool TryEnqueue(T item) => Volatile.Read(ref _disposed) == 0 && _channel.Writer.TryWrite(item);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Writer.TryComplete();
        _stopping.Cancel();
        try
        {
            _consumer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ConsumeAsync(Func<T, CancellationToken, Task> process)
    {
        var token = _stopping.Token;
        try
        {
            while (await _channel.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_channel.Reader.TryRead(out var item))
                {
                    try
                    {
                        await process(item, token).ConfigureAwait(false);
                    }
                    catch (Exception) when (!token.IsCancellationRequested)
                    {
                        // process reports its own failures; one bad item never stops the worker.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }
}
