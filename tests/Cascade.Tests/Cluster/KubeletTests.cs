using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>Kubelets as API clients on a tiny cluster: Lease renewal and its back-off, registration of added nodes, removal.</summary>
public class KubeletTests
{
    [Fact]
    public void A_kubelet_cut_off_makes_five_updates_each_failing_at_its_10_s_timeout_then_GETs_after_0_2_0_4_0_8_1_6_3_2_6_4_then_7_s()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        long renewed = c.Kubelets.LeaseRenewedAt(5);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(120));
        var failures = new List<double>();
        long seen = 0;
        c.RunUntil(() =>
        {
            if (c.Kubelets.LeaseFailures > seen) { seen = c.Kubelets.LeaseFailures; failures.Add(c.Now); }
            return false;
        }, 190, 0.01);
        // The sync after the block: five updates back to back, each given up at the 10 s timeout; then GETs, each
        // also given up at 10 s, the sleep between them doubling from 200 ms to 7 s. Times from the first failure.
        double[] expected = { 0, 10, 20, 30, 40, 50, 60.2, 70.6, 81.4, 93.0, 106.2 };
        double first = failures[0];
        // The blocked sync began one jittered period (10–10.4 s) after the last renewal before the block.
        Assert.InRange(first - 10 - SimTime.ToSeconds(renewed), 10 - 0.011, 10.4 + 0.011);
        Assert.Equal(expected.Length, failures.Count);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(failures[i] - first, expected[i] - 0.011, expected[i] + 0.011);
        Assert.NotNull(c.Kubelets.GetLeaseCall(5));
        c.RunTo(200);
        // After the partition healed at 180 s, the next GET (6.4 s after a failure) lands, and the update after it.
        Assert.InRange(SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(5)), 180, 200);
        Assert.Equal(1, c.Kubelets.GetLeaseCall(5)!.Dispatched);
        long failed = c.Kubelets.LeaseFailures;
        Assert.Equal(11, failed);
        c.RunTo(260);
        Assert.Equal(failed, c.Kubelets.LeaseFailures);
        Assert.InRange(SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(5)), 249.5, 260);   // every 10–10.4 s again
        Assert.Equal(1, c.Kubelets.GetLeaseCall(5)!.Dispatched);                        // and by updates alone
    }

    [Fact]
    public void Each_kubelet_renews_its_lease_every_ten_seconds_stretched_by_up_to_4_percent()
    {
        var c = new SmallCluster();
        c.RunTo(600);
        Assert.InRange(c.Kubelets.LeaseRenewals, 6 * 57, 6 * 60);
        for (int n = 0; n < 6; n++) Assert.InRange(SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(n)), 589.5, 600);
        Assert.Equal(6, c.Kubelets.PodInformers.Count);
        Assert.All(c.Kubelets.PodInformers, i => Assert.True(i.IsWatching));
        Assert.Equal(0, c.Kubelets.Relists);
        Assert.Equal(0, c.Kubelets.PodStatusFailures);
    }

    [Fact]
    public void Added_nodes_register_their_node_then_their_lease_and_are_judged_from_then_on()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 8, at: 1h}");
        Assert.Equal(8, c.Cluster.NodeSlots);
        c.RunTo(60);
        var nodes = c.Cluster.Api.Resources.Find("nodes")!;
        var leases = c.Cluster.Api.Resources.Find("leases")!;
        long nodesBefore = nodes.Count, leasesBefore = leases.Count;
        Assert.True(c.Kubelets.NodeRemoved(6));
        Assert.False(c.Kubelets.NodeRegistered(6));
        Assert.Equal(2, c.Cluster.AddNodes(20));   // at most the scenario's slots
        Assert.Equal(0, c.Cluster.AddNodes(8));
        Assert.Equal(8, c.Cluster.ActiveNodes);
        Assert.Equal(8, c.Dp.ActiveNodes);
        c.RunTo(80);
        Assert.Equal(2, c.Kubelets.Registrations);
        Assert.Equal(0, c.Kubelets.RegistrationFailures);
        Assert.Equal(nodesBefore + 2, nodes.Count);
        Assert.Equal(leasesBefore + 2, leases.Count);
        Assert.True(c.Kubelets.NodeRegistered(6) && c.Kubelets.NodeRegistered(7));
        Assert.False(c.Kubelets.NodeRemoved(7));
        var note = Assert.Single(c.Notes("nodes"));
        Assert.Matches(@"^2 added nodes registered in \d+\.\d s; 8 nodes$", note.Message);
        Assert.InRange(note.Time, 60, 70.1);   // machines boot within 10 s of each other
        c.RunTo(300);
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.True(c.Nlc.Schedulable(7));
        Assert.InRange(SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(7)), 290, 300);
        Assert.True(c.Kubelets.PodInformers[7].IsWatching);
        Assert.Equal(8, c.Dp.KubeProxies.Watching);
        // A lost added node is judged like any other.
        c.Cluster.LoseNodes(1);
        c.RunTo(370);
        Assert.Equal(1, c.Nlc.NotReady);
        Assert.False(c.Nlc.Schedulable(7));
    }

    private sealed class Registrations(INodeRegistrationListener? next) : INodeRegistrationListener
    {
        public readonly List<int> Nodes = new();

        public void OnNodeRegistered(int node)
        {
            Nodes.Add(node);
            next?.OnNodeRegistered(node);
        }
    }

    [Fact]
    public void Nodes_removed_and_added_again_are_told_and_judged_by_their_own_numbers()
    {
        // The kubelets keep their nodes in renewal order, not by number: whatever is said of a node is of that node.
        var c = new SmallCluster();
        var heard = new Registrations(c.Kubelets.Listener);
        c.Kubelets.Listener = heard;
        c.RunTo(60);
        Assert.Equal(2, c.Cluster.RemoveNodesFrom(4));
        Assert.True(c.Kubelets.NodeRemoved(4) && c.Kubelets.NodeRemoved(5) && !c.Kubelets.NodeRemoved(3));
        c.RunTo(120);
        Assert.Equal(2, c.Cluster.AddNodes(6));
        c.RunTo(200);
        Assert.Equal([4, 5], heard.Nodes.Order());
        Assert.True(c.Kubelets.NodeRegistered(4) && c.Kubelets.NodeRegistered(5));
        // One node's heartbeat cut off: its lease alone goes stale, and it alone turns NotReady.
        c.Kubelets.HeartbeatClient(2).Blocked = true;
        c.RunTo(300);
        for (int n = 0; n < 6; n++)
        {
            Assert.Equal(n == 2, SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(n)) < 280);
            Assert.Equal(n != 2, c.Nlc.Schedulable(n));
        }
        Assert.Equal(1, c.Nlc.NotReady);
    }

    [Fact]
    public void A_node_added_while_the_api_server_is_down_retries_its_registration_and_registers_once_it_answers()
    {
        var c = new SmallCluster("remediation[0]={action: scaleNodes, nodes: 7, at: 1h}");
        c.RunTo(60);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        Assert.Equal(1, c.Cluster.AddNodes(7));
        c.RunTo(85);
        Assert.True(c.Kubelets.RegistrationFailures >= 5, $"{c.Kubelets.RegistrationFailures} failures");
        Assert.Equal(0, c.Kubelets.Registrations);
        Assert.False(c.Kubelets.NodeRegistered(6));
        Assert.Empty(c.Notes("nodes"));
        c.RunTo(200);
        Assert.Equal(1, c.Kubelets.Registrations);
        Assert.True(c.Kubelets.NodeRegistered(6));
        Assert.InRange(SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(6)), 185, 200);
        Assert.Single(c.Notes("nodes"));
    }

    [Fact]
    public void Removing_nodes_deletes_their_node_and_lease_objects_and_their_pods_are_replaced_on_the_nodes_left()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var res = c.Cluster.Api.Resources;
        long nodes = res.Find("nodes")!.Count, leases = res.Find("leases")!.Count, pods = res.Find("pods")!.Count;
        int[] moved = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] >= 4).ToArray();
        Assert.NotEmpty(moved);
        Assert.Equal(2, c.Cluster.RemoveNodesFrom(4));
        Assert.Equal(4, c.Cluster.ActiveNodes);
        Assert.Equal(4, c.Dp.ActiveNodes);
        Assert.Equal(nodes - 2, res.Find("nodes")!.Count);
        Assert.Equal(leases - 2, res.Find("leases")!.Count);
        Assert.Equal((long)Math.Round(pods * 4 / 6.0), res.Find("pods")!.Count);
        Assert.True(c.Kubelets.NodeRemoved(4) && c.Kubelets.NodeRemoved(5));
        Assert.False(c.Kubelets.NodeRegistered(5));
        Assert.Equal(0, c.Pods.OtherPods[5]);
        c.RunTo(120);
        Assert.All(moved, p =>
        {
            Assert.Equal(1, c.Pods.Incarnation[p]);
            Assert.InRange(c.Pods.Node[p], 0, 3);
            Assert.Equal(PodPhase.Running, c.Pods.Phase[p]);
        });
        Assert.Equal(0, c.Nlc.NotReady);
        Assert.Equal(4, c.Dp.KubeProxies.Watching);
        Assert.Equal(0, c.Cluster.RemoveNodesFrom(4));
        Assert.Equal(nodes - 2, res.Find("nodes")!.Count);
    }

    [Fact]
    public void A_pod_whose_readiness_changes_while_its_status_patch_is_on_its_way_gets_a_second_patch_and_its_endpoint_follows()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        int pod = c.PodsOf("backend").First();
        long patches = c.Kubelets.PodStatusPatches;
        c.Dp.Lifecycle.SetPodReady(pod, false);
        Assert.True(c.Pods.StatusInFlight[pod]);
        Assert.False(c.Pods.WantReady[pod]);
        c.Dp.Lifecycle.SetPodReady(pod, true);    // ready again before the first patch landed
        c.RunTo(31);
        Assert.True(c.Pods.ReadyInApi[pod]);
        Assert.False(c.Pods.StatusInFlight[pod]);
        Assert.Equal(patches + 2, c.Kubelets.PodStatusPatches);
        Assert.Equal(new[] { 0, 0, 0 }, c.NewestEndpoints("backend"));
        c.Dp.Lifecycle.SetPodReady(pod, true);    // already so: nothing to write
        c.RunTo(32);
        Assert.Equal(patches + 2, c.Kubelets.PodStatusPatches);
        c.Dp.Lifecycle.SetPodReady(pod, false);
        c.RunTo(33);
        Assert.Equal(patches + 3, c.Kubelets.PodStatusPatches);
        Assert.False(c.Pods.ReadyInApi[pod]);
        Assert.Equal(new[] { -1, 0, 0 }, c.NewestEndpoints("backend"));
    }

    [Fact]
    public void A_failed_pod_status_patch_is_retried_on_the_10_s_status_sync()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        int pod = c.PodsOf("backend").First();
        int node = c.Pods.Node[pod];
        c.Kubelets.SetPartitioned(node, true);
        c.Dp.Lifecycle.SetPodReady(pod, false);
        c.RunTo(31);
        Assert.Equal(1, c.Kubelets.PodStatusFailures);
        Assert.True(c.Pods.ReadyInApi[pod]);
        c.Kubelets.SetPartitioned(node, false);
        c.RunTo(39.9);
        Assert.True(c.Pods.ReadyInApi[pod]);
        c.RunTo(40.5);
        Assert.False(c.Pods.ReadyInApi[pod]);
        Assert.Equal(1, c.Kubelets.PodStatusFailures);
    }
}
