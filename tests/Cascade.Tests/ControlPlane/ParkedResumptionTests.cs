using Cascade.ControlPlane;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// When a replica serves again, the attempts parked clients kept to themselves go back to events in the order the
/// request path would have scheduled them: by when, then by each owner's order, then as collected. Only simultaneous
/// events are ordered by it, so a cluster run seldom shows a mistake; these owners are built to.
/// </summary>
public class ParkedResumptionTests
{
    private sealed class Owner(string name, List<string> resumed, params (long ScheduledAt, long Order)[] kept) : IParkedClients, IParkedResumer
    {
        public int Collected;

        public void CatchUp(long now, bool throughNow) { }

        public void CollectServing(List<ParkedResumption> into)
        {
            Collected++;
            for (int i = 0; i < kept.Length; i++) into.Add(new ParkedResumption(kept[i].ScheduledAt, kept[i].Order, this, i));
        }

        public void Resume(int item, long at, bool sent) => resumed.Add($"{name}{item}");
    }

    [Fact]
    public void A_replica_that_serves_again_resumes_kept_attempts_by_when_then_by_their_owners_order_then_as_collected()
    {
        var rig = new ApiServerRig(replicas: 1);
        var resumed = new List<string>();
        // Collected in the order a, b; each owner's own list out of time order, with ties in time and in order.
        var a = new Owner("a", resumed, (30, 0), (20, 5), (10, 1));
        var b = new Owner("b", resumed, (20, 5), (20, 2), (5, 9));
        rig.Api.AddParkedClients(a);
        rig.Api.AddParkedClients(b);
        rig.RunFor(1);
        rig.Api.OomKill(0, "test");
        rig.RunFor(60); // restarts 30 s later

        Assert.Equal(["b2", "a2", "b1", "a1", "b0", "a0"], resumed);
        rig.Api.OomKill(0, "again");
        rig.RunFor(60);
        // The second restart collects again and resumes them all again, in the same order: nothing left over from the first.
        Assert.Equal((2, 2), (a.Collected, b.Collected));
        Assert.Equal(["b2", "a2", "b1", "a1", "b0", "a0", "b2", "a2", "b1", "a1", "b0", "a0"], resumed);
    }
}
