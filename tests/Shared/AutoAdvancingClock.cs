namespace FineTune.Tests;

/// <summary>
/// A fake clock for tests: every timer jumps the clock forward by its due time and fires at once (on the thread pool),
/// so polling loops and retry delays run instantly and deterministically; every requested delay is recorded.
/// Periodic timers fire once. Do not combine with per-attempt timeouts (their timers would fire at once too).
/// </summary>
/// <remarks>
/// Keeps its own time, or drives another clock: the emulator's, so a client's poll loop moves training forward.
/// </remarks>
internal sealed class AutoAdvancingClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _delays = [];
    private readonly TimeProvider? _driven;
    private readonly Action<TimeSpan>? _advanceDriven;
    private DateTimeOffset _now;

    /// <summary>A clock with its own time.</summary>
    public AutoAdvancingClock(DateTimeOffset? start = null) => _now = start ?? new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A clock that reads <paramref name="driven"/> and moves it forward through <paramref name="advance"/>.</summary>
    public AutoAdvancingClock(TimeProvider driven, Action<TimeSpan> advance)
    {
        _driven = driven;
        _advanceDriven = advance;
    }

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
            {
                return [.. _delays];
            }
        }
    }

    public override long TimestampFrequency => _driven?.TimestampFrequency ?? TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        if (_driven is not null)
        {
            return _driven.GetUtcNow();
        }

        lock (_gate)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => _driven?.GetTimestamp() ?? GetUtcNow().UtcTicks;

    public void Advance(TimeSpan by)
    {
        if (by <= TimeSpan.Zero)
        {
            return;
        }

        if (_advanceDriven is not null)
        {
            _advanceDriven(by);
            return;
        }

        lock (_gate)
        {
            _now += by;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(AutoAdvancingClock clock, TimerCallback callback, object? state) : ITimer
    {
        private volatile bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed || dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }

            lock (clock._gate)
            {
                clock._delays.Add(dueTime);
            }

            clock.Advance(dueTime);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                if (!_disposed)
                {
                    callback(state);
                }
            });
            return true;
        }

        public void Dispose() => _disposed = true;

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return default;
        }
    }
}
