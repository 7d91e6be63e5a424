using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// kube-proxy on every node: one EndpointSlice informer each, as kube-system/kube-proxy through its own 5 QPS / 10
/// burst client; watches re-opened over the first 10 s; a node added lists, a node removed stops; without
/// kube-proxy every node sees every change at once.
/// </summary>
public class KubeProxyTests
{
    private static List<Cascade.ControlPlane.Informer> Proxies(SmallCluster c) =>
        c.Cluster.Api.Informers.Where(i => i.Calls.List.Name.StartsWith("kube-proxy endpointslices", StringComparison.Ordinal)).ToList();

    [Fact]
    public void Each_node_has_a_kube_proxy_watching_endpointslices_as_kube_system_kube_proxy_through_its_own_client()
    {
        var c = new SmallCluster();
        var proxies = Proxies(c);
        Assert.Equal(6, proxies.Count);
        Assert.All(proxies, p => Assert.Equal("endpointslices", p.Calls.Watch.Resource.Name));
        var apf = c.Cluster.Api.Config.Apf;
        Assert.All(proxies, p => Assert.Equal("kube-system-service-accounts", apf.FlowSchemas[p.Calls.Watch.Classification.FlowSchema].Name));
        Assert.Equal(6, proxies.Select(p => p.Client).Distinct().Count());
        long now = c.Sim.Now;
        var client = proxies[0].Client;
        for (int k = 0; k < 10; k++) Assert.Equal(0, client.ReserveToken(now));
        Assert.Equal(SimTime.FromMilliseconds(200), client.ReserveToken(now));   // then 5 a second
    }

    [Fact]
    public void The_watches_reopen_spread_over_the_first_10_seconds()
    {
        var c = new SmallCluster();
        var kp = c.Dp.KubeProxies;
        c.RunTo(0.01);
        int early = kp.Watching;
        c.RunTo(5);
        int middle = kp.Watching;
        c.RunTo(10.5);
        Assert.True(early < 6 && middle > early && middle < 6, $"{early}, {middle}");
        Assert.Equal(6, kp.Watching);
    }

    [Fact]
    public void A_node_added_lists_and_watches_and_a_node_removed_stops_and_drops_out_of_the_oldest_view()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        var kp = c.Dp.KubeProxies;
        var proxies = Proxies(c);
        Assert.Equal(8, proxies.Count);
        c.RunTo(30);
        Assert.Equal(6, kp.Watching);
        Assert.Equal(long.MaxValue, kp.OldestView);   // every node of the moment watches
        kp.AddNode(6);
        c.RunTo(40);
        Assert.Equal(7, kp.Watching);
        Assert.Equal(1, proxies[6].Lists);
        kp.SetPartitioned(2, true);
        Assert.Equal(c.Sim.Now, kp.OldestView);   // cut off now: seen up to now
        long cut = c.Sim.Now;
        c.RunTo(50);
        Assert.Equal(cut, kp.OldestView);
        Assert.Equal(cut, kp.SeenAt(2));
        Assert.Equal(c.Sim.Now, kp.SeenAt(1));
        kp.RemoveNode(2);
        Assert.Equal(long.MaxValue, kp.OldestView);   // a node gone is nobody's view
        Assert.Equal(6, kp.Watching);
    }

    [Fact]
    public void Without_kube_proxy_every_node_sees_every_change_at_once()
    {
        var c = new SmallCluster("cluster.endpoints.kubeProxy=false", "remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        var kp = c.Dp.KubeProxies;
        Assert.Empty(Proxies(c));
        c.RunTo(30);
        kp.SetPartitioned(1, true);
        kp.AddNode(6);
        kp.RemoveNode(5);
        c.RunTo(40);
        Assert.Equal(c.Sim.Now, kp.SeenAt(1));
        Assert.Equal(long.MaxValue, kp.OldestView);
        Assert.Equal(8, kp.Watching);
    }

    [Fact]
    public void Watching_is_the_count_of_informers_watching_through_outages_partitions_and_nodes_coming_and_going()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        var kp = c.Dp.KubeProxies;
        var proxies = Proxies(c);
        int seenBelow = 6;
        for (int step = 0; step < 240; step++)
        {
            if (step == 20) c.ApiOutage(40, 0, 1);
            if (step == 90) kp.SetPartitioned(3, true);
            if (step == 120) kp.AddNode(6);
            if (step == 150) kp.SetPartitioned(3, false);
            if (step == 180) kp.RemoveNode(1);
            c.RunTo(c.Now + 0.7);
            Assert.Equal(proxies.Count(p => p.IsWatching), kp.Watching);
            seenBelow = Math.Min(seenBelow, kp.Watching);
        }
        Assert.Equal(0, seenBelow);   // the outage closed every watch
        Assert.Equal(6, kp.Watching);   // 7 nodes of the moment after one added, less the one removed
    }
}
