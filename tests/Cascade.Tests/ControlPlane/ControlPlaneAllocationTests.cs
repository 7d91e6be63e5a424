using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

public class ControlPlaneAllocationTests
{
    [Fact]
    public void A_running_clusters_leases_watches_reflectors_and_probes_allocate_nothing_per_event()
    {
        // 1,000 nodes at 1.35: kubelets renewing leases, every informer re-watching as its watch times out,
        // liveness probes, the agent's LISTs from the watch cache; no failure, so no timeline text.
        var sim = new Simulation(11);
        var s = ListStorm(1000, 60, kubernetesVersion: "1.35");
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(12)); // warm up: pools and arrays grown, every watch re-opened once

        long eventsBefore = sim.EventsProcessed;
        long before = GC.GetAllocatedBytesForCurrentThread();
        sim.Run(untilTicks: SimTime.FromMinutes(24));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long events = sim.EventsProcessed - eventsBefore;

        Assert.True(events > 200_000, $"only {events} events");
        // What remains is the time series growing by one row per 10 s bucket, not per event: under a byte an event.
        Assert.True(allocated < events, $"{allocated:N0} bytes allocated over {events:N0} events");
    }
}
