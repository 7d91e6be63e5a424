using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

public class WatchCacheTests
{
    private static (double CpuSeconds, double EtcdSeconds) AgentCost(string resourceVersion)
    {
        var o = Run(ListStorm(500, 10, resourceVersion));
        var call = o.Clusters[0].Workloads[0].Workload.Calls[0].Call;
        return (SimTime.ToSeconds(call.CpuTicksDemanded), SimTime.ToSeconds(call.EtcdTicksDemanded));
    }

    [Fact]
    public void Listing_from_the_watch_cache_cuts_the_agents_api_server_cost_by_more_than_ten_times()
    {
        var etcd = AgentCost("");
        var cache = AgentCost("0");
        double before = etcd.CpuSeconds + etcd.EtcdSeconds, after = cache.CpuSeconds + cache.EtcdSeconds;
        Assert.Equal(0, cache.EtcdSeconds);
        Assert.True(before > 10 * after, $"etcd path {before:F0} s of work, cache path {after:F0} s");
    }

    [Fact]
    public void An_oom_killed_replica_restarts_cold_and_its_clients_informers_rewatch_elsewhere_without_a_consistent_relist()
    {
        var sim = new Simulation(3);
        var timeline = new Timeline();
        var s = ListStorm(200, 10, "0");
        var cluster = ScenarioBuilder.BuildCluster(sim, s, timeline);
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(2));
        Assert.All(Enumerable.Range(0, 3), r => Assert.True(cluster.Api.ReplicaUp(r)));
        long watchesBefore = cluster.Api.WatchCount(0, cluster.Api.Resources.Find("pods")!.Index);
        Assert.True(watchesBefore > 0);

        cluster.Api.OomKill(0, "test");
        Assert.False(cluster.Api.ReplicaUp(0));
        Assert.Equal(0, cluster.Api.WatchCount(0, cluster.Api.Resources.Find("pods")!.Index));
        sim.Run(untilTicks: SimTime.FromMinutes(10));

        Assert.True(cluster.Api.ReplicaUp(0));
        Assert.Contains(timeline.Entries, e => e.Kind == "oom-kill");
        Assert.Contains(timeline.Entries, e => e.Kind == "restart");
        // The kubelets whose watches were on the dead replica re-watched from their last version (client-go's
        // reflector): no RV="" relist, and every one of them watches again.
        Assert.Equal(0, cluster.Kubelets!.PodInformers.Sum(i => i.ConsistentRelists));
        Assert.All(cluster.Kubelets.PodInformers, i => Assert.True(i.IsWatching));
        cluster.Api.CheckAccounting();
    }
}
