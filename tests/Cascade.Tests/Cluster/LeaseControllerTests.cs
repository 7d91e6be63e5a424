using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Tests.ControlPlane;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The kubelet's Lease as upstream's lease controller keeps it (component-helpers/apimachinery/lease/controller.go;
/// docs/model-dataplane.md "Kubelets"): a sync every 10 s stretched by up to 4 %, timed from the last one's end; in a
/// sync, up to five updates back to back; when all five fail, GETs on a 200 ms → 7 s back-off until one lands; then up
/// to five updates more, after which the sync ends whatever they did.
/// </summary>
public class LeaseControllerTests
{
    /// <summary>The response tags of node 0's update and GET, as the kubelets make them for a node of the first life.</summary>
    internal const long UpdateTag = 0, GetTag = 6L << 32;

    private static (ApiServerRig Rig, Kubelets Kubelets) OneNode(double timeoutSeconds = 10)
    {
        var rig = new ApiServerRig(replicas: 1);
        var kubelets = new Kubelets(rig.Sim, rig.Api, 1, SimTime.FromSeconds(10), SimTime.FromSeconds(timeoutSeconds), SimTime.FromMinutes(5), watchPods: false);
        return (rig, kubelets);
    }

    [Fact]
    public void A_refused_sync_makes_five_updates_at_once_then_GETs_on_the_back_off_and_updates_after_the_first_GET_that_lands()
    {
        var (rig, k) = OneNode();
        k.Start();
        rig.Sim.Run(untilTicks: SimTime.FromSeconds(30));
        rig.Api.StopReplica(0, SimTime.FromSeconds(60), "test");
        var failures = new List<long>();
        long seen = 0;
        for (long t = SimTime.FromSeconds(30); t < SimTime.FromSeconds(89); t += SimTime.FromMilliseconds(0.5))
        {
            rig.Sim.Run(untilTicks: t);
            for (long f = k.LeaseFailures; seen < f; seen++) failures.Add(t);
        }
        // Each refusal comes 1 ms after its attempt. Five updates, one after another; the first GET at once after the
        // fifth; then the GETs' sleeps, 0.2, 0.4, 0.8, 1.6, 3.2 and 6.4 s, and 7 s from then on.
        long ms = SimTime.TicksPerMillisecond;
        long[] expected = [0, 1, 2, 3, 4, 5, 206, 607, 1408, 3009, 6210, 12611, 19612, 26613, 33614, 40615, 47616];
        Assert.InRange(failures.Count, expected.Length, expected.Length + 1);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(failures[i] - failures[0], expected[i] * ms - ms, expected[i] * ms + ms);
        Assert.InRange(failures[0], SimTime.FromSeconds(30), SimTime.FromSeconds(40.5)); // the first sync after the stop
        Assert.Equal(0, k.GetLeaseCall(0)!.Dispatched);

        // The replica serves again at 90 s: the pending GET lands, then the update it was waiting for.
        rig.Sim.Run(untilTicks: SimTime.FromSeconds(100));
        Assert.Equal(1, k.GetLeaseCall(0)!.Dispatched);
        Assert.InRange(k.LeaseRenewedAt(0), SimTime.FromSeconds(90), SimTime.FromSeconds(98));
        long failed = k.LeaseFailures;
        rig.Sim.Run(untilTicks: SimTime.FromSeconds(200));
        Assert.Equal(failed, k.LeaseFailures);
        Assert.Equal(1, k.GetLeaseCall(0)!.Dispatched);   // healthy again: updates alone
    }

    [Fact]
    public void After_a_GET_lands_five_more_failed_updates_end_the_sync_and_the_next_begins_a_jittered_period_later()
    {
        // Blocked with an hour's timeout: nothing the test sends is answered; the test answers for the API server.
        var (rig, k) = OneNode(timeoutSeconds: 3600);
        k.HeartbeatClient(0).Blocked = true;
        long Attempts() => rig.Api.Metrics.BlockedAttempts;

        for (int i = 1; i < Kubelets.MaxUpdateRetries; i++)
        {
            k.OnResponse(UpdateTag, RequestOutcome.TooManyRequests, 0, WatchHandle.None);
            Assert.Equal(i, Attempts());   // each failed update is followed at once by the next
        }
        Assert.Null(k.GetLeaseCall(0));
        k.OnResponse(UpdateTag, RequestOutcome.TooManyRequests, 0, WatchHandle.None);
        Assert.Equal(5, Attempts());       // the fifth failure: a GET, at once
        Assert.NotNull(k.GetLeaseCall(0));

        k.OnResponse(GetTag, RequestOutcome.Ok, 0, WatchHandle.None);
        Assert.Equal(6, Attempts());       // the GET landed: an update at once
        for (int i = 1; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.ServerTimeout, 0, WatchHandle.None);
        Assert.Equal(10, Attempts());
        k.OnResponse(UpdateTag, RequestOutcome.ServerTimeout, 0, WatchHandle.None);
        Assert.Equal(10, Attempts());      // the second round failed: no GET, the sync is over
        Assert.Equal(10, k.LeaseFailures);

        rig.Sim.Run(untilTicks: SimTime.FromSeconds(10) - 1);
        Assert.Equal(10, Attempts());
        rig.Sim.Run(untilTicks: SimTime.FromSeconds(10.4) + 1);
        Assert.Equal(11, Attempts());      // the next sync's first update, 10–10.4 s after the last one's end
    }

    [Fact]
    public void A_GET_that_fails_backs_off_and_one_that_lands_restarts_the_updates_with_a_fresh_count()
    {
        var (rig, k) = OneNode(timeoutSeconds: 3600);
        k.HeartbeatClient(0).Blocked = true;
        long Attempts() => rig.Api.Metrics.BlockedAttempts;
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Equal(5, Attempts());
        k.OnResponse(GetTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Equal(5, Attempts());       // the next GET waits its back-off
        rig.Sim.Run(untilTicks: SimTime.FromMilliseconds(200) - 1);
        Assert.Equal(5, Attempts());
        rig.Sim.Run(untilTicks: SimTime.FromMilliseconds(200));
        Assert.Equal(6, Attempts());
        k.OnResponse(GetTag, RequestOutcome.Ok, 0, WatchHandle.None);
        // Four failed updates send four more; the fifth ends the sync. The first round's failures did not carry over.
        for (int i = 0; i < Kubelets.MaxUpdateRetries - 1; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Equal(11, Attempts());
        k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Equal(11, Attempts());
    }

    /// <summary>Each node's renewal times over <paramref name="seconds"/>, seen every 5 ms.</summary>
    private static List<double>[] Renewals(SmallCluster c, double seconds)
    {
        var times = Enumerable.Range(0, 6).Select(_ => new List<double>()).ToArray();
        c.RunUntil(() =>
        {
            for (int n = 0; n < 6; n++)
            {
                double at = SimTime.ToSeconds(c.Kubelets.LeaseRenewedAt(n));
                if (times[n].Count == 0 || times[n][^1] != at) times[n].Add(at);
            }
            return false;
        }, seconds, 0.005);
        return times;
    }

    [Fact]
    public void A_healthy_nodes_renewals_come_10_to_10_4_s_apart_each_node_drawing_its_own_stretch()
    {
        var times = Renewals(new SmallCluster(), 1200);
        var gaps = times.Select(t => t.Skip(1).Zip(t.Skip(2), (a, b) => b - a).ToList()).ToArray();   // from the first renewal on
        var all = gaps.SelectMany(g => g).ToList();
        Assert.True(all.Count > 600, $"{all.Count} gaps");
        // A period is 10 s plus up to 4 %, from one answer to the next attempt; the answer takes a few ms more.
        Assert.All(all, g => Assert.InRange(g, 10, 10.4 + 0.05));
        Assert.InRange(all.Average(), 10.17, 10.24);                 // uniform stretch: 10.2 s on average
        Assert.True(all.Count(g => g < 10.1) > all.Count / 8);       // the whole range is used
        Assert.True(all.Count(g => g > 10.3) > all.Count / 8);
        // No node keeps one stretch, and no two nodes draw the same ones.
        Assert.All(gaps, g => Assert.True(g.Distinct().Count() > g.Count / 2));
        for (int a = 0; a < 6; a++)
            for (int b = a + 1; b < 6; b++)
                Assert.True(gaps[a].Zip(gaps[b], (x, y) => Math.Abs(x - y) < 1e-3).Count(same => same) < 5);
    }

    [Fact]
    public void The_stretch_is_the_same_whether_renewals_go_in_closed_form_or_on_the_request_path()
    {
        // A closed-form renewal is answered (and its next period drawn) when it is sent, one on the request path when
        // its answer arrives, with the same latency on a quiet cluster: the renewal times agree, jitter included. (This
        // does not tell the node's own draws from one shared stream: on a quiet cluster answers come in the order of
        // the sends, so a shared stream would be drawn in the same order too; RandomStreamTests checks the draws'
        // independence of order.)
        var closed = new SmallCluster();
        var path = new SmallCluster("cluster.apiServer.closedFormLeases=false");
        closed.RunTo(900);
        path.RunTo(900);
        for (int n = 0; n < 6; n++) Assert.Equal(path.Kubelets.LeaseRenewedAt(n), closed.Kubelets.LeaseRenewedAt(n));
        Assert.Equal(path.Kubelets.LeaseRenewals, closed.Kubelets.LeaseRenewals);
    }

    [Fact]
    public void Nodes_whose_syncs_end_together_renew_spread_over_the_jitter_and_drift_further_apart_every_period()
    {
        // A replica's death fails every renewal on it at once; here 200 nodes' syncs end at one instant instead (their
        // updates answered together). Without jitter they would renew together every 10 s from then on, a herd; each
        // period's own draw spreads them by its 0.4 s, and the spreads add up as a random walk (by about √n).
        const int nodes = 200;
        var rig = new ApiServerRig(replicas: 1);
        var k = new Kubelets(rig.Sim, rig.Api, nodes, SimTime.FromSeconds(10), SimTime.FromSeconds(10), SimTime.FromMinutes(5), watchPods: false);
        for (int p = 0; p < nodes; p++) k.OnResponse(p, RequestOutcome.Ok, 0, WatchHandle.None);
        var renewals = Enumerable.Range(0, nodes).Select(_ => new List<long>()).ToArray();
        for (long t = 0; t <= SimTime.FromSeconds(320); t += SimTime.FromMilliseconds(5))
        {
            rig.Sim.Run(untilTicks: t);
            for (int n = 0; n < nodes; n++)
                if (k.LeaseRenewedAt(n) is long at && at > 0 && (renewals[n].Count == 0 || renewals[n][^1] != at)) renewals[n].Add(at);
        }
        static double StdDev(IEnumerable<long> xs)
        {
            var s = xs.Select(SimTime.ToSeconds).ToList();
            double mean = s.Average();
            return Math.Sqrt(s.Sum(x => (x - mean) * (x - mean)) / s.Count);
        }
        Assert.All(renewals, r => Assert.True(r.Count >= 30, $"{r.Count} renewals"));
        var first = renewals.Select(r => r[0]).ToList();
        Assert.All(first, at => Assert.InRange(at, SimTime.FromSeconds(10), SimTime.FromSeconds(10.45)));
        Assert.True(first.Max() - first.Min() > SimTime.FromSeconds(0.3), "the first period alone spreads them over its 0.4 s");
        double one = StdDev(first), thirty = StdDev(renewals.Select(r => r[29]));
        Assert.InRange(one, 0.08, 0.15);          // uniform over 0.4 s: 0.115 s
        Assert.InRange(thirty / one, 3.5, 8);     // thirty periods: √30 ≈ 5.5 times as spread
    }

    [Fact]
    public void The_GET_is_the_nodes_own_at_node_high_made_once_and_reused_by_every_later_fallback()
    {
        var (rig, k) = OneNode(timeoutSeconds: 3600);
        k.HeartbeatClient(0).Blocked = true;
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        var get = k.GetLeaseCall(0)!;
        var lease = k.CallsOf(0).Lease;
        Assert.Equal(("kubelet get lease", "get", "leases", VerbClass.Get, false), (get.Name, get.Verb, get.Resource.Name, get.Class, get.ClusterScope));
        Assert.Equal(lease.Classification.PriorityLevel, get.Classification.PriorityLevel);   // node-high, as the update
        Assert.Equal(lease.Classification.FlowHash, get.Classification.FlowHash);             // and in the node's own flow
        // The GET lands, the second round fails, the sync ends; the next sync's first round fails too: the same call.
        k.OnResponse(GetTag, RequestOutcome.Ok, 0, WatchHandle.None);
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Same(get, k.GetLeaseCall(0));
        Assert.Equal(15, rig.Api.Metrics.BlockedAttempts);   // four updates and the GET; the update after it and four more; four and the GET
    }

    [Fact]
    public void A_node_added_again_starts_its_syncs_afresh_and_its_first_failed_round_falls_back_to_a_GET()
    {
        // Removed in the middle of a sync's second round (its GET had landed), then added again: the new node's
        // first five failed updates are a first round, so a GET follows, not the end of the sync.
        var (rig, k) = OneNode(timeoutSeconds: 3600);
        k.HeartbeatClient(0).Blocked = true;
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        k.OnResponse(GetTag, RequestOutcome.Ok, 0, WatchHandle.None);
        k.OnResponse(UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        k.RemoveNode(0);
        k.AddNode(0);
        const long secondLife = 2L << 40;   // removed and added: the node's life counts 2
        long before = rig.Api.Metrics.BlockedAttempts;
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) k.OnResponse(secondLife | UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        Assert.Equal(before + Kubelets.MaxUpdateRetries, rig.Api.Metrics.BlockedAttempts);   // four updates, then the GET
    }
}
