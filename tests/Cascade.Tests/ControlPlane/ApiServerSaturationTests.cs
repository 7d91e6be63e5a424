using Cascade.Samples;
using Cascade.Results;
using Cascade.Scenarios.Binding;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>The incident's mechanism in one cluster: a per-node cluster-wide LIST is harmless at 50 nodes and overwhelming at 5,000.</summary>
public class ApiServerSaturationTests
{
    [Fact]
    public void A_daemonset_listing_all_pods_never_saturates_a_50_node_cluster()
    {
        var c = Only(Run(ListStorm(50, 60)));
        Assert.Null(c.Apiserver.SaturatedAtSeconds);
        Assert.Equal(0, c.Apiserver.Ooms);
        Assert.Equal(0, c.Apiserver.Requests.Rejected);
        Assert.Equal(0, c.Apiserver.Requests.TimedOut);
        Assert.Equal(0, c.Kubelets!.LeaseFailures);
    }

    [Fact]
    public void The_same_daemonset_saturates_a_5000_node_cluster_within_minutes()
    {
        var c = Only(Run(ListStorm(5000, 10)));
        Assert.NotNull(c.Apiserver.SaturatedAtSeconds);
        Assert.True(c.Apiserver.SaturatedAtSeconds <= 300, $"saturated at {c.Apiserver.SaturatedAtSeconds} s");
        Assert.True(c.Apiserver.Requests.Rejected + c.Apiserver.Requests.TimedOut > 0);
    }

    [Fact]
    public void Node_leases_keep_completing_while_workload_low_is_saturated()
    {
        // APF's isolation alone: etcd without a memory limit and API servers with room for every LIST's memory,
        // so OOM kills (EtcdMemoryTests; APF bounds seats, not bytes) do not take the leases down too.
        var s = ListStorm(5000, 10);
        s.Cluster.Etcd.Memory = new Quantity(0);
        s.Cluster.ApiServer.Memory = new Quantity(4.0 * (1L << 40));
        var c = Only(Run(s));
        var low = Level(c, "workload-low");
        Assert.True(low.Rejected > 0, "workload-low should be shedding load");
        var k = c.Kubelets!;
        // 5,000 nodes renew every 10 s: ~30,000 renewals in 10 min. Nearly all must succeed.
        Assert.True(k.LeaseRenewals > 25_000, $"only {k.LeaseRenewals} lease renewals");
        Assert.True(k.LeaseFailures < k.LeaseRenewals / 100, $"{k.LeaseFailures} lease failures");
        Assert.Equal(0, Level(c, "node-high").Rejected);
    }

    /// <summary>
    /// apiserver_request_total says what was turned away: each 429 APF gives is counted once, under the verb of the
    /// request it turned away. In the storm (OOM kills and restarts included) those are the agents' LISTs, the
    /// informers' WATCHes, the kubelets' Lease PUTs and, once a sync's five PUTs have failed, their Lease GETs.
    /// </summary>
    [Fact]
    public void The_429s_apf_gives_are_counted_under_the_verb_of_the_request_turned_away()
    {
        var o = Run(ListStorm(5000, 5));
        var r = Only(o).Apiserver.Requests;
        long apf = r.RejectedByReason.QueueFull + r.RejectedByReason.QueueWaitTimeout + r.RejectedByReason.ConcurrencyLimit + r.RejectedByReason.Cancelled;
        var samples = o.Clusters[0].Api.Metrics.Samples;
        long TooMany(ReportedVerb v) => samples.Sum(s => (long)s.RequestsByVerbCode[(int)v * MetricLabels.Codes + (int)ResponseCode.TooManyRequests]);
        Assert.True(apf > 1000, $"only {apf} rejections");
        Assert.Equal(apf, Enum.GetValues<ReportedVerb>().Sum(TooMany));
        Assert.All(new[] { ReportedVerb.List, ReportedVerb.Watch, ReportedVerb.Put, ReportedVerb.Get }, v => Assert.True(TooMany(v) > 1000, $"{v}: {TooMany(v)}"));
        // The GETs are the kubelets': only nodes whose sync fell back to a GET have a GET call.
        var kubelets = o.Clusters[0].Kubelets!;
        Assert.InRange(Enumerable.Range(0, kubelets.Nodes).Count(n => kubelets.GetLeaseCall(n) is not null), 1, kubelets.Nodes);
    }

    [Fact]
    public void Issued_requests_are_all_accounted_for()
    {
        foreach (int nodes in new[] { 50, 5000 })
        {
            var r = Only(Run(ListStorm(nodes, 5))).Apiserver.Requests;
            Assert.Equal(r.Issued, r.Completed + r.Rejected + r.TimedOut + r.InFlight);
            Assert.Equal(r.Rejected, r.RejectedByReason.QueueFull + r.RejectedByReason.QueueWaitTimeout + r.RejectedByReason.ConcurrencyLimit + r.RejectedByReason.Cancelled + r.RejectedByReason.Unavailable);
        }
    }

    [Fact]
    public void One_seed_gives_a_byte_identical_result_and_another_seed_a_different_one()
    {
        string a = Json.Serialize(Run(ListStorm(500, 5), seed: 7).Result);
        string b = Json.Serialize(Run(ListStorm(500, 5), seed: 7).Result);
        string c = Json.Serialize(Run(ListStorm(500, 5), seed: 8).Result);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
