using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The loops that replace deleted pods (the pod garbage collector, the ReplicaSet controller), a cluster without
/// kubelets, and products that discover each other through the API server, on a tiny cluster.
/// </summary>
public class ControlLoopTests
{
    private static int[] TrackedOn(SmallCluster c, int node) => Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == node).ToArray();

    [Fact]
    public void The_pod_garbage_collector_retries_a_failed_delete_of_an_orphan_on_its_next_pass_20_s_later()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        int[] tracked = TrackedOn(c, 5);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        c.Cluster.RemoveNodesFrom(5);
        c.RunTo(99.9);   // failed at 60 and at 80; back at 90, tried again at 100
        Assert.All(tracked, p => Assert.Equal((PodPhase.Lost, 0), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        c.RunTo(150);
        Assert.All(tracked, p => Assert.Equal((PodPhase.Running, 1), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        Assert.Equal(0, c.Nlc.Evictions);
    }

    [Fact]
    public void The_replicaset_controller_retries_a_failed_create_with_back_off_from_one_second()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        int[] tracked = TrackedOn(c, 5);
        var rs = c.Dp.ReplicaSets!;
        rs.Client.Blocked = true;
        c.Cluster.RemoveNodesFrom(5);
        c.RunTo(70);
        Assert.All(tracked, p => Assert.Equal((PodPhase.Gone, 0), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        Assert.Equal(0, c.Dp.Scheduler!.Pending);
        rs.Client.Blocked = false;   // the next try, 1 + 2 + 4 + 8 s after the first, lands
        c.RunTo(74.9);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Gone, c.Pods.Phase[p]));
        c.RunTo(90);
        Assert.All(tracked, p => Assert.Equal((PodPhase.Running, 1), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        Assert.All(tracked, p => Assert.True(c.Pods.ReadyInApi[p]));
    }

    [Fact]
    public void Evicted_pods_the_data_plane_only_counts_are_recreated_and_bound_to_ready_nodes()
    {
        var c = new SmallCluster("cluster.nodeLifecycle.tolerationSeconds=0s");
        c.RunTo(60);
        int others = c.Pods.OtherPods[5];
        int total = c.Pods.OtherPods.Sum();
        var rs = c.Dp.ReplicaSets!;
        rs.Client.Blocked = true;
        c.Cluster.LoseNodes(1);
        c.RunTo(140);
        Assert.Equal(0, c.Pods.OtherPods[5]);
        Assert.Equal(total - others, c.Pods.OtherPods.Sum());
        rs.Client.Blocked = false;
        c.RunTo(220);
        Assert.Equal(total, c.Pods.OtherPods.Sum());
        Assert.Equal(0, c.Pods.OtherPods[5]);
    }

    [Fact]
    public void Without_kubelets_readiness_is_written_at_once_and_nodes_come_and_go_by_count()
    {
        var c = new SmallCluster("cluster.kubelets.enabled=false", "remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        Assert.Null(c.Cluster.Kubelets);
        Assert.Null(c.Dp.NodeLifecycle);
        c.RunTo(30);
        Assert.Equal(0, c.Cluster.NodesNotReady);
        int pod = c.PodsOf("backend").First();
        long writes = c.Dp.Endpoints.Writes;
        c.Dp.Lifecycle.SetPodReady(pod, false);
        Assert.False(c.Pods.ReadyInApi[pod]);
        Assert.False(c.Pods.WantReady[pod]);
        c.Dp.Lifecycle.SetPodReady(pod, false);
        c.RunTo(31);
        Assert.Equal(writes + 1, c.Dp.Endpoints.Writes);
        Assert.Equal(new[] { -1, 0, 0 }, c.NewestEndpoints("backend"));
        var nodes = c.Cluster.Api.Resources.Find("nodes")!;
        long before = nodes.Count;
        Assert.Equal(2, c.Cluster.AddNodes(8));
        Assert.Equal(before + 2, nodes.Count);
        Assert.Equal("2 added nodes registered in 0.0 s; 8 nodes", Assert.Single(c.Notes("nodes")).Message);
        Assert.Equal(5, c.Cluster.RemoveNodesFrom(3));
        Assert.Equal(3, nodes.Count);
        Assert.Equal(3, c.Cluster.ActiveNodes);
        Assert.Equal(0, c.Cluster.RemoveNodesFrom(3));
    }

    [Fact]
    public void Products_discovering_through_the_api_server_read_the_endpoints_once_per_cache_ttl_and_fail_when_cut_off()
    {
        var c = new SmallCluster("cluster.dns.discovery=api");
        var caches = c.Dp.Caches;
        c.RunTo(350);
        Assert.InRange(caches.UpstreamQueries, 3 * 9, 3 * 11);   // three pods, one name, every 35 s
        Assert.Equal(0, caches.FailedUpstreamQueries);
        Assert.Equal(0, c.Dp.CoreDns!.QueriesPerSecond);
        int backend = c.Service("backend");
        int web5 = c.PodsOf("web").Single(p => c.Pods.Node[p] == 5);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(120));   // until 470 s
        c.RunTo(400);
        Assert.Equal(1, caches.LookupFailure(web5, backend));
        Assert.All(c.PodsOf("web").Where(p => p != web5), p => Assert.Equal(0, caches.LookupFailure(p, backend)));
        Assert.True(caches.FailedUpstreamQueries > 0);
        Assert.NotNull(c.Dp.KubeDns.DnsFailureAtSeconds);
        c.RunTo(500);
        Assert.All(c.PodsOf("web"), p => Assert.Equal(0, caches.LookupFailure(p, backend)));
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(600), "test");
        c.RunTo(540);
        Assert.All(c.PodsOf("web"), p => Assert.Equal(1, caches.LookupFailure(p, backend)));
        long failed = caches.FailedUpstreamQueries;
        c.RunTo(600);
        Assert.InRange(caches.FailedUpstreamQueries - failed, 3 * 59, 3 * 60);   // each asks again a second after failing
        Assert.Equal(1, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
    }

    [Fact]
    public void A_product_pod_recreated_gets_empty_caches_that_fill_from_coredns()
    {
        var c = new SmallCluster("cluster.dns.clientCache.ttl=30s", "cluster.nodeLifecycle.tolerationSeconds=0s");
        c.RunTo(60);
        int web5 = c.PodsOf("web").Single(p => c.Pods.Node[p] == 5);
        c.Cluster.LoseNodes(1);
        Assert.NotNull(c.RunUntil(() => c.Pods.Phase[web5] == PodPhase.Running && c.Pods.Incarnation[web5] == 1, 300, 1));
        c.RunTo(c.Now + 1);
        Assert.Equal(0, c.Dp.Caches.LookupFailure(web5, c.Service("backend")));
    }
}
