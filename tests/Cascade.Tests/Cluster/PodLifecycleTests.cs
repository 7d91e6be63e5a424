using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The tracked pods' lives on the six-node cluster: placement and the untracked pods it leaves per node, a deletion
/// (endpoint out, DNS demand gone, replacement created pending, bound, running 5 s later, ready), a stale start of an
/// earlier incarnation ignored, untracked pods replaced and their status written, and containers lost with their
/// nodes — exactly the nodes named.
/// </summary>
public class PodLifecycleTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void Placement_leaves_each_node_its_pods_per_node_less_the_tracked_pods_it_holds_never_below_zero(int podsPerNode)
    {
        var c = new SmallCluster($"cluster.podsPerNode={podsPerNode}");
        var pods = c.Pods;
        for (int n = 0; n < 6; n++)
        {
            int tracked = Enumerable.Range(0, pods.Count).Count(p => pods.Node[p] == n);
            Assert.Equal(Math.Max(0, podsPerNode - tracked), pods.OtherPods[n]);
        }
        Assert.All(Enumerable.Range(0, pods.Count), p => Assert.Equal(PodPhase.Running, pods.Phase[p]));
        Assert.All(Enumerable.Range(0, pods.Count), p => Assert.True(pods.ReadyInApi[p] && pods.WantReady[p]));
    }

    [Fact]
    public void A_deleted_pod_leaves_the_endpoints_and_its_replacement_is_pending_then_bound_then_running_5_s_later_and_ready()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var pods = c.Pods;
        int pod = c.PodsOf("backend").First();
        int incarnation = pods.Incarnation[pod];
        long epoch = pods.Epoch;
        c.Cluster.Controllers!.SchedulerElector.Kill(SimTime.FromSeconds(10));   // no binding for a while: the replacement waits pending
        c.Dp.Lifecycle.OnPodDeleted(pod);
        Assert.Equal(PodPhase.Gone, pods.Phase[pod]);
        Assert.False(pods.ReadyInApi[pod]);
        Assert.False(pods.WantReady[pod]);
        Assert.True(pods.Epoch > epoch);

        double? pending = c.RunUntil(() => pods.Phase[pod] == PodPhase.Pending, 60, 0.001);
        Assert.NotNull(pending);
        Assert.Equal(incarnation + 1, pods.Incarnation[pod]);
        Assert.Equal(-1, pods.Node[pod]);
        Assert.False(pods.ReadyInApi[pod] || pods.WantReady[pod] || pods.StatusInFlight[pod]);
        Assert.Equal(-1, c.NewestEndpoints("backend")[0]);   // the deletion's endpoint write has landed

        epoch = pods.Epoch;
        double? bound = c.RunUntil(() => pods.Phase[pod] == PodPhase.Starting, 60, 0.001);
        Assert.NotNull(bound);
        Assert.InRange(pods.Node[pod], 0, 5);
        Assert.True(pods.Epoch > epoch);
        epoch = pods.Epoch;
        double? running = c.RunUntil(() => pods.Phase[pod] == PodPhase.Running, 60, 0.001);
        Assert.InRange(running!.Value - bound.Value, 4.999, 5.002);
        Assert.True(pods.Epoch > epoch);
        c.RunTo(running.Value + 1);
        Assert.True(pods.ReadyInApi[pod]);
        Assert.Equal(incarnation + 1, c.NewestEndpoints("backend")[0]);
    }

    [Fact]
    public void A_pod_deleted_while_starting_runs_5_s_after_its_replacement_is_bound_not_when_the_deleted_one_would_have()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var pods = c.Pods;
        int pod = c.PodsOf("backend").First();
        c.Dp.Lifecycle.OnPodDeleted(pod);
        double first = c.RunUntil(() => pods.Phase[pod] == PodPhase.Starting, 60, 0.001)!.Value;
        c.RunTo(first + 2);
        Assert.Equal(PodPhase.Starting, pods.Phase[pod]);
        c.Dp.Lifecycle.OnPodDeleted(pod);   // deleted 2 s into its start
        double second = c.RunUntil(() => pods.Phase[pod] == PodPhase.Starting, 60, 0.001)!.Value;
        double running = c.RunUntil(() => pods.Phase[pod] == PodPhase.Running, 60, 0.001)!.Value;
        Assert.InRange(running - second, 4.999, 5.002);
    }

    [Fact]
    public void A_deleted_web_pod_no_longer_asks_its_node_cache_and_lost_containers_stop_asking_too()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true");
        c.RunTo(60);
        c.ApiOutage(600, 0, 1);
        c.RunTo(100);
        var pods = c.Pods;
        var web = c.PodsOf("web").ToList();
        int Nodes(IEnumerable<int> ps) => ps.Where(p => pods.Phase[p] == PodPhase.Running).Select(p => pods.Node[p]).Distinct().Count();
        Assert.Equal(Nodes(web), c.Dp.Caches.FailingNodeEntries);
        // A web pod alone on its node: deleting it leaves that node's entry unasked.
        int alone = web.First(p => web.Count(q => pods.Node[q] == pods.Node[p]) == 1);
        c.Dp.Lifecycle.OnPodDeleted(alone);
        Assert.Equal(Nodes(web), c.Dp.Caches.FailingNodeEntries);
        int lostNode = pods.Node[web.First(p => p != alone)];
        c.Dp.Lifecycle.OnContainersGone(lostNode, lostNode + 1, deleteOrphans: false);
        Assert.Equal(Nodes(web), c.Dp.Caches.FailingNodeEntries);
        Assert.True(Nodes(web) < 3);
    }

    [Fact]
    public void Containers_gone_lose_exactly_the_pods_on_the_nodes_named_and_a_lost_coredns_replica_stops_answering()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var pods = c.Pods;
        int dnsPod = Enumerable.Range(0, pods.Count).First(p => pods.Service[p] == c.Dp.Services.Count - 1);
        int node = pods.Node[dnsPod];
        int gone = Enumerable.Range(0, pods.Count).First(p => pods.Node[p] != node);
        c.Dp.Lifecycle.OnPodDeleted(gone);
        Assert.Equal(2, c.Dp.CoreDns!.AnsweringCount);
        var before = Enumerable.Range(0, pods.Count).Select(p => pods.Phase[p]).ToArray();
        long epoch = pods.Epoch;
        c.Dp.Lifecycle.OnContainersGone(node, node + 1, deleteOrphans: false);
        for (int p = 0; p < pods.Count; p++)
        {
            var expected = pods.Node[p] == node && before[p] != PodPhase.Gone ? PodPhase.Lost : before[p];
            Assert.Equal(expected, pods.Phase[p]);
        }
        Assert.True(pods.Epoch > epoch);
        Assert.Equal(PodPhase.Gone, pods.Phase[gone]);
        Assert.True(c.Dp.CoreDns!.AnsweringCount < 2);
    }

    [Fact]
    public void An_untracked_pod_deleted_is_replaced_on_some_node_and_its_status_is_written()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var pods = c.Pods;
        int total = pods.OtherPods.Sum();
        int node = Array.FindIndex(pods.OtherPods, n => n > 0);
        long patches = c.Kubelets.PodStatusPatches;
        c.Dp.Lifecycle.OnOtherPodDeleted(node);
        Assert.Equal(total - 1, pods.OtherPods.Sum());
        c.RunTo(60);
        Assert.Equal(total, pods.OtherPods.Sum());
        Assert.Equal(patches + 1, c.Kubelets.PodStatusPatches);
    }
}
