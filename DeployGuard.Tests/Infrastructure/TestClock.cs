namespace DeployGuard.Tests.Infrastructure;

/// <summary>
/// A clock the test moves by hand (expiry, last-seen resolution, debounce timers) instead of waiting.
/// Timers created through it (Task.Delay(delay, clock), PeriodicTimer ...) fire inside <see cref="Advance"/>.
/// </summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public TestClock()
        : this(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>When the armed timers fall due, earliest first (lets a test wait until a handler has armed its timer).</summary>
    public IReadOnlyList<DateTimeOffset> PendingDueTimes
    {
        get
        {
            lock (_gate)
            {
                return [.. _timers.Select(t => t.DueAt!.Value).Order()];
            }
        }
    }

    /// <summary>Moves time forward, firing every timer that falls due on the way (in order).</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.DueAt!.Value;
                next.Rearm();
            }

            next.Fire();
        }
    }

    private sealed class ManualTimer(TestClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                clock._timers.Remove(this);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    DueAt = clock._now + dueTime;
                    clock._timers.Add(this);
                }
                else
                {
                    DueAt = null;
                }
            }

            return true;
        }

        /// <summary>Called under the clock's lock just before firing: schedule the next period or retire.</summary>
        public void Rearm()
        {
            clock._timers.Remove(this);
            if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
            {
                DueAt += _period;
                clock._timers.Add(this);
            }
            else
            {
                DueAt = null;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                DueAt = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
