namespace FineTune.Sdk;

/// <summary>Sliding one-minute window limiting request starts and estimated tokens; time through <see cref="TimeProvider"/>.</summary>
internal sealed class RequestRateLimiter(int? requestsPerMinute, int? tokensPerMinute, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<(long Timestamp, int Tokens)> _starts = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _tokensInWindow;

    public bool IsActive => requestsPerMinute is not null || tokensPerMinute is not null;

    public async ValueTask WaitAsync(int estimatedTokens, CancellationToken cancellationToken)
    {
        if (!IsActive)
        {
            return;
        }

        var tokens = tokensPerMinute is { } tpm ? Math.Min(estimatedTokens, tpm) : estimatedTokens;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = timeProvider.GetTimestamp();
                while (_starts.Count > 0 && timeProvider.GetElapsedTime(_starts.Peek().Timestamp, now) >= Window)
                {
                    _tokensInWindow -= _starts.Dequeue().Tokens;
                }

                var requestsOk = requestsPerMinute is not { } rpm || _starts.Count < rpm;
                var tokensOk = tokensPerMinute is not { } limit || _tokensInWindow + tokens <= limit;
                if (requestsOk && tokensOk)
                {
                    _starts.Enqueue((now, tokens));
                    _tokensInWindow += tokens;
                    return;
                }

                var wait = Window - timeProvider.GetElapsedTime(_starts.Peek().Timestamp, now);
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
