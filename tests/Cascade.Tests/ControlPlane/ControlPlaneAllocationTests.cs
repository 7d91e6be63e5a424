using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

public class ControlPlaneAllocationTests
{
    [Theory]
    [InlineData(false, 200_000)]
    [InlineData(true, 100_000)]
    public void A_running_clusters_leases_watches_reflectors_and_probes_allocate_nothing_per_event(bool closedFormLeases, long minimumEvents)
    {
        // 1,000 nodes at 1.35: kubelets renewing leases (on the request path, or in closed form while the control plane
        // is quiet), every informer re-watching as its watch times out, liveness probes, the agent's LISTs from the
        // watch cache; no failure, so no timeline text.
        var sim = new Simulation(11);
        var s = ListStorm(1000, 60, kubernetesVersion: "1.35");
        s.Cluster.ApiServer.ClosedFormLeases = closedFormLeases;
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(12)); // warm up: pools and arrays grown, every watch re-opened once

        long eventsBefore = sim.EventsProcessed;
        long before = GC.GetAllocatedBytesForCurrentThread();
        sim.Run(untilTicks: SimTime.FromMinutes(24));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long events = sim.EventsProcessed - eventsBefore;

        Assert.True(events > minimumEvents, $"only {events} events");
        // What remains is the time series growing by one row per 10 s bucket, not per event: about 2 kB a bucket
        // either way (156,784 bytes over these 72), where a byte an event would be 100,000 or more.
        long buckets = (long)(12 * 60 / ApiServerMetrics.BucketSeconds);
        Assert.True(allocated < 3_000 * buckets, $"{allocated:N0} bytes allocated over {events:N0} events, {buckets} buckets");
    }
}

public class ReplicaRestartAllocationTests
{
    [Fact]
    public void A_replica_coming_back_resumes_its_parked_clients_without_allocating_for_each()
    {
        // 1,000 nodes: every kubelet's and kube-proxy's informers and every Lease renewal park while no replica serves,
        // and go back to events, thousands at once, when one restarts. The first outage grows the buffers that resumption
        // uses; the second must reuse them.
        var sim = new Simulation(11);
        var s = ListStorm(1000, 60, kubernetesVersion: "1.35");
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        var api = cluster.Api;
        long t = SimTime.FromMinutes(2);
        sim.Run(untilTicks: t);
        long Outage()
        {
            for (int r = 0; r < api.ReplicaCount; r++) api.OomKill(r, "test");
            sim.Run(untilTicks: t += SimTime.FromSeconds(20));
            int parked = api.ParkedInformers.Count;
            Assert.True(parked > 1000, $"only {parked} informers parked");
            long before = GC.GetAllocatedBytesForCurrentThread();
            sim.Run(untilTicks: t += SimTime.FromSeconds(30)); // the replicas restart (30 s after their death) within this
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, api.ParkedInformers.Count);
            sim.Run(untilTicks: t += SimTime.FromMinutes(2));
            return allocated;
        }
        long first = Outage();
        long second = Outage();
        // What remains is the restarts' timeline lines (under 8 kB); a delegate, a list entry or a sort key per resumed
        // client was half a megabyte here.
        Assert.True(second < 64_000, $"{second:N0} bytes allocated by the second outage's restarts ({first:N0} by the first)");
    }
}
