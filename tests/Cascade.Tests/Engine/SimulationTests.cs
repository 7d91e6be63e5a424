using Cascade.Engine;

namespace Cascade.Tests.Engine;

public class SimulationTests
{
    private sealed class Recorder(Simulation sim) : IEventHandler
    {
        public readonly List<(long Time, long Arg)> Seen = new();
        public void OnEvent(int kind, long arg) => Seen.Add((sim.Now, arg));
    }

    [Fact]
    public void An_event_may_be_scheduled_for_now_but_not_a_tick_before()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.Schedule(7, r, 0, 1);
        sim.Run();
        sim.ScheduleAt(7, r, 0, 2);
        sim.Schedule(0, r, 0, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAt(6, r, 0));
        sim.Run();
        Assert.Equal(new[] { (7L, 1L), (7L, 2L), (7L, 3L) }, r.Seen);
    }

    [Fact]
    public void The_clock_events_run_and_pending_count_are_kept_across_runs()
    {
        var sim = new Simulation(1, initialEventCapacity: 2);
        var r = new Recorder(sim);
        Assert.Equal(SimTime.Never, sim.NextEventTime);
        for (int i = 1; i <= 5; i++) sim.Schedule(i * 10, r, 0, i);
        Assert.Equal(5, sim.PendingEvents);
        Assert.Equal(10, sim.NextEventTime);
        Assert.Equal(2, sim.Run(untilTicks: 25));
        Assert.Equal(25, sim.Now);
        Assert.Equal(2, sim.EventsProcessed);
        Assert.Equal(30, sim.NextEventTime);
        Assert.Equal(3, sim.Run());
        Assert.Equal(5, sim.EventsProcessed);
        Assert.Equal(50, sim.Now);
        Assert.Equal(0, sim.PendingEvents);
    }

    [Fact]
    public void A_horizon_behind_the_clock_never_moves_it_back_and_an_empty_run_to_a_horizon_moves_it_there()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.Run(untilTicks: 100);
        Assert.Equal(100, sim.Now);
        sim.Run(untilTicks: 40);
        Assert.Equal(100, sim.Now);
        sim.Run();
        Assert.Equal(100, sim.Now);
        sim.Schedule(10, r, 0, 1);
        Assert.Equal(0, sim.Run(untilTicks: 109));
        Assert.Equal(109, sim.Now);
        Assert.Equal(1, sim.Run(untilTicks: 110));   // an event exactly at the horizon runs
        Assert.Equal(110, sim.Now);
    }

    [Fact]
    public void A_pending_event_is_pending_until_it_runs_or_is_cancelled()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        var a = sim.Schedule(5, r, 0, 1);
        var b = sim.Schedule(6, r, 0, 2);
        Assert.True(sim.IsPending(a));
        Assert.True(sim.Cancel(b));
        Assert.False(sim.IsPending(b));
        sim.Run();
        Assert.False(sim.IsPending(a));
        Assert.False(sim.IsPending(EventHandle.None));
    }

    [Fact]
    public void Of_two_delayed_adds_the_earlier_stands_and_a_fired_or_cancelled_one_is_no_longer_pending()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        var h = EventHandle.None;
        Assert.Equal(-1, sim.PendingAt(h));
        sim.ScheduleNoLater(ref h, 10, r, 0, 1);
        Assert.Equal(10, sim.PendingAt(h));
        sim.ScheduleNoLater(ref h, 20, r, 0, 2);   // later: the pending one stands
        sim.ScheduleNoLater(ref h, 10, r, 0, 3);   // as late: it stands too
        Assert.Equal(10, sim.PendingAt(h));
        sim.ScheduleNoLater(ref h, 4, r, 0, 4);    // earlier: it replaces the pending one
        Assert.Equal(4, sim.PendingAt(h));
        sim.Run();
        Assert.Equal(new[] { (4L, 4L) }, r.Seen);
        Assert.Equal(-1, sim.PendingAt(h));
        sim.ScheduleNoLater(ref h, 50, r, 0, 5);   // the old one ran: a new one is scheduled
        Assert.Equal(54, sim.PendingAt(h));
        Assert.True(sim.Cancel(h));
        Assert.Equal(-1, sim.PendingAt(h));
    }

    [Fact]
    public void A_lane_for_no_delay_or_a_negative_one_is_not_made_and_changes_nothing()
    {
        var sim = new Simulation(1);
        var r = new Recorder(sim);
        sim.UseLane(0);
        sim.UseLane(-5);
        sim.UseLane(10);
        sim.UseLane(10);
        sim.Schedule(10, r, 0, 1);
        sim.Schedule(0, r, 0, 2);
        sim.Schedule(10, r, 0, 3);
        sim.Schedule(0, r, 0, 4);
        sim.Run();
        Assert.Equal(new[] { (0L, 2L), (0L, 4L), (10L, 1L), (10L, 3L) }, r.Seen);
    }

    [Fact]
    public void The_run_seed_names_its_random_streams()
    {
        Assert.Equal(77UL, new Simulation(77).Random.Seed);
        Assert.Equal(new RandomStreams(77).Stream("x").NextUInt64(), new Simulation(77).Random.Stream("x").NextUInt64());
    }

    [Fact]
    public void Sim_time_converts_units_with_rounding_to_the_nearest_tick()
    {
        Assert.Equal(1_500_000, SimTime.FromSeconds(1.5));
        Assert.Equal(1, SimTime.FromSeconds(0.6e-6));
        Assert.Equal(2_500, SimTime.FromMilliseconds(2.5));
        Assert.Equal(90_000_000, SimTime.FromMinutes(1.5));
        Assert.Equal(2.5, SimTime.ToSeconds(2_500_000));
        Assert.Equal(1.5, SimTime.ToMinutes(90_000_000));
        Assert.Equal(3_600_000_000, SimTime.TicksPerHour);
    }
}
