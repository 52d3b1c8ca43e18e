namespace FineTune.Sdk.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test moves it. Timers created through it (including
/// <c>Task.Delay(delay, timeProvider)</c> and <c>PeriodicTimer</c>) fire, in due-time order, while
/// <see cref="Advance(TimeSpan)"/> or <see cref="SetUtcNow(DateTimeOffset)"/> pass their due time.
/// </summary>
/// <remarks>
/// Thread-safe: the clock and the timer queue are guarded by one lock; timer callbacks run on the thread that advances
/// the clock, outside the lock, so a callback may itself create timers or read the clock.
/// </remarks>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;
    private TimeZoneInfo _localTimeZone = TimeZoneInfo.Utc;

    /// <summary>Initializes a new instance of the <see cref="FakeTimeProvider"/> class starting at 2026-01-01T00:00:00Z.</summary>
    public FakeTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FakeTimeProvider"/> class starting at the given instant.</summary>
    /// <param name="startDateTime">The initial value of <see cref="GetUtcNow"/>; converted to UTC.</param>
    public FakeTimeProvider(DateTimeOffset startDateTime)
    {
        _now = startDateTime.ToUniversalTime();
        Start = _now;
    }

    /// <summary>Gets or sets a value indicating whether timers move the clock themselves.</summary>
    /// <value>Default <see langword="false"/>: only <see cref="Advance(TimeSpan)"/> and <see cref="SetUtcNow(DateTimeOffset)"/>
    /// move the clock. When <see langword="true"/>, creating or changing a timer with a finite due time moves the clock to
    /// that due time at once, on the thread pool, firing every timer due by then — so polling loops and retry delays
    /// (<c>Task.Delay(d, clock)</c>) run instantly in simulated time, e.g. a whole fine-tuning lifecycle against an
    /// <see cref="OpenAIEmulator"/> on the same clock. A periodic timer advances the clock once per creation or change,
    /// not on every period. Do not combine with per-call timeouts on the same clock: their timers fire at once too.</value>
    public bool AutoAdvance { get; set; }

    /// <summary>Gets the instant the clock started at.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Gets the number of timers that are scheduled and not yet disposed or expired.</summary>
    /// <value>Useful to wait until code under test has started a delay before advancing the clock.</value>
    public int PendingTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone
    {
        get
        {
            lock (_gate)
            {
                return _localTimeZone;
            }
        }
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _now.UtcTicks;
        }
    }

    /// <summary>Sets the time zone that <see cref="TimeProvider.GetLocalNow"/> uses (UTC by default).</summary>
    /// <param name="localTimeZone">The time zone.</param>
    public void SetLocalTimeZone(TimeZoneInfo localTimeZone)
    {
        ArgumentNullException.ThrowIfNull(localTimeZone);
        lock (_gate)
        {
            _localTimeZone = localTimeZone;
        }
    }

    /// <summary>Moves the clock forward, firing every timer whose due time is passed, earliest first.</summary>
    /// <param name="delta">How far to move; zero fires timers that are due now.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + delta;
        }

        MoveTo(target);
    }

    /// <summary>Sets the clock to an instant not earlier than the current one, firing the timers due up to it.</summary>
    /// <param name="value">The new current time.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is earlier than the current time.</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_gate)
        {
            if (value < _now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The clock cannot move backwards (now is {_now:O}).");
            }
        }

        MoveTo(value.ToUniversalTime());
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc />
    public override string ToString() => GetUtcNow().ToString("O", global::System.Globalization.CultureInfo.InvariantCulture);

    private void MoveTo(DateTimeOffset target)
    {
        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                next = null;
                foreach (var timer in _timers)
                {
                    if (timer.DueAt <= target && (next is null || timer.DueAt < next.DueAt || (timer.DueAt == next.DueAt && timer.Sequence < next.Sequence)))
                    {
                        next = timer;
                    }
                }

                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }

                    return;
                }

                if (next.DueAt > _now)
                {
                    _now = next.DueAt;
                }

                _timers.Remove(next);
                if (next.Period > TimeSpan.Zero)
                {
                    next.DueAt = _now + next.Period;
                    next.Sequence = ++_sequence;
                    _timers.Add(next);
                }
            }

            next.Fire();
        }
    }

    private DateTimeOffset? Schedule(FakeTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
            if (timer.Disposed || dueTime == Timeout.InfiniteTimeSpan)
            {
                return null;
            }

            timer.DueAt = _now + dueTime;
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Sequence = ++_sequence;
            _timers.Add(timer);
            return timer.DueAt;
        }
    }

    private void Remove(FakeTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; set; }

        public long Sequence { get; set; }

        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
            }

            if (period != Timeout.InfiniteTimeSpan)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
            }

            if (Disposed)
            {
                return false;
            }

            var dueAt = owner.Schedule(this, dueTime, period);
            if (dueTime == TimeSpan.Zero)
            {
                owner.Advance(TimeSpan.Zero);
            }
            else if (owner.AutoAdvance && dueAt is { } target)
            {
                ThreadPool.QueueUserWorkItem(static state => state.Owner.MoveTo(state.Target), (Owner: owner, Target: target), preferLocal: false);
            }

            return true;
        }

        public void Fire()
        {
            if (!Disposed)
            {
                callback(state);
            }
        }

        public void Dispose()
        {
            Disposed = true;
            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
