using Cascade.ControlPlane;
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_write_after_watchers_open_costs_their_sending_though_the_write_before_it_was_alike(bool closedForm)
    {
        // Twin rigs send the same write twice, one second apart, with one watcher of its resource open throughout.
        // Between the writes, five more open: watching every object (the second write is sent to them), or another
        // object each (it is handed to them, and they drop it). Either way the second write costs its replica more.
        double FanOut(int watchKey, int watchers)
        {
            var rig = new ApiServerRig(closedFormLeases: closedForm);
            Assert.False(rig.Once(rig.Call("watch"), rig.Client()).Watch.IsNone);
            var write = rig.Call("update");
            var client = rig.Client();
            rig.Once(write, client);
            rig.RunFor(1);
            double first = rig.Api.FanOutCoreSeconds;
            for (int i = 0; i < watchers; i++) Assert.False(rig.Once(rig.Call("watch", watchKey: watchKey), rig.Client()).Watch.IsNone);
            rig.RunFor(1);
            double before = rig.Api.FanOutCoreSeconds;
            Assert.Equal(first, before);
            rig.Once(write, client);
            rig.RunFor(5);
            return rig.Api.FanOutCoreSeconds - before;
        }
        double alike = FanOut(0, 0), heard = FanOut(0, 5), handed = FanOut(7, 5);
        Assert.True(alike > 0, "the write costs something");
        Assert.True(heard > handed && handed > alike, $"core-µs: {alike * 1e6:F2} alone, {handed * 1e6:F2} handed to five more, {heard * 1e6:F2} heard by them");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_write_after_watchers_close_costs_less_though_the_write_before_it_was_alike(bool closedForm)
    {
        // The same write twice, one second apart; between them, five of its six watchers close. The second write is
        // sent to one watcher, not six: the work kept from the first (ApiServerSet.FanOut) must not be reused.
        var rig = new ApiServerRig(closedFormLeases: closedForm);
        var watches = Enumerable.Range(0, 6).Select(_ => rig.Once(rig.Call("watch"), rig.Client()).Watch).ToList();
        Assert.All(watches, w => Assert.False(w.IsNone));
        var write = rig.Call("update");
        var client = rig.Client();
        rig.Once(write, client);
        rig.RunFor(5);
        double first = rig.Api.FanOutCoreSeconds;
        foreach (var w in watches.Skip(1)) rig.Api.CloseWatch(w);
        rig.RunFor(1);
        double before = rig.Api.FanOutCoreSeconds;
        rig.Once(write, client);
        rig.RunFor(5);
        double second = rig.Api.FanOutCoreSeconds - before;
        Assert.True(second > 0 && second < first, $"core-µs: {first * 1e6:F2} sent to six, {second * 1e6:F2} to one");
    }
}
