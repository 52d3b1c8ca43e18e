using FineTune.Sdk.Testing;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>
/// The client-side clock of end-to-end tests: reads the emulator's <see cref="FakeTimeProvider"/>, and every timer
/// the client starts (poll delays, retry delays) moves the emulator's clock forward by its due time and fires at once.
/// So a poll loop drives training forward deterministically, with no real waiting. Records every delay.
/// </summary>
internal sealed class DrivingClock(FakeTimeProvider emulatorClock) : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_delays)
            {
                return [.. _delays];
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => emulatorClock.GetUtcNow();

    public override long GetTimestamp() => emulatorClock.GetTimestamp();

    public override long TimestampFrequency => emulatorClock.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(DrivingClock clock, TimerCallback callback, object? state) : ITimer
    {
        private volatile bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed || dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }

            lock (clock._delays)
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

    private void Advance(TimeSpan by)
    {
        if (by > TimeSpan.Zero)
        {
            emulatorClock.Advance(by);
        }
    }
}
