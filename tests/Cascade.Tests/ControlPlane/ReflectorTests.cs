using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>What client-go's reflector does after its API server restarts, by Kubernetes version (docs/model.md, "Informers").</summary>
public class ReflectorTests
{
    private static (Simulation Sim, Cascade.Cluster.ClusterModel Cluster, Timeline Timeline) QuietCluster(int nodes, string version)
    {
        var sim = new Simulation(7);
        var timeline = new Timeline();
        var s = ListStorm(nodes, 20, "0", kubernetesVersion: version);
        s.Workloads.Clear();
        var cluster = ScenarioBuilder.BuildCluster(sim, s, timeline);
        cluster.Start();
        return (sim, cluster, timeline);
    }

    private static double EtcdSecondsOf(Informer inf)
    {
        var c = inf.Calls;
        return SimTime.ToSeconds(c.List.EtcdTicksDemanded + c.Relist.EtcdTicksDemanded + c.ConsistentRelist.EtcdTicksDemanded +
                                 c.Watch.EtcdTicksDemanded + c.WatchList.EtcdTicksDemanded);
    }

    [Theory]
    [InlineData("1.30")] // before resilient initialisation: requests to the cold cache wait for it
    [InlineData("1.31")] // 429 until the cache is ready
    [InlineData("1.35")] // WatchList informers
    public void After_an_api_server_restart_in_a_5000_node_cluster_kubelets_rewatch_or_relist_from_the_cache_never_from_etcd(string version)
    {
        var (sim, cluster, timeline) = QuietCluster(5000, version);
        sim.Run(untilTicks: SimTime.FromMinutes(2));
        int pods = cluster.Api.Resources.Find("pods")!.Index;
        int onZero = cluster.Api.WatchCount(0, pods);
        Assert.True(onZero > 1000, $"only {onZero} pod watches on apiserver-0 before the kill");

        cluster.Api.OomKill(0, "test");
        sim.Run(untilTicks: SimTime.FromMinutes(8));

        Assert.True(cluster.Api.ReplicaUp(0));
        Assert.True(cluster.Api.CacheReady(0, pods));
        var informers = cluster.Kubelets!.PodInformers;
        Assert.Equal(0, informers.Sum(EtcdSecondsOf));
        Assert.Equal(0, informers.Sum(i => i.ConsistentRelists));
        // Every kubelet watches its pods again.
        Assert.All(informers, i => Assert.True(i.IsWatching));
        cluster.Api.CheckAccounting();
    }

    [Fact]
    public void A_watch_from_before_a_caches_restart_is_expired_and_the_relist_is_served_by_the_cache()
    {
        var (sim, cluster, _) = QuietCluster(300, "1.31");
        sim.Run(untilTicks: SimTime.FromMinutes(1));
        cluster.Api.OomKill(0, "test");
        cluster.Api.OomKill(1, "test");
        cluster.Api.OomKill(2, "test");
        sim.Run(untilTicks: SimTime.FromMinutes(10));
        var informers = cluster.Kubelets!.PodInformers;
        // With every replica restarted, no cache has the old versions: watches get 410 and the kubelets relist,
        // from the last synced version (the cache), not with RV="".
        Assert.True(informers.Sum(i => i.ExpiredWatches) >= informers.Count, "watches were not expired");
        Assert.True(informers.Sum(i => i.Relists) >= informers.Count);
        Assert.Equal(0, informers.Sum(i => i.ConsistentRelists));
        Assert.All(informers, i => Assert.True(i.IsWatching));
    }

    private static Scenario CutOff(int nodes, double cutAtMinutes, double minutes)
    {
        var s = ListStorm(nodes, minutes);
        s.Remediation.Add(new ActionSpec
        {
            Name = "cut the agent off", Action = ActionKind.BlockApiAccess, At = Duration.FromSeconds(cutAtMinutes * 60),
            Workloads = { "telemetry-agent" },
        });
        return s;
    }

    [Fact]
    public void A_5000_node_cluster_whose_agent_is_cut_off_recovers_within_minutes_or_names_the_loop_that_holds_it()
    {
        var o = Run(CutOff(5000, 10, 30));
        var c = Only(o);
        Assert.NotNull(c.Apiserver.SaturatedAtSeconds);
        // It recovers within the run; later than 5 min after the cut-off only if the timeline names what held it
        // (etcd's CrashLoopBackOff, liveness restarts) between the cut-off and the recovery.
        Assert.NotNull(c.Apiserver.RecoveredAtSeconds);
        double recovered = c.Apiserver.RecoveredAtSeconds!.Value;
        Assert.True(recovered > 600, $"recovered at {recovered} s, before the cut-off");
        bool named = o.Result.Timeline.Any(e => e.Time > 540 && e.Time < recovered && e.Kind is "crash-loop" or "liveness-restart");
        if (!named) Assert.InRange(recovered, 600, 600 + 5 * 60);
    }

    [Fact]
    public void Clients_cut_off_by_a_network_block_are_counted_on_their_own_not_as_api_server_failures()
    {
        var o = Run(CutOff(300, 2, 6));
        var r = Only(o).Apiserver.Requests;
        Assert.True(r.Blocked > 1000, $"{r.Blocked} blocked attempts");
        Assert.Equal(0, r.RejectedByReason.Unavailable);
        Assert.Equal(r.Issued, r.Completed + r.Rejected + r.TimedOut + r.InFlight);
    }
}
