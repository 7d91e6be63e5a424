namespace Cascade.Engine;

/// <summary>
/// The discrete-event kernel: a clock, the pending-event set and a run loop, nothing else (SimPy's
/// core.py is the model: pop the earliest event, advance the clock, run it). It knows nothing of
/// Kubernetes. One simulation runs on one thread; parallelism lives above it (independent runs, or
/// clusters between synchronisation points), which is what keeps a seed's run byte-identical.
/// </summary>
public sealed class Simulation
{
    private readonly EventQueue _queue;

    /// <param name="nearTicks">Where the event queue splits its heap (<see cref="EventQueue"/>); it changes no run, only its speed.</param>
    public Simulation(ulong seed, int initialEventCapacity = 1024, long nearTicks = EventQueue.DefaultNearTicks)
    {
        _queue = new EventQueue(initialEventCapacity, nearTicks);
        Random = new RandomStreams(seed);
    }

    /// <summary>Current simulated time in ticks (<see cref="SimTime"/>).</summary>
    public long Now { get; private set; }

    /// <summary>Events executed so far.</summary>
    public long EventsProcessed { get; private set; }

    public int PendingEvents => _queue.Count;

    /// <summary>Pending events in the event queue's far heap (for tests of the queue's split).</summary>
    internal int FarEvents => _queue.FarCount;

    /// <summary>Pending events on the timing wheel (for tests: it changes only the speed).</summary>
    internal int WheelEvents => _queue.WheelCount;

    /// <summary>The run's seed, split into named independent streams.</summary>
    public RandomStreams Random { get; }

    public long NextEventTime => _queue.PeekTime;

    /// <summary>When the earliest pending event <paramref name="filter"/> accepts is due (<see cref="SimTime.Never"/>: none); scans the queue, for a kernel of few events.</summary>
    public long NextEventTimeWhere(IEventFilter filter) => _queue.EarliestWhere(filter);

    public EventHandle Schedule(long delayTicks, IEventHandler handler, int kind, long arg = 0)
    {
        if (delayTicks < 0) throw new ArgumentOutOfRangeException(nameof(delayTicks), delayTicks, "an event cannot be scheduled in the past");
        int lane = _queue.FindLane(delayTicks);
        return lane >= 0 ? _queue.PushLane(lane, Now + delayTicks, handler, kind, arg) : _queue.Push(Now + delayTicks, handler, kind, arg);
    }

    /// <summary>
    /// Says that this run will schedule many events exactly <paramref name="delayTicks"/> ahead (a period, a fixed
    /// timeout): from now on they wait in a FIFO lane beside the heap (<see cref="EventQueue"/>), which is cheaper
    /// and runs them in the same order. Idempotent; only the speed changes, never what runs when.
    /// </summary>
    public void UseLane(long delayTicks)
    {
        if (delayTicks > 0) _queue.LaneFor(delayTicks);
    }

    /// <summary>
    /// Says that this run will schedule many events up to <paramref name="maxDelayTicks"/> ahead at delays that vary (a
    /// jittered period) through <see cref="ScheduleTimer"/>: they wait on a timing wheel beside the heap
    /// (<see cref="EventQueue"/>), which is cheaper and runs them in the same order. Only the first call sizes it.
    /// </summary>
    public void UseWheel(long maxDelayTicks) => _queue.UseWheel(maxDelayTicks);

    /// <summary>As <see cref="Schedule"/>, for an event that will not be cancelled: on the wheel when there is one and the delay is within it.</summary>
    public void ScheduleTimer(long delayTicks, IEventHandler handler, int kind, long arg = 0)
    {
        if (delayTicks < 0) throw new ArgumentOutOfRangeException(nameof(delayTicks), delayTicks, "an event cannot be scheduled in the past");
        if (!_queue.TryPushWheel(Now + delayTicks, handler, kind, arg)) Schedule(delayTicks, handler, kind, arg);
    }

    /// <summary>Whether events scheduled <paramref name="delayTicks"/> ahead wait in a lane (for tests: it changes only the speed).</summary>
    internal bool HasLane(long delayTicks) => _queue.FindLane(delayTicks) >= 0;

    public EventHandle ScheduleAt(long timeTicks, IEventHandler handler, int kind, long arg = 0)
    {
        if (timeTicks < Now) throw new ArgumentOutOfRangeException(nameof(timeTicks), timeTicks, $"an event cannot be scheduled in the past (now {Now})");
        return _queue.Push(timeTicks, handler, kind, arg);
    }

    /// <summary>Cancels a pending event; false if it already ran or was cancelled.</summary>
    public bool Cancel(EventHandle handle) => _queue.Cancel(handle);

    public bool IsPending(EventHandle handle) => _queue.IsPending(handle);

    /// <summary>When a pending event is due; <see cref="SimTime.Never"/> if it ran or was cancelled.</summary>
    public long TimeOf(EventHandle handle) => _queue.TimeOf(handle);

    /// <summary>When <paramref name="handle"/>'s event is due, or −1 when it is none or no longer pending.</summary>
    public long PendingAt(EventHandle handle) => !handle.IsNone && IsPending(handle) ? TimeOf(handle) : -1;

    /// <summary>
    /// Schedules the event after <paramref name="delayTicks"/> in <paramref name="handle"/>, unless the event it holds is
    /// pending no later than that: of two adds to a delaying queue (client-go util/workqueue AddAfter) the earlier stands.
    /// </summary>
    public void ScheduleNoLater(ref EventHandle handle, long delayTicks, IEventHandler handler, int kind, long arg = 0)
    {
        long pending = PendingAt(handle);
        if (pending >= 0)
        {
            if (pending <= Now + delayTicks) return;
            Cancel(handle);
        }
        handle = Schedule(delayTicks, handler, kind, arg);
    }

    /// <summary>
    /// Runs events in (time, insertion) order until the queue is empty, the next event lies after
    /// <paramref name="untilTicks"/>, or <paramref name="maxEvents"/> events have run. The clock ends
    /// at <paramref name="untilTicks"/> when the horizon was the reason to stop, so that a following
    /// call resumes from there. Returns the number of events run.
    /// </summary>
    public long Run(long untilTicks = SimTime.Never, long maxEvents = long.MaxValue)
    {
        long ran = 0;
        while (ran < maxEvents)
        {
            if (!_queue.TryPop(untilTicks, out long time, out IEventHandler handler, out int kind, out long arg))
            {
                if (untilTicks != SimTime.Never && untilTicks > Now)
                {
                    Now = untilTicks;
                    _queue.AdvanceTo(untilTicks);
                }
                break;
            }
            Now = time;
            ran++;
            handler.OnEvent(kind, arg);
        }
        EventsProcessed += ran;
        return ran;
    }
}
