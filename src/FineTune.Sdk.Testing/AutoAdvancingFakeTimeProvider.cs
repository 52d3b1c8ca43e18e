using Microsoft.Extensions.Time.Testing;

namespace FineTune.Sdk.Testing;

/// <summary>
/// The standard <see cref="FakeTimeProvider"/> (Microsoft.Extensions.TimeProvider.Testing) with two additions for
/// lifecycle tests: every timer's requested delay is recorded, and, with <see cref="AutoAdvance"/> on, the clock jumps
/// forward by each timer's due time as soon as the timer is scheduled — so polling loops, retry back-offs and
/// <c>Task.Delay(delay, clock)</c> run at once in simulated time, e.g. a whole fine-tuning job against an
/// <see cref="OpenAIEmulator"/> or a <see cref="BedrockEmulator"/> sharing this clock.
/// </summary>
/// <remarks>
/// With <see cref="AutoAdvance"/> off it behaves exactly like <see cref="FakeTimeProvider"/>, and
/// <see cref="ScheduledDelays"/> lets a test wait until the code under test has started a delay before it advances
/// the clock. Do not combine auto-advance with per-call timeouts on the same clock: their timers would fire at once too.
/// A periodic timer advances the clock once per creation or change, not on every period.
/// </remarks>
public sealed class AutoAdvancingFakeTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _delays = [];

    /// <summary>Initializes a new instance of the <see cref="AutoAdvancingFakeTimeProvider"/> class starting at 2026-01-01T00:00:00Z, with auto-advance on.</summary>
    public AutoAdvancingFakeTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AutoAdvancingFakeTimeProvider"/> class starting at the given instant, with auto-advance on.</summary>
    /// <param name="startDateTime">The initial value of <see cref="FakeTimeProvider.GetUtcNow"/>.</param>
    public AutoAdvancingFakeTimeProvider(DateTimeOffset startDateTime)
        : base(startDateTime)
    {
    }

    /// <summary>Gets or sets a value indicating whether scheduling a timer moves the clock to its due time.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool AutoAdvance { get; set; } = true;

    /// <summary>Gets the due times of every timer scheduled so far, in the order they were scheduled.</summary>
    public IReadOnlyList<TimeSpan> ScheduledDelays
    {
        get
        {
            lock (_gate)
            {
                return [.. _delays];
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var wrapper = new SchedulingTimer(this, timer);
        wrapper.Change(dueTime, period);
        return wrapper;
    }

    private void Scheduled(TimeSpan dueTime)
    {
        lock (_gate)
        {
            _delays.Add(dueTime);
        }

        if (AutoAdvance)
        {
            // Off the caller's thread: the caller (Task.Delay, a PeriodicTimer) finishes wiring up the timer first.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Clock.Advance(s.Due), (Clock: this, Due: dueTime), preferLocal: false);
        }
    }

    private sealed class SchedulingTimer(AutoAdvancingFakeTimeProvider clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (changed && dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Scheduled(dueTime);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
