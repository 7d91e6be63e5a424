using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The node lifecycle controller on a tiny cluster: a node is judged by the last Lease renewal the controller saw,
/// turns NotReady after the grace period, is tainted at the zone's eviction rate and its pods are evicted after
/// the toleration (docs/sources.md §4).
/// </summary>
public class NodeLifecycleTests
{
    private static readonly long Grace = SimTime.FromSeconds(50);   // 1.34: --node-monitor-grace-period 50 s
    private static readonly long Period = SimTime.FromSeconds(5);   // --node-monitor-period 5 s

    /// <summary>The first monitor pass (every 5 s from 0) more than the grace period after <paramref name="renewedAt"/>.</summary>
    private static long FirstPassPastGrace(long renewedAt) => ((renewedAt + Grace) / Period + 1) * Period;

    [Fact]
    public void A_node_whose_lease_stops_renewing_turns_not_ready_at_the_first_monitor_pass_past_the_grace_period()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        Assert.Equal(1, c.Cluster.LoseNodes(1));
        long renewed = c.Kubelets.LeaseRenewedAt(5);
        long at = FirstPassPastGrace(renewed);

        c.RunToTicks(at - 1);
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.True(c.Nlc.Schedulable(5));
        c.RunToTicks(at);
        Assert.Equal(1, c.Nlc.NotReady);
        Assert.Equal(1, c.Cluster.NodesNotReady);
        Assert.False(c.Nlc.Schedulable(5));
        Assert.True(c.Nlc.Schedulable(4));
        Assert.Equal((SimTime.ToSeconds(at), "1 node(s) NotReady (lease not observed for 50 s)"), Assert.Single(c.Notes("node-not-ready")));
    }

    [Fact]
    public void Healthy_nodes_renewing_their_leases_stay_ready_for_twenty_minutes()
    {
        var c = new SmallCluster();
        c.RunTo(1200);
        Assert.Equal(0, c.Nlc.NotReadyPeak);
        Assert.Equal(0, c.Nlc.TaintsAdded);
        Assert.Empty(c.Notes("node-not-ready"));
        Assert.InRange(c.Kubelets.LeaseRenewals, 6 * 114, 6 * 120);   // every 10–10.4 s
        Assert.Equal(0, c.Kubelets.LeaseFailures);
    }

    [Fact]
    public void Taints_come_one_node_every_ten_seconds_in_a_zone_at_the_eviction_rate()
    {
        var c = new SmallCluster("cluster.nodes=10");
        c.RunTo(60);
        Assert.Equal(3, c.Cluster.LoseNodes(3));
        var times = new List<double>();
        long seen = 0;
        c.RunUntil(() =>
        {
            if (c.Nlc.TaintsAdded > seen) { seen = c.Nlc.TaintsAdded; times.Add(c.Now); }
            return false;
        }, 200, 0.05);
        Assert.Equal(3, times.Count);
        Assert.InRange(times[1] - times[0], 9.9, 10.2);
        Assert.InRange(times[2] - times[1], 9.9, 10.2);
        Assert.Equal(3, c.Nlc.Tainted);
        Assert.Equal(3, c.Nlc.NotReady);
        Assert.Equal(0, c.Nlc.Evictions);   // the pods tolerate the taint for 300 s
        Assert.Equal((3, 3), (c.Dp.Samples[^1].NodesNotReady, c.Dp.Samples[^1].NodesTainted));
    }

    [Fact]
    public void A_small_zone_with_more_than_55_percent_of_its_nodes_not_ready_gets_no_more_taints()
    {
        var c = new SmallCluster("cluster.nodes=10");
        c.RunTo(60);
        c.Cluster.LoseNodes(6);
        Assert.NotNull(c.RunUntil(() => c.Nlc.NotReady == 6, 200));
        long taints = c.Nlc.TaintsAdded;
        Assert.InRange(taints, 1, 3);   // tainted at the normal rate while two or three were not ready
        c.RunTo(600);
        Assert.Equal(taints, c.Nlc.TaintsAdded);
        Assert.Empty(c.Notes("evictions-stopped"));
    }

    [Fact]
    public void A_large_zone_with_more_than_55_percent_of_its_nodes_not_ready_is_tainted_at_the_secondary_rate_of_one_node_per_100_s()
    {
        var c = new SmallCluster("cluster.nodes=10", "cluster.nodeLifecycle.largeClusterSize=5");
        c.RunTo(60);
        c.Cluster.LoseNodes(6);
        var times = new List<double>();
        long seen = 0;
        c.RunUntil(() =>
        {
            if (c.Nlc.TaintsAdded > seen) { seen = c.Nlc.TaintsAdded; times.Add(c.Now); }
            return false;
        }, 460, 0.05);
        Assert.InRange(times.Count, 4, 6);
        Assert.InRange(times[^1] - times[^2], 99.9, 100.2);
        Assert.InRange(times[^2] - times[^3], 99.9, 100.2);
    }

    [Fact]
    public void When_every_node_is_not_ready_the_controller_stops_evicting_removes_its_taints_and_resumes_when_one_comes_back()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        Assert.Equal(0, c.Cluster.PartitionNodes(6, SimTime.FromSeconds(240)));
        c.RunTo(200);
        Assert.Equal(6, c.Nlc.NotReady);
        Assert.Equal(0, c.Nlc.Tainted);
        var stopped = Assert.Single(c.Notes("evictions-stopped"));
        Assert.Equal("all zones fully disrupted: evictions stopped, taints removed", stopped.Message);
        long taints = c.Nlc.TaintsAdded;
        Assert.InRange(taints, 1, 2);   // before the zone was fully disrupted
        c.RunTo(299);
        Assert.Equal(taints, c.Nlc.TaintsAdded);
        Assert.Empty(c.Notes("evictions-resumed"));
        c.RunTo(420);
        Assert.Equal((300.0, "partition healed: nodes 0–5 reach the control plane again"), Assert.Single(c.Notes("fault")));
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.Equal(6, c.Nlc.NotReadyPeak);
        Assert.Equal("a zone is no longer fully disrupted: evictions resume", Assert.Single(c.Notes("evictions-resumed")).Message);
        Assert.Equal("all nodes Ready again", Assert.Single(c.Notes("node-ready")).Message);
        Assert.Equal(0, c.Nlc.Evictions);   // the taint was gone before its pods' toleration ran out
        Assert.Equal(taints, c.Nlc.TaintsAdded);
    }

    [Fact]
    public void A_node_cut_off_for_two_minutes_is_not_ready_its_pods_leave_the_endpoints_and_after_it_heals_they_come_back()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        Assert.Equal(5, c.Cluster.PartitionNodes(1, SimTime.FromSeconds(120)));
        int[] onNode = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        int webOnNode = c.PodsOf("web").Single(p => c.Pods.Node[p] == 5) - c.Dp.Services.FirstPod[c.Service("web")];
        c.RunTo(175);
        Assert.Equal(1, c.Nlc.NotReady);
        Assert.Equal(1, c.Nlc.Tainted);
        Assert.False(c.Nlc.Schedulable(5));
        Assert.All(onNode, p => Assert.False(c.Pods.ReadyInApi[p]));
        Assert.All(onNode, p => Assert.Equal(PodPhase.Running, c.Pods.Phase[p]));   // its containers keep running
        Assert.Equal(-1, c.NewestEndpoints("web")[webOnNode]);
        c.RunTo(260);
        Assert.Equal((180.0, "partition healed: nodes 5–5 reach the control plane again"), Assert.Single(c.Notes("fault")));
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.Equal(0, c.Nlc.Tainted);
        Assert.True(c.Nlc.Schedulable(5));
        Assert.All(onNode, p => Assert.True(c.Pods.ReadyInApi[p]));
        Assert.Equal(new[] { 0, 0, 0 }, c.NewestEndpoints("web"));
        Assert.Equal(0, c.Nlc.Evictions);
        Assert.Equal(1, c.Nlc.TaintsAdded);
    }

    [Fact]
    public void After_the_toleration_the_pods_of_a_tainted_node_are_evicted_and_replaced_on_ready_nodes()
    {
        var c = new SmallCluster("cluster.nodeLifecycle.tolerationSeconds=30s");
        c.RunTo(60);
        c.Cluster.LoseNodes(1);
        int[] tracked = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        int others = c.Pods.OtherPods[5];
        Assert.NotEmpty(tracked);
        Assert.True(others > 0);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Lost, c.Pods.Phase[p]));
        c.RunTo(130);
        var taint = Assert.Single(c.Notes("taint"));
        Assert.Equal("NoExecute taint on node-5; 1 node(s) tainted", taint.Message);
        c.RunTo(taint.Time + 30 - 0.001);
        Assert.Equal(0, c.Nlc.Evictions);
        c.RunTo(taint.Time + 31);
        Assert.Equal(tracked.Length + others, c.Nlc.Evictions);
        c.RunTo(taint.Time + 90);
        Assert.Equal(0, c.Pods.OtherPods[5]);
        Assert.All(tracked, p =>
        {
            Assert.Equal(1, c.Pods.Incarnation[p]);
            Assert.NotEqual(5, c.Pods.Node[p]);
            Assert.Equal(PodPhase.Running, c.Pods.Phase[p]);
            Assert.True(c.Pods.ReadyInApi[p]);
        });
        var scheduler = c.Dp.Scheduler!;
        Assert.Equal(tracked.Length + others, scheduler.Bindings);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(0, scheduler.BindingFailures);
        Assert.InRange(scheduler.PendingPeak, 1, tracked.Length + others);
        Assert.Equal(c.Pods.Count - tracked.Length, Enumerable.Range(0, c.Pods.Count).Count(p => c.Pods.Incarnation[p] == 0));
        Assert.Equal(2, c.Dp.CoreDns!.AnsweringCount);
    }

    [Fact]
    public void While_the_controller_manager_has_no_leader_no_node_turns_not_ready_and_its_new_leader_gives_each_node_the_grace_period_anew()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var manager = c.Cluster.Controllers!.Manager;
        manager.Kill(SimTime.FromSeconds(100));
        c.Cluster.LoseNodes(1);
        c.RunTo(159);
        Assert.True(c.Cluster.Controllers.ManagerLeaderless);
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.NotNull(c.RunUntil(() => manager.Leading, 200, 0.01));
        var acquired = Assert.Single(c.Notes("leader-acquired"));
        Assert.Equal("kube-controller-manager acquired its lease: its controllers start and list", acquired.Message);
        c.RunTo(acquired.Time + 49);
        Assert.Equal(0, c.Nlc.NotReady);
        c.RunTo(acquired.Time + 56);
        Assert.Equal(1, c.Nlc.NotReady);
    }

    [Fact]
    public void A_controller_whose_lease_informer_is_cut_off_sees_no_renewals_and_marks_healthy_nodes_not_ready()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var ctl = c.Cluster.Controllers!;
        ctl.ManagerClient.Blocked = true;
        ctl.ManagerLeases.Disconnect();
        c.RunTo(130);
        Assert.Equal(6, c.Nlc.NotReady);
        Assert.True(c.Kubelets.LeaseRenewedAt(0) >= SimTime.FromSeconds(115));   // the kubelets do renew
        Assert.Equal(0, c.Kubelets.LeaseFailures);
        ctl.ManagerClient.Blocked = false;
        Assert.NotNull(c.RunUntil(() => c.Nlc.NotReady == 0, 400, 1));
    }

    [Fact]
    public void Scaling_down_removes_not_ready_nodes_from_the_count_and_the_pod_garbage_collector_deletes_their_pods()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.LoseNodes(1);
        int[] tracked = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        c.RunTo(130);
        Assert.Equal((1, 1), (c.Nlc.NotReady, c.Nlc.Tainted));
        Assert.Equal(0, c.Cluster.RemoveNodesFrom(5));   // a node already lost is not counted again
        Assert.Equal((0, 0), (c.Nlc.NotReady, c.Nlc.Tainted));
        Assert.Equal(5, c.Cluster.ActiveNodes);
        c.RunTo(170);
        Assert.All(tracked, p =>
        {
            Assert.Equal(1, c.Pods.Incarnation[p]);
            Assert.InRange(c.Pods.Node[p], 0, 4);
            Assert.Equal(PodPhase.Running, c.Pods.Phase[p]);
        });
        Assert.Equal(0, c.Nlc.Evictions);   // the pod garbage collector's deletes are no evictions
        Assert.Equal(0, c.Nlc.NotReady);
    }

    [Fact]
    public void The_pods_of_a_node_cut_off_past_the_toleration_are_evicted_though_their_containers_still_run()
    {
        var c = new SmallCluster("cluster.nodeLifecycle.tolerationSeconds=30s");
        c.RunTo(60);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
        int[] tracked = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        int others = c.Pods.OtherPods[5];
        c.RunTo(130);
        var taint = Assert.Single(c.Notes("taint"));
        Assert.All(tracked, p => Assert.Equal(PodPhase.Running, c.Pods.Phase[p]));
        c.RunTo(taint.Time + 31);
        Assert.Equal(tracked.Length + others, c.Nlc.Evictions);
        c.RunTo(taint.Time + 60);
        Assert.All(tracked, p => Assert.Equal((1, PodPhase.Running), (c.Pods.Incarnation[p], c.Pods.Phase[p])));
        Assert.All(tracked, p => Assert.NotEqual(5, c.Pods.Node[p]));
    }

    [Fact]
    public void A_node_tainted_again_after_it_was_ready_is_evicted_a_toleration_after_its_new_taint_not_its_first()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(120));   // NotReady and tainted, Ready again after 180 s
        c.RunTo(230);
        Assert.Equal((0, 0, 1L), (c.Nlc.NotReady, c.Nlc.Tainted, c.Nlc.TaintsAdded));
        c.RunTo(240);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(900));
        Assert.NotNull(c.RunUntil(() => c.Nlc.Tainted == 1, 400, 0.01));
        double second = c.Now;
        c.RunTo(second + 299);   // the first taint's eviction timer ran out meanwhile, for a taint no longer there
        Assert.Equal(0, c.Nlc.Evictions);
        c.RunTo(second + 302);
        Assert.True(c.Nlc.Evictions > 0);
        Assert.Equal(2, c.Nlc.TaintsAdded);
    }
}
