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

    /// <summary>Removes node <paramref name="node"/> and those after it, with the ReplicaSet controller cut off; returns the tracked pods lost.</summary>
    private static int[] LoseTrackedPodsFrom(SmallCluster c, int node)
    {
        int[] tracked = Enumerable.Range(node, c.Cluster.ActiveNodes - node).SelectMany(n => TrackedOn(c, n)).ToArray();
        c.Dp.ReplicaSets!.Client.Blocked = true;
        c.Cluster.RemoveNodesFrom(node);
        return tracked;
    }

    private static double FirstFailedSync(SmallCluster c) =>
        c.RunUntil(() => c.Dp.ReplicaSets!.FailedSyncs > 0, c.Now + 60, 0.001) ?? throw new InvalidOperationException("no sync failed");

    [Fact]
    public void A_failed_replicaset_sync_waits_the_workqueue_back_off_5_ms_doubling_to_1000_s_and_tries_one_create_per_failed_sync()
    {
        var c = new SmallCluster("products[0].replicas=12");
        c.RunTo(60);
        var rs = c.Dp.ReplicaSets!;
        int[] lost = LoseTrackedPodsFrom(c, 3);   // nodes 3, 4 and 5
        int[] sets = lost.Select(p => c.Pods.Service[p]).Distinct().ToArray();
        Assert.Contains(sets, s => lost.Count(p => c.Pods.Service[p] == s) >= 2);   // a ReplicaSet with several pods to create
        double first = FirstFailedSync(c);   // the pod garbage collector's pass deleted the pods
        c.RunTo(first + 0.5);
        // Every failure is answered at once (the client is blocked): failed at 0, 5, 15, 35, 75, 155 and 315 ms, the next at 635;
        // each deletion after the first queued its ReplicaSet at once too, and failed once more.
        Assert.All(sets, s => Assert.InRange(rs.Requeues(s), 7, 7 + lost.Count(p => c.Pods.Service[p] == s) - 1));
        Assert.All(sets, s => Assert.Equal(SimTime.FromMilliseconds(5) << (rs.Requeues(s) - 1), rs.RetryTicks(s)));
        c.RunTo(7200);
        Assert.All(lost, p => Assert.Equal((PodPhase.Gone, 0), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        Assert.All(sets, s => Assert.Equal(SimTime.FromSeconds(1000), rs.RetryTicks(s)));   // capped, far past the old 60 s
        Assert.All(sets, s => Assert.Equal(lost.Count(p => c.Pods.Service[p] == s), rs.Missing(s)));
        // Each failed sync stopped at its first batch, one create: 19 failures up to the cap, 1,311 s after the first, then one
        // every 1000 s (five more before 7,200 s).
        Assert.InRange(first, 60, 889);
        Assert.All(sets, s => Assert.InRange(rs.Requeues(s), 19 + 5, 19 + 5 + lost.Count(p => c.Pods.Service[p] == s) - 1));
        Assert.Equal(sets.Sum(rs.Requeues), rs.FailedSyncs);
        Assert.Equal(rs.FailedSyncs, rs.CreatesSent);
    }

    [Fact]
    public void After_a_long_outage_a_replicaset_waits_its_back_off_unless_a_deletion_queues_it_at_once()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var rs = c.Dp.ReplicaSets!;
        int[] lost = LoseTrackedPodsFrom(c, 5);
        int set = c.Pods.Service[lost[0]];
        c.RunTo(3600);
        rs.Client.Blocked = false;
        double retry = SimTime.ToSeconds(rs.NextRetryAt(set));
        Assert.InRange(retry, 3660, 4600);   // well after the client can reach the API server again
        c.RunTo(retry - 0.001);
        Assert.All(lost.Where(p => c.Pods.Service[p] == set), p => Assert.Equal(PodPhase.Gone, c.Pods.Phase[p]));
        c.RunTo(retry + 30);
        Assert.All(lost.Where(p => c.Pods.Service[p] == set), p => Assert.Equal((PodPhase.Running, 1), (c.Pods.Phase[p], c.Pods.Incarnation[p])));
        Assert.Equal((0, 0L), (rs.Requeues(set), rs.RetryTicks(set)));   // a sync that succeeds forgets the failures

        // The same outage, but another pod of the ReplicaSet is deleted after it: the deletion queues it at once.
        var d = new SmallCluster();
        d.RunTo(60);
        lost = LoseTrackedPodsFrom(d, 5);
        d.RunTo(3600);
        d.Dp.ReplicaSets!.Client.Blocked = false;
        int other = Enumerable.Range(0, 5).Last(n => TrackedOn(d, n).Any(p => d.Pods.Service[p] == set));
        int[] more = Enumerable.Range(other, 5 - other).SelectMany(n => TrackedOn(d, n)).ToArray();
        d.Cluster.RemoveNodesFrom(other);
        d.RunTo(3600 + 30);
        Assert.All(lost.Concat(more).Where(p => d.Pods.Service[p] == set), p => Assert.Equal(PodPhase.Running, d.Pods.Phase[p]));
        // The retry still waiting fires with nothing to create: a sync that does nothing, after which a deletion is
        // replaced as ever.
        double stale = SimTime.ToSeconds(d.Dp.ReplicaSets!.NextRetryAt(set));
        Assert.InRange(stale, 3660, 4600);
        d.RunTo(stale + 1);
        Assert.Equal((0, 0, -1L), (d.Dp.ReplicaSets.Missing(set), d.Dp.ReplicaSets.Requeues(set), d.Dp.ReplicaSets.NextRetryAt(set)));
        int again = Enumerable.Range(d.Dp.Services.FirstPod[set], d.Dp.Services.Replicas[set]).First(p => d.Pods.Phase[p] == PodPhase.Running);
        int incarnation = d.Pods.Incarnation[again];
        d.Dp.Lifecycle.OnPodDeleted(again);
        d.RunTo(stale + 30);
        Assert.Equal((PodPhase.Running, incarnation + 1), (d.Pods.Phase[again], d.Pods.Incarnation[again]));
    }

    [Fact]
    public void A_replicaset_creates_what_is_missing_in_slow_start_batches_of_1_2_4()
    {
        var c = new SmallCluster("products[0].replicas=12");
        c.RunTo(60);
        var rs = c.Dp.ReplicaSets!;
        int backend = c.Service("backend");
        int[] lost = LoseTrackedPodsFrom(c, 1).Where(p => c.Pods.Service[p] == backend).ToArray();
        Assert.InRange(lost.Length, 8, 12);
        FirstFailedSync(c);
        long failed = rs.FailedSyncs;
        rs.Client.Blocked = false;
        // From the retry on, what is still to be created falls by whole batches: 1, then 2, then 4, then the rest.
        var left = new List<int> { rs.Missing(backend) };
        c.RunToTicks(rs.NextRetryAt(backend));
        while (rs.Missing(backend) > 0 && c.Now < 70)
        {
            c.RunTo(c.Now + 0.0001);
            if (rs.Missing(backend) != left[^1]) left.Add(rs.Missing(backend));
        }
        int n = lost.Length;
        Assert.Equal(new[] { n, n - 1, n - 3, n - 7, 0 }, left);
        c.RunTo(90);
        Assert.Equal(failed, rs.FailedSyncs);
        Assert.All(lost, p => Assert.Equal((PodPhase.Running, 1), (c.Pods.Phase[p], c.Pods.Incarnation[p])));

        // Deletions that land at the same instant are one sync: its batches are 1 and 2, not 1, 1 and 1.
        int[] three = [.. Enumerable.Range(c.Dp.Services.FirstPod[backend], 3)];
        foreach (int p in three) c.Dp.Lifecycle.OnPodDeleted(p);
        left = [rs.Missing(backend)];
        while (rs.Missing(backend) > 0 && c.Now < 100)
        {
            c.RunTo(c.Now + 0.0001);
            if (rs.Missing(backend) != left[^1]) left.Add(rs.Missing(backend));
        }
        Assert.Equal(new[] { 3, 2, 0 }, left);
    }

    [Fact]
    public void A_deletion_reaches_the_replicaset_controller_only_when_the_controller_managers_pod_informer_watches()
    {
        var c = new SmallCluster();
        var ctl = c.Cluster.Controllers!;
        var rs = c.Dp.ReplicaSets!;
        c.RunTo(60);
        ctl.Manager.Kill(SimTime.FromSeconds(60));   // kube-controller-manager down: its informers stop
        c.RunTo(61);
        Assert.False(ctl.ManagerPods.IsWatching);
        int backend = c.Service("backend"), pod = c.Dp.Services.FirstPod[backend];
        c.Dp.Lifecycle.OnPodDeleted(pod);
        long sent = rs.CreatesSent;
        c.RunTo(110);
        Assert.Equal((1, 0, sent), (rs.Unseen(backend), rs.Missing(backend), rs.CreatesSent));
        Assert.Equal((PodPhase.Gone, 0), (c.Pods.Phase[pod], c.Pods.Incarnation[pod]));
        double watching = c.RunUntil(() => ctl.ManagerPods.IsWatching, 400) ?? throw new InvalidOperationException("never watched again");
        c.RunTo(watching + 1.5);   // the next once-a-second look sees the deletion and the create goes
        Assert.Equal((0, sent + 1), (rs.Unseen(backend), rs.CreatesSent));
        c.RunTo(watching + 30);
        Assert.Equal((PodPhase.Running, 1), (c.Pods.Phase[pod], c.Pods.Incarnation[pod]));

        // The same for a pod the data plane only counts.
        int others = c.Pods.OtherPods.Sum(), other = rs.Services - 1;
        ctl.Manager.Kill(SimTime.FromSeconds(60));
        c.RunTo(c.Now + 1);
        c.Dp.Lifecycle.OnOtherPodDeleted(0);
        sent = rs.CreatesSent;
        c.RunTo(c.Now + 30);
        Assert.Equal((1, 0, sent, others - 1), (rs.Unseen(other), rs.Missing(other), rs.CreatesSent, c.Pods.OtherPods.Sum()));
        watching = c.RunUntil(() => ctl.ManagerPods.IsWatching, c.Now + 300) ?? throw new InvalidOperationException("never watched again");
        c.RunTo(watching + 30);
        Assert.Equal((0, 0, sent + 1, others), (rs.Unseen(other), rs.Missing(other), rs.CreatesSent, c.Pods.OtherPods.Sum()));
    }

    [Fact]
    public void A_replicaset_failing_again_keeps_its_earlier_retry_and_one_queued_during_a_failing_sync_syncs_at_once()
    {
        // A create takes etcd 1 s, so a batch is in flight for a second.
        var c = new SmallCluster("products[0].replicas=12", "cluster.etcd.writeLatency=1s");
        c.RunTo(60);
        var rs = c.Dp.ReplicaSets!;
        int backend = c.Service("backend");
        int[] pods = [.. Enumerable.Range(c.Dp.Services.FirstPod[backend], 4)];

        // Cut off: a deletion fails at once and waits 5 ms, 10, 20, ...; a further deletion queues it at once and fails
        // again, and the retry stays where it was (the delaying queue keeps the earlier time).
        rs.Client.Blocked = true;
        c.Dp.Lifecycle.OnPodDeleted(pods[0]);
        c.RunTo(62);
        long retry = rs.NextRetryAt(backend);
        int requeues = rs.Requeues(backend);
        Assert.True(retry > c.Sim.Now);
        c.Dp.Lifecycle.OnPodDeleted(pods[1]);
        c.RunTo(62.0001);
        Assert.Equal((requeues + 1, retry), (rs.Requeues(backend), rs.NextRetryAt(backend)));
        c.RunTo(100);
        rs.Client.Blocked = false;
        c.RunTo(400);
        Assert.Equal(0, rs.Missing(backend));

        // A batch in flight fails (the API server dies under it); a deletion made meanwhile syncs again at once, without
        // waiting the 5 ms back-off.
        c.Dp.Lifecycle.OnPodDeleted(pods[2]);
        c.RunTo(400.5);
        long sent = rs.CreatesSent;
        c.Dp.Lifecycle.OnPodDeleted(pods[3]);
        c.RunTo(400.50001);
        Assert.Equal((sent, 1), (rs.CreatesSent, rs.Missing(backend)));   // queued behind the batch in flight
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        c.RunTo(400.5001);
        Assert.Equal((1, sent + 1), (rs.Requeues(backend), rs.CreatesSent));

        // Once the API server is back: a deletion during a batch that lands is created right after it.
        c.RunTo(1000);
        Assert.Equal((0, 0), (rs.Missing(backend), rs.Requeues(backend)));
        c.Dp.Lifecycle.OnPodDeleted(pods[0]);
        c.RunTo(1000.5);
        sent = rs.CreatesSent;
        c.Dp.Lifecycle.OnPodDeleted(pods[1]);
        c.RunTo(1000.50001);
        Assert.Equal(sent, rs.CreatesSent);
        double landed = c.RunUntil(() => rs.CreatesSent > sent, 1005, 0.0001) ?? throw new InvalidOperationException("never sent");
        Assert.InRange(landed, 1001, 1001.1);   // the first create's second in etcd, then the next at once
        c.RunTo(1030);
        Assert.All(pods, p => Assert.Equal(PodPhase.Running, c.Pods.Phase[p]));
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
