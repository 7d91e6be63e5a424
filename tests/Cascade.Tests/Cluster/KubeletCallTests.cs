using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// What each kubelet sends and as whom (docs/sources.md §3–4): the verbs and resources of its calls, the APF levels
/// the suggested FlowSchemas give a node (system-node-high: nodes and leases at node-high; system-nodes: the rest
/// at system), one flow per node, its two clients' limits, and its timers' phases and lives.
/// </summary>
public class KubeletCallTests
{
    private static string Level(SmallCluster c, ApiCall call) => c.Cluster.Api.Config.Apf.PriorityLevels[call.Classification.PriorityLevel].Name;

    private static string Schema(SmallCluster c, ApiCall call) => c.Cluster.Api.Config.Apf.FlowSchemas[call.Classification.FlowSchema].Name;

    [Fact]
    public void A_nodes_lease_and_status_go_at_node_high_and_its_pod_status_at_system_each_node_its_own_flow()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        c.Kubelets.AddNode(6);
        var (lease, status, podStatus, register, createLease) = c.Kubelets.CallsOf(6);

        Assert.Equal(("kubelet lease", "update", "leases", VerbClass.Mutating), (lease.Name, lease.Verb, lease.Resource.Name, lease.Class));
        Assert.Equal(("kubelet node status", "patch", "nodes", true), (status.Name, status.Verb, status.Resource.Name, status.ClusterScope));
        Assert.False(lease.ClusterScope);   // a Lease lives in kube-node-lease
        Assert.Equal(("kubelet pod status", "patch", "pods"), (podStatus!.Name, podStatus.Verb, podStatus.Resource.Name));
        Assert.Equal(("kubelet register node", "create", "nodes"), (register!.Name, register.Verb, register.Resource.Name));
        Assert.Equal(("kubelet create lease", "create", "leases"), (createLease!.Name, createLease.Verb, createLease.Resource.Name));

        foreach (var call in new[] { lease, status, register, createLease })
            Assert.Equal(("node-high", "system-node-high"), (Level(c, call), Schema(c, call)));
        Assert.Equal(("system", "system-nodes"), (Level(c, podStatus), Schema(c, podStatus)));

        // Distinguished by user: a node's calls under one FlowSchema share its flow; two nodes never do.
        Assert.Equal(lease.Classification.FlowHash, status.Classification.FlowHash);
        Assert.Equal(lease.Classification.FlowHash, register.Classification.FlowHash);
        Assert.NotEqual(lease.Classification.FlowHash, podStatus.Classification.FlowHash);
        var hashes = Enumerable.Range(0, 6).Select(n => c.Kubelets.CallsOf(n).Lease.Classification.FlowHash).ToList();
        Assert.Equal(6, hashes.Distinct().Count());
        Assert.Equal(ApfConfigurationHash("system-node-high", "system:node:node-3"), hashes[3]);
    }

    private static ulong ApfConfigurationHash(string schema, string user) => Cascade.ControlPlane.Apf.ApfConfiguration.HashFlowId(schema, user);

    [Fact]
    public void The_heartbeat_client_has_no_rate_limit_client_gos_retries_and_the_lease_timeout_and_the_main_client_50_qps_burst_100()
    {
        var c = new SmallCluster("cluster.kubelets.leaseTimeout=7s");
        var heartbeat = c.Kubelets.HeartbeatClient(2);
        Assert.Equal((SimTime.FromSeconds(7), 10), (heartbeat.TimeoutTicks, heartbeat.MaxRetries)); // Retry-After retries, within the timeout
        long now = c.Sim.Now;
        for (int i = 0; i < 1000; i++) Assert.Equal(0, heartbeat.ReserveToken(now));

        var main = c.Kubelets.MainClient(2);
        Assert.Equal(0, main.TimeoutTicks);
        for (int i = 0; i < 100; i++) Assert.Equal(0, main.ReserveToken(now));
        Assert.Equal(SimTime.FromMilliseconds(20), main.ReserveToken(now));   // the 101st waits one token at 50/s
        Assert.NotSame(heartbeat, c.Kubelets.MainClient(3));
        Assert.NotSame(main, c.Kubelets.MainClient(3));
    }

    [Fact]
    public void The_first_renewals_are_spread_over_one_renew_interval()
    {
        var c = new SmallCluster();
        var first = new double[6];
        c.RunUntil(() =>
        {
            for (int n = 0; n < 6; n++)
                if (first[n] == 0 && c.Kubelets.LeaseRenewedAt(n) > 0) first[n] = SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(n));
            return false;
        }, 10.5, 0.01);
        Assert.All(first, t => Assert.InRange(t, 0.001, 10.5));
        Assert.True(first.Max() - first.Min() > 3, string.Join(", ", first));
        Assert.Equal(6, first.Distinct().Count());
    }

    [Fact]
    public void A_node_removed_and_added_again_renews_on_one_timer_not_on_its_old_one_too()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 6, at: 1h}");
        c.RunTo(30);
        c.Kubelets.RemoveNode(5);
        Assert.True(c.Kubelets.NodeRemoved(5));
        c.RunTo(31);
        c.Kubelets.AddNode(5);   // back within one renew interval: the removed node's timer is still pending
        c.RunTo(70);
        Assert.True(c.Kubelets.NodeRegistered(5));
        long before = c.Kubelets.LeaseRenewals;
        c.RunTo(130);
        // Six nodes, one renewal each every 10 s: 36 in the minute (a second chain for node 5 would add 6).
        Assert.InRange(c.Kubelets.LeaseRenewals - before, 35, 37);
    }

    [Fact]
    public void A_dead_node_stops_renewing_and_keeps_its_node_object()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var nodes = c.Cluster.Api.Resources.Find("nodes")!;
        long count = nodes.Count;
        c.Kubelets.NodeDied(4);
        long renewed = c.Kubelets.LeaseRenewedAt(4);
        long before = c.Kubelets.LeaseRenewals;
        c.RunTo(90);
        Assert.Equal(renewed, c.Kubelets.LeaseRenewedAt(4));
        Assert.InRange(c.Kubelets.LeaseRenewals - before, 5 * 5, 5 * 6 + 1);   // five nodes, every 10–10.4 s
        Assert.Equal(count, nodes.Count);
        Assert.False(c.Kubelets.PodInformers[4].IsWatching);
    }

    [Fact]
    public void An_untracked_pods_status_patch_counts_when_it_lands_and_is_retried_10_s_after_it_fails_and_a_removed_node_sends_none()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        long patches = c.Kubelets.PodStatusPatches, failures = c.Kubelets.PodStatusFailures;
        long issued = c.Cluster.Api.Metrics.Issued;
        c.Kubelets.PatchOtherPodStatus(1);
        c.RunTo(31);
        Assert.Equal((patches + 1, failures), (c.Kubelets.PodStatusPatches, c.Kubelets.PodStatusFailures));

        c.Kubelets.SetPartitioned(1, true);   // blocked, with no client timeout: it fails at once, at 31 s
        c.Kubelets.PatchOtherPodStatus(1);
        c.RunTo(32);
        Assert.Equal((patches + 1, failures + 1), (c.Kubelets.PodStatusPatches, c.Kubelets.PodStatusFailures));
        c.Kubelets.SetPartitioned(1, false);
        c.RunTo(40.99);
        Assert.Equal(patches + 1, c.Kubelets.PodStatusPatches);   // the retry waits for the 10 s status sync
        c.RunTo(41.5);
        Assert.Equal((patches + 2, failures + 1), (c.Kubelets.PodStatusPatches, c.Kubelets.PodStatusFailures));

        c.Kubelets.RemoveNode(2);
        long before = c.Cluster.Api.Metrics.Issued;
        c.Kubelets.PatchOtherPodStatus(2);
        Assert.Equal(before, c.Cluster.Api.Metrics.Issued);
        Assert.True(issued < before);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // without pod watches Start draws two phases a node, not three
    public void Heartbeat_clients_are_made_in_the_order_of_the_nodes_first_renewals(bool watchPods)
    {
        // Only the memory layout follows the order (consecutive renewals read neighbouring objects); a client's id
        // counts the clients made before it, so ids rise with the first renewals.
        var c = new SmallCluster("cluster.nodes=40", $"cluster.kubelets.watchPods={(watchPods ? "true" : "false")}");
        var firstStep = new int[40];
        for (int step = 1; step <= 2000; step++)
        {
            c.RunTo(step * 0.005);
            for (int n = 0; n < 40; n++)
                if (firstStep[n] == 0 && c.Kubelets.CallsOf(n).Lease.Dispatched > 0) firstStep[n] = step;
        }
        Assert.DoesNotContain(0, firstStep);
        var ids = Enumerable.Range(0, 40).OrderBy(n => firstStep[n]).ThenBy(n => c.Kubelets.HeartbeatClient(n).Id)
            .Select(n => c.Kubelets.HeartbeatClient(n).Id).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.True(firstStep.Distinct().Count() > 30); // the steps tell most first renewals apart
        Assert.NotEqual(Enumerable.Range(0, 40), Enumerable.Range(0, 40).OrderBy(n => firstStep[n])); // not simply node order
    }

    [Fact]
    public void Slots_for_nodes_added_later_stay_idle_until_their_nodes_boot()
    {
        // Eight slots, six nodes: the two spare kubelets neither renew nor watch before the scale-up adds them.
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        Assert.Equal(8, c.Kubelets.Nodes);
        c.RunTo(60);
        foreach (int n in new[] { 6, 7 })
        {
            Assert.Equal(0, c.Kubelets.CallsOf(n).Lease.Dispatched);
            Assert.False(c.Kubelets.PodInformers[n].HasSynced || c.Kubelets.PodInformers[n].IsWatching || c.Kubelets.PodInformers[n].Lists > 0);
        }
        Assert.All(Enumerable.Range(0, 6), n => Assert.True(c.Kubelets.CallsOf(n).Lease.Dispatched >= 5));
    }

    [Fact]
    public void A_nodes_pod_informer_lists_and_watches_its_own_pods_through_the_caches_node_index_as_the_node()
    {
        // fieldSelector spec.nodeName=<node>: a selector, a node's share of the pods, served by the cache's index.
        var c = new SmallCluster("cluster.nodes=8");
        var calls = c.Kubelets.PodInformers[3].Calls;
        foreach (var call in new[] { calls.List, calls.Relist, calls.ConsistentRelist, calls.Watch, calls.WatchList })
        {
            Assert.StartsWith("kubelet pods", call.Name);
            Assert.Equal(("pods", true, true, 1.0 / 8, 1.0), (call.Resource.Name, call.HasSelector, call.Indexed, call.Selectivity, call.ScopeFraction));
            Assert.True(call.ClusterScope); // every namespace, narrowed by the field selector
            Assert.Equal(c.Kubelets.CallsOf(3).PodStatus!.Classification.FlowHash, call.Classification.FlowHash); // as system:node:node-3
        }
        Assert.Equal(("list", "watch"), (calls.List.Verb, calls.Watch.Verb));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_slots_earlier_node_leaves_no_renewal_behind_for_the_node_that_boots_in_it(bool died)
    {
        // The earlier node's pending renewal and status patch belong to it: the new machine renews only once its Lease
        // exists, 10 s after creating it, and patches its status on its own phase after registering.
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        c.RunTo(30);
        var calls = c.Kubelets.CallsOf(2);
        long renewals = calls.Lease.Dispatched;
        if (died) c.Kubelets.NodeDied(2);
        else c.Kubelets.RemoveNode(2);
        c.Kubelets.AddNode(2);
        var created = c.RunUntil(() => c.Kubelets.CallsOf(2).CreateLease!.Dispatched > 0, 60, step: 0.01);
        Assert.NotNull(created);
        c.RunTo(created.Value + 9.9);
        Assert.Equal(renewals, calls.Lease.Dispatched);
        c.RunTo(created.Value + 10.5);
        Assert.Equal(renewals + 1, calls.Lease.Dispatched);
    }

    [Fact]
    public void A_node_added_to_the_running_cluster_patches_its_status_within_a_period_of_registering()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        c.RunTo(30);
        c.Kubelets.AddNode(6);
        var registered = c.RunUntil(() => c.Kubelets.NodeRegistered(6), 60, step: 0.01);
        Assert.NotNull(registered);
        var (_, status, _, _, _) = c.Kubelets.CallsOf(6);
        c.RunTo(registered.Value + 300);
        Assert.Equal(1, status.Dispatched);
    }

    [Fact]
    public void Node_status_is_patched_every_5_minutes_from_a_phase_spread_over_the_first_5()
    {
        var c = new SmallCluster();
        long Patches() => Enumerable.Range(0, 6).Sum(n => c.Kubelets.CallsOf(n).Status.Dispatched);
        c.RunTo(100);
        long early = Patches();
        Assert.InRange(early, 1, 5);   // not all at once
        c.RunTo(300);
        Assert.Equal(6, Patches());
        c.RunTo(1500);
        Assert.Equal(6 * 5, Patches());
        Assert.All(Enumerable.Range(0, 6), n => Assert.Equal(5, c.Kubelets.CallsOf(n).Status.Dispatched));
    }

    [Fact]
    public void Without_pod_watches_nodes_renew_and_can_be_removed_lost_partitioned_and_added()
    {
        var c = new SmallCluster("cluster.kubelets.watchPods=false", "remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        Assert.Empty(c.Kubelets.PodInformers);
        c.RunTo(30);
        c.Kubelets.RemoveNode(5);
        c.Kubelets.NodeDied(4);
        c.Kubelets.SetPartitioned(3, true);
        c.Kubelets.AddNode(6);
        c.RunTo(90);
        Assert.True(c.Kubelets.NodeRegistered(6));
        Assert.Equal(0, c.Kubelets.Relists);
        Assert.True(c.Kubelets.LeaseRenewedAt(6) > SimTime.FromSeconds(30));
    }

    [Fact]
    public void A_nodes_pod_watch_ends_when_it_is_cut_off_removed_or_lost_and_relists_after_a_long_cut()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var informers = c.Kubelets.PodInformers;
        Assert.All(informers, i => Assert.True(i.IsWatching));
        c.Kubelets.SetPartitioned(1, true);
        Assert.False(informers[1].IsWatching);
        c.Kubelets.RemoveNode(2);
        Assert.False(informers[2].IsWatching);
        c.Kubelets.NodeDied(3);
        Assert.False(informers[3].IsWatching);
        c.Kubelets.AddNode(3);   // a lost node's slot takes a new machine: it registers again
        c.RunTo(3600);
        c.Kubelets.SetPartitioned(1, false);
        c.RunTo(3700);
        Assert.True(informers[1].IsWatching);
        Assert.True(informers[3].IsWatching);
        Assert.True(c.Kubelets.Relists >= 1);
        Assert.Equal(informers.Sum(i => i.Relists), c.Kubelets.Relists);
        long registrations = c.Kubelets.Registrations;
        c.Kubelets.AddNode(0);   // a node is there already: nothing
        c.RunTo(3720);
        Assert.Equal(registrations, c.Kubelets.Registrations);
    }
}
