using Cascade.Engine;
using FsCheck;
using FsCheck.Fluent;

namespace Cascade.Tests.Engine;

public class EventQueueTests
{
    private sealed class Recorder : IEventHandler
    {
        public readonly List<(long Time, int Kind, long Arg)> Seen = new();
        private readonly Simulation _sim;
        public Recorder(Simulation sim) => _sim = sim;
        public void OnEvent(int kind, long arg) => Seen.Add((_sim.Now, kind, arg));
    }

    private sealed class KindFilter(IEventHandler handler, int kind) : IEventFilter
    {
        public bool Accepts(IEventHandler h, int k) => h == handler && (kind < 0 || k == kind);
    }

    [Fact]
    public void The_earliest_event_a_filter_accepts_is_found_in_either_heap_and_in_the_lanes()
    {
        // nearTicks 100: an event 50 ahead waits in the near heap, one 1,000 ahead in the far heap, one 30 ahead in a lane.
        var sim = new Simulation(1, nearTicks: 100);
        var (a, b) = (new Recorder(sim), new Recorder(sim));
        sim.UseLane(30);
        var cancelled = sim.Schedule(30, b, 9);
        sim.Schedule(1000, a, 1);
        sim.Schedule(50, b, 2);
        sim.Schedule(30, a, 3);
        sim.Schedule(2000, b, 9);
        Assert.True(sim.Cancel(cancelled));
        Assert.Equal(30, sim.NextEventTimeWhere(new KindFilter(a, -1)));
        Assert.Equal(1000, sim.NextEventTimeWhere(new KindFilter(a, 1)));
        Assert.Equal(50, sim.NextEventTimeWhere(new KindFilter(b, -1)));
        Assert.Equal(2000, sim.NextEventTimeWhere(new KindFilter(b, 9)));   // the cancelled one in the lane is not pending
        Assert.Equal(SimTime.Never, sim.NextEventTimeWhere(new KindFilter(a, 2)));
        sim.Run(untilTicks: 40);
        Assert.Equal(1000, sim.NextEventTimeWhere(new KindFilter(a, -1))); // run events are not pending either
    }

    private sealed class AnyEvent : IEventFilter
    {
        public bool Accepts(IEventHandler h, int k) => true;
    }

    [Fact]
    public void A_cancelled_event_in_a_lane_is_not_pending_for_a_filter_that_takes_anything()
    {
        var sim = new Simulation(1);
        var a = new Recorder(sim);
        sim.UseLane(20);
        Assert.True(sim.Cancel(sim.Schedule(20, a, 1)));
        sim.Schedule(30, a, 2);
        Assert.Equal(30, sim.NextEventTimeWhere(new AnyEvent()));
        Assert.Equal(SimTime.Never, new Simulation(1).NextEventTimeWhere(new AnyEvent()));
    }

    [Fact]
    public void Events_run_in_time_order_and_simultaneous_events_in_insertion_order()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.Schedule(5, r, 0, 1);
        sim.Schedule(3, r, 0, 2);
        sim.Schedule(5, r, 0, 3);
        sim.Schedule(3, r, 0, 4);
        sim.Schedule(0, r, 0, 5);
        sim.Run();
        Assert.Equal(new long[] { 5, 2, 4, 1, 3 }, r.Seen.Select(e => e.Arg));
        Assert.Equal(new long[] { 0, 3, 3, 5, 5 }, r.Seen.Select(e => e.Time));
    }

    [Fact]
    public void A_cancelled_event_never_runs_and_a_stale_handle_cancels_nothing()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        var a = sim.Schedule(10, r, 0, 1);
        sim.Schedule(20, r, 0, 2);
        Assert.True(sim.Cancel(a));
        Assert.False(sim.Cancel(a));
        // The freed slot is reused by the next event; the old handle must not reach it.
        var c = sim.Schedule(15, r, 0, 3);
        Assert.Equal(a.Slot, c.Slot);
        Assert.False(sim.IsPending(a));
        Assert.True(sim.IsPending(c));
        Assert.False(sim.Cancel(a));
        sim.Run();
        Assert.Equal(new long[] { 3, 2 }, r.Seen.Select(e => e.Arg));
        Assert.False(sim.Cancel(c));
    }

    [Fact]
    public void Run_stops_at_the_horizon_and_resumes_from_it()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.Schedule(SimTime.FromSeconds(1), r, 0, 1);
        sim.Schedule(SimTime.FromSeconds(3), r, 0, 2);
        sim.Run(untilTicks: SimTime.FromSeconds(2));
        Assert.Single(r.Seen);
        Assert.Equal(SimTime.FromSeconds(2), sim.Now);
        sim.Run();
        Assert.Equal(2, r.Seen.Count);
    }

    [Fact]
    public void Run_stops_after_the_event_budget()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        for (int i = 0; i < 10; i++) sim.Schedule(i, r, 0, i);
        Assert.Equal(4, sim.Run(maxEvents: 4));
        Assert.Equal(4, r.Seen.Count);
        Assert.Equal(6, sim.PendingEvents);
    }

    [Fact]
    public void Scheduling_in_the_past_is_refused()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.Schedule(10, r, 0);
        sim.Run();
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAt(5, r, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Schedule(-1, r, 0));
    }

    /// <summary>
    /// Any interleaving of pushes, cancels and pops pops exactly what a sorted reference list would, and knows each
    /// pending event's time, wherever the queue splits its near and far heaps (a split of 1 or 3 ticks puts most
    /// events of this script in the far heap; the default, none).
    /// </summary>
    [Theory]
    [InlineData(EventQueue.DefaultNearTicks)]
    [InlineData(1L)]
    [InlineData(3L)]
    public void The_heap_agrees_with_a_sorted_list_under_random_pushes_cancels_and_pops(long nearTicks)
    {
        var ops = Gen.Choose(0, 99).Select(x => x).ArrayOf();
        Prop.ForAll(ops.ToArbitrary(), codes =>
        {
            var q = new EventQueue(4, nearTicks);
            var handler = new Recorder(new Simulation(0));
            var reference = new List<(long Time, long Seq, EventHandle H)>();
            long seq = 0, now = 0;
            foreach (int code in codes)
            {
                if (code < 55)
                {
                    long t = now + code % 7;
                    var h = q.Push(t, handler, 0, seq);
                    reference.Add((t, seq++, h));
                }
                else if (code < 75 && reference.Count > 0)
                {
                    var victim = reference[code % reference.Count];
                    if (!q.Cancel(victim.H)) return false;
                    reference.Remove(victim);
                }
                else if (reference.Count > 0)
                {
                    var expected = reference.OrderBy(e => e.Time).ThenBy(e => e.Seq).First();
                    if (!q.TryPop(out long time, out _, out _, out long arg)) return false;
                    if (time != expected.Time || arg != expected.Seq) return false;
                    reference.Remove(expected);
                    now = time;
                }
                if (q.Count != reference.Count) return false;
                foreach (var e in reference)
                    if (q.TimeOf(e.H) != e.Time) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    // Fires, logs, and sometimes schedules a follow-up at one of the lanes' delays.
    private sealed class Chain : IEventHandler
    {
        public readonly List<(long Time, long Arg)> Log = new();
        public Simulation Sim = null!;
        public void OnEvent(int kind, long arg)
        {
            Log.Add((Sim.Now, arg));
            if (arg % 3 == 0 && arg < 1_000_000) Sim.Schedule(arg % 2 == 0 ? 3 : 5, this, 0, arg + 1_000_000);
        }
    }

    /// <summary>
    /// FIFO lanes are only a faster container: with lanes for some fixed delays, any script of schedules (at those
    /// delays and others), cancels and partial runs, including events that schedule more, runs the same events at the
    /// same times in the same order as the heap alone, and agrees on what is pending. With many lanes, which lane's
    /// head is earliest changes often, which is what the queue's memory of the earliest lane must follow.
    /// </summary>
    [Theory]
    [InlineData(new long[] { 3, 5 })]
    [InlineData(new long[] { 1, 3, 5, 7, 12 })]
    public void Lanes_for_fixed_delays_run_exactly_what_the_heap_alone_runs(long[] lanes)
    {
        var ops = Gen.Choose(0, 99).ArrayOf();
        Prop.ForAll(ops.ToArbitrary(), codes =>
        {
            var plain = new Chain { Sim = new Simulation(0) };
            var laned = new Chain { Sim = new Simulation(0) };
            foreach (long d in lanes) laned.Sim.UseLane(d);
            laned.Sim.UseLane(0);   // delay 0 is not a lane (ignored)
            return RunAlike(plain, laned, codes, [3, 5, 3, 5, 1, 7, 0, 12]);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// Plays one script on two simulations, checking after each step that they agree on what is pending and when the
    /// next event is due, and at the end that they ran the same events at the same times: codes below 50 schedule at
    /// one of <paramref name="delays"/>, below 60 at a time (never a lane), below 75 cancel an earlier event, the rest
    /// run a few ticks. <paramref name="afterStep"/> may check more, and fail the script.
    /// </summary>
    private static bool RunAlike(Chain a, Chain b, int[] codes, long[] delays, Func<bool>? afterStep = null)
    {
        var handles = new List<(EventHandle A, EventHandle B)>();
        long id = 0;
        foreach (int code in codes)
        {
            if (code < 50)
            {
                long d = delays[code % delays.Length];
                handles.Add((a.Sim.Schedule(d, a, 0, id), b.Sim.Schedule(d, b, 0, id)));
                id++;
            }
            else if (code < 60)
            {
                long at = a.Sim.Now + code % 9;
                handles.Add((a.Sim.ScheduleAt(at, a, 0, id), b.Sim.ScheduleAt(at, b, 0, id)));
                id++;
            }
            else if (code < 75 && handles.Count > 0)
            {
                var (x, y) = handles[code % handles.Count];
                if (a.Sim.Cancel(x) != b.Sim.Cancel(y)) return false;
            }
            else
            {
                long until = a.Sim.Now + code % 6;
                if (a.Sim.Run(until) != b.Sim.Run(until)) return false;
            }
            if (afterStep is not null && !afterStep()) return false;
            if (a.Sim.PendingEvents != b.Sim.PendingEvents || a.Sim.NextEventTime != b.Sim.NextEventTime) return false;
            foreach (var (x, y) in handles)
                if (a.Sim.IsPending(x) != b.Sim.IsPending(y) || a.Sim.TimeOf(x) != b.Sim.TimeOf(y)) return false;
        }
        a.Sim.Run();
        b.Sim.Run();
        return a.Log.SequenceEqual(b.Log) && b.Sim.PendingEvents == 0;
    }

    [Fact]
    public void Splitting_the_heap_into_near_and_far_runs_exactly_what_one_heap_runs()
    {
        var ops = Gen.Choose(0, 99).ArrayOf();
        long farUsed = 0;
        Prop.ForAll(ops.ToArbitrary(), codes =>
        {
            var one = new Chain { Sim = new Simulation(0, nearTicks: long.MaxValue) };
            var split = new Chain { Sim = new Simulation(0, nearTicks: 4) };
            one.Sim.UseLane(5);
            split.Sim.UseLane(5);
            return RunAlike(one, split, codes, [3, 5, 1, 7, 0, 12, 2, 30], () =>
            {
                farUsed += split.Sim.FarEvents;
                return one.Sim.FarEvents == 0;
            });
        }).QuickCheckThrowOnFailure();
        Assert.True(farUsed > 0, "no event ever waited in the far heap: the split was not exercised");
    }

    [Fact]
    public void An_event_due_past_the_split_waits_in_the_far_heap_and_runs_in_its_turn()
    {
        var sim = new Simulation(0, nearTicks: 10);
        var r = new Recorder(sim);
        sim.Schedule(25, r, 1, 1);      // far
        sim.Schedule(9, r, 2, 2);       // near
        sim.Schedule(25, r, 3, 3);      // far, after the first at the same time
        Assert.Equal(2, sim.FarEvents);
        sim.Run(20);                    // the near one ran; from t = 20 a delay of 5 is near
        sim.Schedule(5, r, 4, 4);       // near, at 25 too: after both far ones, which were scheduled before it
        Assert.Equal(2, sim.FarEvents);
        sim.Run();
        Assert.Equal([(9L, 2, 2L), (25L, 1, 1L), (25L, 3, 3L), (25L, 4, 4L)], r.Seen);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventQueue(4, 0));
    }

    /// <summary>
    /// A lane event's handle names its lane and its place in the lane's order, whatever the ring's size: with hundreds
    /// of events waiting, so that the ring grows while it wraps, cancelling, asking after and running events by their
    /// handles does exactly what one heap does with the same script.
    /// </summary>
    [Fact]
    public void Lane_handles_stay_true_while_the_ring_grows_and_wraps()
    {
        var plain = new Chain { Sim = new Simulation(0) };
        var laned = new Chain { Sim = new Simulation(0) };
        laned.Sim.UseLane(10);
        var rng = new Random(7);
        var handles = new List<(EventHandle Plain, EventHandle Laned)>();
        long id = 1_000_001;   // odd and past the chain's follow-ups: no follow-up events
        for (int step = 0; step < 40; step++)
        {
            for (int i = 0; i < 30 + step * 3; i++, id += 2)
                handles.Add((plain.Sim.Schedule(10, plain, 0, id), laned.Sim.Schedule(10, laned, 0, id)));
            for (int c = 0; c < 25; c++)
            {
                var (p, l) = handles[rng.Next(handles.Count)];
                Assert.Equal(plain.Sim.IsPending(p), laned.Sim.IsPending(l));
                Assert.Equal(plain.Sim.Cancel(p), laned.Sim.Cancel(l));
                Assert.False(laned.Sim.IsPending(l));
            }
            foreach (var (p, l) in handles.TakeLast(40))
                Assert.Equal(plain.Sim.TimeOf(p), laned.Sim.TimeOf(l));
            Assert.Equal(plain.Sim.Run(plain.Sim.Now + 1 + step % 3), laned.Sim.Run(laned.Sim.Now + 1 + step % 3));
            Assert.Equal(plain.Sim.PendingEvents, laned.Sim.PendingEvents);
        }
        Assert.True(laned.Sim.PendingEvents > 256, "the ring never had to grow");
        plain.Sim.Run();
        laned.Sim.Run();
        Assert.Equal(plain.Log, laned.Log);
        Assert.All(handles, h => Assert.False(laned.Sim.IsPending(h.Laned)));
    }

    [Fact]
    public void A_lane_handle_keeps_its_lane_and_place_below_two_to_the_57th_and_is_never_none_or_a_slot()
    {
        long[] places = [0, 1, 255, int.MaxValue, 1L << 31, (1L << 32) - 1, 1L << 32, (1L << 40) + 5, (1L << 57) - 1];
        for (int lane = 0; lane < EventQueue.MaxLanes; lane++)
            foreach (long k in places)
            {
                var h = EventQueue.LaneHandle(lane, k);
                Assert.Equal((lane, k), EventQueue.OfLaneHandle(h));
                Assert.False(h.IsNone);
                Assert.True(h.Slot <= -2);
            }
        Assert.True(EventHandle.None.IsNone);
    }

    /// <summary>Thousands of events at random times, some cancelled: the heaps give them back in (time, insertion) order.</summary>
    [Theory]
    [InlineData(EventQueue.DefaultNearTicks)]
    [InlineData(40L)]
    public void A_large_heap_pops_in_order_after_random_pushes_and_cancels(long nearTicks)
    {
        var q = new EventQueue(4, nearTicks);
        var handler = new Recorder(new Simulation(0));
        var rng = new Random(11);
        var pending = new List<(long Time, long Seq, EventHandle H)>();
        for (long seq = 0; seq < 3000; seq++)
        {
            long t = rng.Next(0, 200);
            pending.Add((t, seq, q.Push(t, handler, 0, seq)));
        }
        foreach (var victim in pending.Where((_, i) => i % 3 == 1).ToList())
        {
            Assert.True(q.Cancel(victim.H));
            pending.Remove(victim);
        }
        foreach (var e in pending.OrderBy(e => e.Time).ThenBy(e => e.Seq))
        {
            Assert.True(q.TryPop(out long time, out _, out _, out long arg));
            Assert.Equal((e.Time, e.Seq), (time, arg));
        }
        Assert.False(q.TryPop(out _, out _, out _, out _));
    }

    /// <summary>A handle naming the first slot never used (as a stale handle could, after the table grows) is no event's.</summary>
    [Fact]
    public void A_handle_to_the_first_unused_slot_is_not_pending_and_cancels_nothing()
    {
        var sim = new Simulation(0);
        var r = new Recorder(sim);
        var h = sim.Schedule(7, r, 1, 1);
        var next = new EventHandle(h.Slot + 1, 0);
        Assert.False(sim.IsPending(next));
        Assert.False(sim.Cancel(next));
        Assert.True(sim.IsPending(h));
        sim.Run();
        Assert.Equal([(7L, 1, 1L)], r.Seen);
    }

    [Fact]
    public void A_lane_event_runs_with_its_own_kind_and_argument()
    {
        var sim = new Simulation(0);
        var r = new Recorder(sim);
        sim.UseLane(10);
        for (int i = 0; i < 300; i++) sim.Schedule(10, r, i % 7, 1000L * i + 3);   // lane
        sim.Schedule(10, r, 99, -5);                                                 // lane, after the others
        sim.ScheduleAt(10, r, 42, -6);                                               // the heap's, same time, last
        sim.Run();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (i % 7, 1000L * i + 3)).Append((99, -5L)).Append((42, -6L)),
            r.Seen.Select(e => (e.Kind, e.Arg)));
    }

    [Fact]
    public void A_lane_whose_delay_shares_another_lanes_hash_is_found_past_it_and_its_events_keep_their_order()
    {
        const long first = 3;
        long second = Enumerable.Range(4, 1_000_000).Select(d => (long)d).First(d => EventQueue.LaneHash(d) == EventQueue.LaneHash(first));
        var q = new EventQueue();
        Assert.Equal(0, q.LaneFor(first));
        Assert.Equal(1, q.LaneFor(second));
        Assert.Equal(0, q.FindLane(first));
        Assert.Equal(1, q.FindLane(second));    // in the entry after the first's
        Assert.Equal(-1, q.FindLane(first + 1));
        Assert.Equal(-1, q.FindLane(second + 1));

        var plain = new Chain { Sim = new Simulation(0) };
        var laned = new Chain { Sim = new Simulation(0) };
        laned.Sim.UseLane(first);
        laned.Sim.UseLane(second);
        for (int i = 0; i < 200; i++)
        {
            long d = i % 3 == 0 ? first : i % 3 == 1 ? second : i % 5;
            plain.Sim.Schedule(d, plain, 0, i);
            laned.Sim.Schedule(d, laned, 0, i);
            if (i % 10 == 9)
            {
                plain.Sim.Run(plain.Sim.Now + 2);
                laned.Sim.Run(laned.Sim.Now + 2);
            }
        }
        plain.Sim.Run();
        laned.Sim.Run();
        Assert.Equal(plain.Log, laned.Log);
    }

    [Fact]
    public void A_lane_keeps_its_events_in_order_past_its_first_ring_and_a_cancelled_head_is_skipped()
    {
        var sim = new Simulation(0);
        var r = new Recorder(sim);
        sim.UseLane(10);
        var first = sim.Schedule(10, r, 0, -1);
        for (int i = 0; i < 1000; i++) sim.Schedule(10, r, 0, i);   // grows the ring past 256
        sim.Schedule(4, r, 0, 5000);                                  // the heap's, earlier
        Assert.True(sim.Cancel(first));
        Assert.Equal(1001, sim.PendingEvents);
        Assert.Equal(4, sim.NextEventTime);
        sim.Run();
        Assert.Equal(new long[] { 5000 }.Concat(Enumerable.Range(0, 1000).Select(i => (long)i)), r.Seen.Select(e => e.Arg));
        Assert.All(r.Seen.Skip(1), e => Assert.Equal(10, e.Time));
    }

    [Fact]
    public void Past_the_last_lane_a_fixed_delay_is_served_by_the_heap_in_the_same_order()
    {
        var q = new EventQueue(4);
        var h = new Recorder(new Simulation(0));
        for (int l = 0; l < EventQueue.MaxLanes; l++) Assert.Equal(l, q.LaneFor(100 + l));
        Assert.Equal(3, q.LaneFor(103));                           // a delay already laned keeps its lane
        Assert.Equal(-1, q.LaneFor(999));                          // every lane taken
        Assert.Equal(-1, q.FindLane(999));
        Assert.Equal(EventQueue.MaxLanes - 1, q.FindLane(100 + EventQueue.MaxLanes - 1));
        var inLane = q.PushLane(2, 102, h, 0, 1);
        var inHeap = q.Push(102, h, 0, 2);
        Assert.Equal(102, q.TimeOf(inLane));
        Assert.Equal(102, q.TimeOf(inHeap));
        Assert.True(q.IsPending(inLane));
        Assert.True(q.TryPop(out long t1, out _, out _, out long a1));
        Assert.True(q.TryPop(out long t2, out _, out _, out long a2));
        Assert.Equal((102L, 1L, 102L, 2L), (t1, a1, t2, a2));      // same time: insertion order, across lane and heap
        Assert.False(q.IsPending(inLane));
        Assert.Equal(SimTime.Never, q.TimeOf(inLane));
        Assert.False(q.Cancel(inLane));
        Assert.False(q.IsPending(new EventHandle(1000, 0)));       // a slot never used
        Assert.False(q.Cancel(new EventHandle(1000, 0)));
        Assert.False(q.TryPop(out _, out _, out _, out _));
    }

    [Fact]
    public void A_run_with_a_horizon_stops_before_a_later_lane_event_and_resumes_there()
    {
        var sim = new Simulation(0);
        var r = new Recorder(sim);
        sim.UseLane(10);
        sim.Schedule(10, r, 0, 1);
        sim.Schedule(25, r, 0, 2);
        Assert.Equal(1, sim.Run(untilTicks: 20));
        Assert.Equal(20, sim.Now);
        Assert.Equal(25, sim.NextEventTime);
        sim.Schedule(10, r, 0, 3);                                 // at 30, in the lane, after the heap's 25
        sim.Run();
        Assert.Equal(new long[] { 1, 2, 3 }, r.Seen.Select(e => e.Arg));
        Assert.Equal(new long[] { 10, 25, 30 }, r.Seen.Select(e => e.Time));
        Assert.Equal(3, sim.EventsProcessed);
    }

    // Fires, logs, and sometimes schedules a follow-up timer.
    private sealed class TimerChain(long[] delays) : IEventHandler
    {
        public readonly List<(long Time, int Kind, long Arg)> Log = new();
        public Simulation Sim = null!;
        public void OnEvent(int kind, long arg)
        {
            Log.Add((Sim.Now, kind, arg));
            if (arg % 3 == 0 && arg < 1_000_000) Sim.ScheduleTimer(delays[arg % delays.Length], this, kind + 1, arg + 1_000_000);
        }
    }

    /// <summary>
    /// The timing wheel is only a faster container: any script of timers (within its horizon, at it and past it),
    /// heap and lane events, cancels of those, and partial runs, including timers that schedule more, runs the same
    /// events at the same times in the same order as the heap alone, and agrees on what is pending and when the next
    /// event is due. Eight buckets make the wheel wrap round often; 256 make its bitmap span words.
    /// </summary>
    [Theory]
    [InlineData(5_000L, new long[] { 0, 1, 1023, 1024, 1500, 3000, 7000, 7167, 7168, 9000 }, 2_000)]
    [InlineData(200_000L, new long[] { 0, 5, 1024, 65_000, 66_560, 150_000, 199_000, 262_143, 270_000 }, 40_000)]
    public void A_timing_wheel_runs_exactly_what_the_heap_alone_runs(long maxDelay, long[] delays, int runTicks)
    {
        var ops = Gen.Choose(0, 99).ArrayOf();
        Prop.ForAll(ops.ToArbitrary(), codes =>
        {
            var plain = new TimerChain(delays) { Sim = new Simulation(0) };
            var wheeled = new TimerChain(delays) { Sim = new Simulation(0) };
            wheeled.Sim.UseWheel(maxDelay);
            wheeled.Sim.UseLane(5);
            var handles = new List<(EventHandle A, EventHandle B)>();
            long id = 0;
            foreach (int code in codes)
            {
                if (code < 40)
                {
                    long d = delays[code % delays.Length];
                    plain.Sim.ScheduleTimer(d, plain, 0, id);
                    wheeled.Sim.ScheduleTimer(d, wheeled, 0, id);
                    id++;
                }
                else if (code < 55)
                {
                    long d = code % 2 == 0 ? 5 : code * 37 % 5_000;
                    handles.Add((plain.Sim.Schedule(d, plain, 9, id), wheeled.Sim.Schedule(d, wheeled, 9, id)));
                    id++;
                }
                else if (code < 65 && handles.Count > 0)
                {
                    var (x, y) = handles[code % handles.Count];
                    if (plain.Sim.Cancel(x) != wheeled.Sim.Cancel(y)) return false;
                }
                else
                {
                    long until = plain.Sim.Now + (code * 7919 % runTicks);
                    if (plain.Sim.Run(until) != wheeled.Sim.Run(until)) return false;
                }
                if (plain.Sim.PendingEvents != wheeled.Sim.PendingEvents || plain.Sim.NextEventTime != wheeled.Sim.NextEventTime) return false;
            }
            plain.Sim.Run();
            wheeled.Sim.Run();
            return plain.Log.SequenceEqual(wheeled.Log) && wheeled.Sim.PendingEvents == 0;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_timer_is_found_by_a_filter_and_one_past_the_wheels_horizon_waits_in_the_heap()
    {
        var sim = new Simulation(0);
        sim.UseWheel(5_000);   // eight buckets of 1,024 ticks: a horizon of 7,168
        var r = new Recorder(sim);
        sim.ScheduleTimer(7_167, r, 1, 10);
        Assert.Equal(1, sim.WheelEvents);
        sim.ScheduleTimer(7_168, r, 2, 20);
        Assert.Equal(1, sim.WheelEvents);                     // past the horizon: the heap
        sim.ScheduleTimer(3_000, r, 3, 30);
        Assert.Equal((2, 3), (sim.WheelEvents, sim.PendingEvents));
        Assert.Equal(3_000, sim.NextEventTime);
        Assert.Equal(7_167, sim.NextEventTimeWhere(new KindFilter(r, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleTimer(-1, r, 4, 40));
        sim.UseWheel(100);                                    // a second call keeps the first wheel and what waits on it
        sim.Run();
        Assert.Equal([(3_000L, 3, 30L), (7_167L, 1, 10L), (7_168L, 2, 20L)], r.Seen);

        // The horizon is counted from now, not from zero.
        sim.Run(untilTicks: 50_000);
        sim.ScheduleTimer(7_167, r, 5, 50);
        sim.ScheduleTimer(7_168, r, 6, 60);
        Assert.Equal((1, 2), (sim.WheelEvents, sim.PendingEvents));
        sim.Run();
        Assert.Equal([(57_167L, 5, 50L), (57_168L, 6, 60L)], r.Seen.Skip(3));
    }

    [Fact]
    public void A_wheel_holding_more_timers_than_its_first_entries_runs_them_all_in_order()
    {
        // 1,000 timers pending at once (the wheel starts with 256 entries), scheduled out of order.
        var sim = new Simulation(0);
        sim.UseWheel(20_000);
        var r = new Recorder(sim);
        var delays = Enumerable.Range(0, 1_000).Select(i => (long)(i * 7_919 % 19_000)).ToList();
        for (int i = 0; i < delays.Count; i++) sim.ScheduleTimer(delays[i], r, 0, i);
        Assert.Equal(1_000, sim.WheelEvents);
        sim.Run();
        var expected = Enumerable.Range(0, 1_000).OrderBy(i => delays[i]).ThenBy(i => i).Select(i => (delays[i], 0, (long)i));
        Assert.Equal(expected, r.Seen);
    }
}
