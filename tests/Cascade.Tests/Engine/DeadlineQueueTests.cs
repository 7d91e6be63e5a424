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
