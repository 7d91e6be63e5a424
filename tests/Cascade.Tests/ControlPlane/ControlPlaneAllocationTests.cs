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
