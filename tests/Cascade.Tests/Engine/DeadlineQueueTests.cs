using Cascade.Engine;

namespace Cascade.Tests.Engine;

public class DeadlineQueueTests
{
    private sealed class Owner : DeadlineQueue.IOwner
    {
        public readonly Dictionary<int, long> Armed = new();
        public readonly List<(int Id, long At)> Expired = new();
        public Simulation Sim = null!;
        public Action<int>? OnExpire;
        public bool IsArmed(int id, long token) => Armed.TryGetValue(id, out long t) && t == token;
        public void OnExpired(int id, long token)
        {
            Armed.Remove(id);
            Expired.Add((id, Sim.Now));
            OnExpire?.Invoke(id);
        }
    }

    private sealed class At(Action a) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => a();
    }

    [Fact]
    public void Armed_timeouts_expire_after_their_duration_and_disarmed_ones_never_do()
    {
        var sim = new Simulation(1);
        var owner = new Owner { Sim = sim };
        var q = new DeadlineQueue(sim, 60, owner);
        owner.Armed[1] = q.Arm(1);
        sim.Schedule(10, new At(() => owner.Armed[2] = q.Arm(2)), 0);
        sim.Schedule(20, new At(() => owner.Armed[3] = q.Arm(3)), 0);
        sim.Schedule(30, new At(() => owner.Armed.Remove(2)), 0);
        sim.Run();
        Assert.Equal(new[] { (1, 60L), (3, 80L) }, owner.Expired);
    }

    [Fact]
    public void A_timeout_armed_while_others_expire_waits_its_full_duration()
    {
        var sim = new Simulation(1);
        var owner = new Owner { Sim = sim };
        var q = new DeadlineQueue(sim, 100, owner);
        owner.OnExpire = id => { if (id < 3) owner.Armed[id + 10] = q.Arm(id + 10); };
        owner.Armed[1] = q.Arm(1);
        owner.Armed[2] = q.Arm(2);
        sim.Run();
        Assert.Equal(new[] { (1, 100L), (2, 100L), (11, 200L), (12, 200L) }, owner.Expired);
    }

    [Fact]
    public void A_reused_id_is_not_expired_by_its_previous_arming()
    {
        var sim = new Simulation(1);
        var owner = new Owner { Sim = sim };
        var q = new DeadlineQueue(sim, 50, owner);
        owner.Armed[7] = q.Arm(7);
        sim.Schedule(10, new At(() => owner.Armed[7] = q.Arm(7)), 0); // re-armed: the first token is stale
        sim.Run();
        Assert.Equal(new[] { (7, 60L) }, owner.Expired);
    }
}

public class DeadlineQueueEdgeTests
{
    private sealed class Owner(Simulation sim) : DeadlineQueue.IOwner
    {
        public readonly Dictionary<int, long> Armed = new();
        public readonly List<(int Id, long At)> Expired = new();
        public bool IsArmed(int id, long token) => Armed.TryGetValue(id, out long t) && t == token;
        public void OnExpired(int id, long token)
        {
            Assert.True(Armed.Remove(id));
            Expired.Add((id, sim.Now));
        }
    }

    private sealed class At(Action a) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => a();
    }

    [Fact]
    public void A_timeout_needs_a_positive_duration()
    {
        var sim = new Simulation(1);
        var owner = new Owner(sim);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeadlineQueue(sim, 0, owner));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeadlineQueue(sim, -1, owner));
        Assert.Equal(1, new DeadlineQueue(sim, 1, owner).DurationTicks);
    }

    [Fact]
    public void Thousands_of_timeouts_armed_one_tick_apart_expire_in_order_each_after_its_full_duration()
    {
        var sim = new Simulation(1);
        var owner = new Owner(sim);
        var q = new DeadlineQueue(sim, 1_000, owner);
        var arm = new At(() => { int id = (int)sim.Now; owner.Armed[id] = q.Arm(id); });
        for (int t = 0; t < 900; t++) sim.ScheduleAt(t, arm, 0);
        // Every third is disarmed half-way, so stale entries sit among live ones across the ring's growth.
        var disarm = new At(() => owner.Armed.Remove((int)(sim.Now - 500)));
        for (int t = 0; t < 900; t += 3) sim.ScheduleAt(t + 500, disarm, 0);
        sim.Run();
        var expected = Enumerable.Range(0, 900).Where(t => t % 3 != 0).Select(t => (t, t + 1_000L)).ToArray();
        Assert.Equal(expected, owner.Expired);
        Assert.Empty(owner.Armed);
    }

    [Fact]
    public void When_the_oldest_is_disarmed_the_queue_wakes_for_the_next_one_at_its_own_deadline()
    {
        var sim = new Simulation(1);
        var owner = new Owner(sim);
        var q = new DeadlineQueue(sim, 100, owner);
        owner.Armed[1] = q.Arm(1);
        sim.Schedule(30, new At(() => owner.Armed[2] = q.Arm(2)), 0);
        sim.Schedule(50, new At(() => owner.Armed.Remove(1)), 0);
        sim.Run(untilTicks: 129);
        Assert.Empty(owner.Expired);
        sim.Run();
        Assert.Equal(new[] { (2, 130L) }, owner.Expired);
        Assert.Equal(130, sim.Now);
        // Nothing armed: the queue keeps no event alive.
        Assert.Equal(0, sim.PendingEvents);
    }
}
