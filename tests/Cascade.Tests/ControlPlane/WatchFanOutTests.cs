using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>Sending watch events costs the API servers CPU in proportion to the watchers each event reaches (docs/model.md, "Watch events").</summary>
public class WatchFanOutTests
{
    private static double FanOutCoreSeconds(int nodes, bool kubeProxy)
    {
        var sim = new Simulation(5);
        var s = ListStorm(nodes, 10, "0", kubernetesVersion: "1.35");
        s.Workloads.Clear();
        s.Cluster.Endpoints.KubeProxy = kubeProxy;
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(10));
        return cluster.Api.FanOutCoreSeconds;
    }

    [Fact]
    public void Endpoint_slice_events_sent_to_a_kube_proxy_on_every_node_cost_more_the_more_nodes_there_are()
    {
        double without = FanOutCoreSeconds(2000, kubeProxy: false);
        double with = FanOutCoreSeconds(2000, kubeProxy: true);
        double withMore = FanOutCoreSeconds(4000, kubeProxy: true);
        Assert.True(without > 0, "decoding every event from etcd costs something even without watchers");
        Assert.True(with > without, $"{with:F2} core-s with kube-proxy, {without:F2} without");
        // Twice the nodes: twice the leases (events) and twice the kube-proxies each slice event reaches.
        Assert.True(withMore > 1.8 * with, $"{withMore:F2} core-s at 4,000 nodes, {with:F2} at 2,000");
    }
}
