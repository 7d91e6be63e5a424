using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Xunit.Abstractions;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// Every node watches the endpoints of a Service that every node backs (docs/model.md, "Endpoints and
/// EndpointSlices"): through the Endpoints object each change sends all N endpoints to all N watchers; through
/// EndpointSlices it sends one slice of at most 100.
/// </summary>
public class EndpointsWatchTests(ITestOutputHelper output)
{
    /// <summary>A per-node agent that backs Service "node-agent" and watches its endpoints; nothing else runs.</summary>
    internal static Scenario MeshAgent(int nodes, string resource, double minutes = 20)
    {
        var s = WorkloadClientTests.Quiet(TestScenarios.ListStorm(nodes, minutes, kubernetesVersion: "1.35"));
        s.Workloads.Clear();
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "node-agent",
            Placement = Placement.PerNode,
            Service = new ServiceSpec { Name = "node-agent", EndpointChangeEvery = Duration.FromSeconds(600) },
            Informers =
            {
                new InformerSpec
                {
                    Resource = resource,
                    Selector = resource == "endpoints" ? "metadata.name=node-agent" : "kubernetes.io/service-name=node-agent",
                },
            },
        });
        return s;
    }

    /// <summary>Watch bytes the API servers sent per endpoint change, and the changes.</summary>
    internal static (double BytesPerChange, long Changes, long Bytes) Measure(int nodes, string resource)
    {
        var sim = new Simulation(3);
        var cluster = ScenarioBuilder.BuildCluster(sim, MeshAgent(nodes, resource), new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(20));
        long changes = cluster.Services[0].Changes;
        long bytes = cluster.Api.Metrics.WatchBytesSent;
        return (bytes / (double)changes, changes, bytes);
    }

    [Fact]
    public void Endpoints_watched_by_every_node_of_a_service_backed_by_every_node_cost_n_squared_bytes_a_change_and_slices_n()
    {
        var ep = new[] { 100, 200, 400 }.Select(n => Measure(n, "endpoints")).ToArray();
        var sl = new[] { 100, 200, 400 }.Select(n => Measure(n, "endpointslices")).ToArray();
        for (int i = 0; i < 3; i++)
            output.WriteLine($"N={100 << i}: endpoints {ep[i].Bytes:N0} B over {ep[i].Changes} changes ({ep[i].BytesPerChange:N0} B a change); " +
                             $"slices {sl[i].Bytes:N0} B over {sl[i].Changes} changes ({sl[i].BytesPerChange:N0} B a change)");
        for (int i = 1; i < 3; i++)
        {
            double epRatio = ep[i].BytesPerChange / ep[i - 1].BytesPerChange, slRatio = sl[i].BytesPerChange / sl[i - 1].BytesPerChange;
            // N watchers × an object of N endpoints: ×4 a doubling (a little less: the object's fixed metadata).
            Assert.InRange(epRatio, 3.6, 4.1);
            // N watchers × a slice of at most 100 endpoints: ×2 a doubling.
            Assert.InRange(slRatio, 1.8, 2.1);
        }
        Assert.True(ep[2].BytesPerChange > 3 * sl[2].BytesPerChange, "at 400 endpoints an Endpoints event is four slices' worth");
        // Per unit of time the changes grow with N too (each pod churns): Endpoints bytes grow as N³, slices as N².
        Assert.True(ep[2].Bytes > 40 * ep[0].Bytes, $"{ep[2].Bytes:N0} vs {ep[0].Bytes:N0}");
    }

    [Fact]
    public void A_watch_selecting_one_service_does_not_hear_other_services()
    {
        var sim = new Simulation(3);
        var s = MeshAgent(100, "endpoints");
        s.Workloads[0].Informers[0].Selector = "metadata.name=some-other-service";
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(20));
        Assert.True(cluster.Services[0].Changes > 50);
        Assert.Equal(0, cluster.Api.Metrics.WatchBytesSent);
    }
}
