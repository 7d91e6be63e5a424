using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Fleet;

/// <summary>Faults injected at chosen moments, and how the cluster lives through them.</summary>
public class FaultTests
{
    private static string Cluster(int nodes, string version = "1.34", string extra = "") => $"""
        apiVersion: cascade/v1
        kind: Scenario
        duration: 12m
        cluster:
          name: prod
          kubernetesVersion: "{version}"
          nodes: {nodes}
          podsPerNode: 30
          apiServer: {"{"}replicas: 3{"}"}
          kubelets: {"{"}enabled: true{"}"}
          controllers: {"{"}enabled: true{"}"}
        {extra}
        workloads:
          - name: node-agent
            placement: per-node
            identity: {"{"}serviceAccount: monitoring/node-agent{"}"}
            informers:
              - resource: pods
                selector: spec.nodeName=$(NODE_NAME)
        products:
          - {"{"}name: backend, replicas: 50, requestRate: 0{"}"}
          - {"{"}name: web, replicas: 50, requestRate: 200, calls: [backend]{"}"}
        """;

    private static RunOutput Run(string yaml, params string[] overrides) =>
        ScenarioRunner.Run(YamlBinder.Load<Scenario>(yaml, "faults.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind), 1);

    private static string Fault(string body) => "faults:\n  - " + body.Replace("\n", "\n    ");

    [Fact]
    public void Restarting_every_api_server_breaks_every_watch_and_every_informer_resumes_as_the_reflector_does()
    {
        var o = Run(Cluster(500) + "\n" + Fault("fault: restartApiServers\nat: 5m"));
        var c = o.Result.Clusters[0];
        var api = o.Fleet.Clusters[0].Api;
        Assert.Equal(3, c.Apiserver.Restarts.Fault);
        Assert.Equal(0, c.Apiserver.Restarts.OomKill);
        // Every informer that was watching at 5 min lost its watch: the kubelets', the agents', kube-proxies' and the controllers'.
        Assert.True(c.Informers.BrokenWatches >= 3 * 500, $"broken watches {c.Informers.BrokenWatches}");
        // Seven minutes later every one of them has a view and an open watch again.
        Assert.All(api.Informers.Where(i => i.HasSynced), i => Assert.True(i.IsWatching));
        Assert.All(o.Fleet.Clusters[0].Kubelets!.PodInformers, i => Assert.True(i.IsWatching));
        Assert.Contains(o.Result.Timeline, e => e.Kind == "fault" && e.Message.Contains("3 of 3 API server replicas restarted"));
        // The time series shows it: a burst of re-watches from 5 min, then the relists after 410, all served by the caches.
        var samples = api.Metrics.Samples;
        double before = samples.Where(x => x.TimeSeconds > 60 && x.TimeSeconds <= 300).Max(x => x.Watches); // after the start-up watches opened
        double burst = samples.Where(x => x.TimeSeconds > 300 && x.TimeSeconds <= 400).Max(x => x.Watches);
        Assert.True(burst > 10 * before, $"re-watches {burst} against {before} before");
        Assert.True(samples.Where(x => x.TimeSeconds > 300).Sum(x => x.ListsFromCache) >= 3 * 500);
        // Only the new controller-manager and scheduler leaders list from nothing: paginated LISTs a cold cache sends to etcd.
        Assert.InRange(samples.Where(x => x.TimeSeconds > 300).Sum(x => x.ListsFromEtcd), 1, 100);
        Assert.Equal(1, c.LeaderLosses!.ControllerManager);
        Assert.Equal(0, c.NodesNotReadyPeak); // the new leader gives every node the grace period from its start
        Assert.Equal(3, o.Result.Timeline.Count(e => e.Kind == "restart" && e.Message.StartsWith("apiserver-")));
    }

    [Fact]
    public void Restarting_one_replica_of_three_breaks_about_a_third_of_the_watches()
    {
        var all = Run(Cluster(500) + "\n" + Fault("fault: restartApiServers\nat: 5m")).Result.Clusters[0];
        var one = Run(Cluster(500) + "\n" + Fault("fault: restartApiServers\nat: 5m\nreplicas: 1")).Result.Clusters[0];
        Assert.Equal(1, one.Apiserver.Restarts.Fault);
        double share = one.Informers.BrokenWatches / (double)all.Informers.BrokenWatches;
        Assert.InRange(share, 0.2, 0.5);
    }

    [Fact]
    public void A_killed_replica_without_a_duration_stays_down_and_the_others_carry_the_cluster()
    {
        var o = Run(Cluster(300) + "\n" + Fault("fault: killApiServers\nat: 2m\nreplicas: 1"));
        var api = o.Fleet.Clusters[0].Api;
        Assert.False(api.ReplicaUp(0));
        Assert.True(api.ReplicaUp(1) && api.ReplicaUp(2));
        Assert.DoesNotContain(o.Result.Timeline, e => e.Kind == "restart" && e.Message.StartsWith("apiserver-0"));
        Assert.All(o.Fleet.Clusters[0].Kubelets!.PodInformers, i => Assert.True(i.IsWatching));
        Assert.Equal(0, o.Result.Clusters[0].NodesNotReadyPeak);
    }

    [Fact]
    public void Losing_one_etcd_member_of_three_costs_an_election_but_losing_two_takes_etcd_down()
    {
        var one = Run(Cluster(300) + "\n" + Fault("fault: killEtcd\nat: 2m\nreplicas: 1\nduration: 3m"));
        var two = Run(Cluster(300) + "\n" + Fault("fault: killEtcd\nat: 2m\nreplicas: 2\nduration: 3m"));
        Assert.Equal(1, one.Result.Clusters[0].Etcd.LeaderElections);
        Assert.Equal(0, one.Result.Clusters[0].Etcd.FaultKills);
        Assert.DoesNotContain(one.Result.Timeline, e => e.Kind == "etcd-down");
        Assert.Contains(one.Result.Timeline, e => e.Kind == "etcd-member-back");
        Assert.Equal(1, two.Result.Clusters[0].Etcd.FaultKills);
        Assert.Contains(two.Result.Timeline, e => e.Kind == "etcd-down");
        // Without quorum for 3 minutes no Lease can be written: the kubelets' renewals fail, and the controller
        // manager loses its own lease and restarts, so it judges no node until etcd is back — then from scratch.
        Assert.True(two.Result.Clusters[0].Kubelets!.LeaseFailures > one.Result.Clusters[0].Kubelets!.LeaseFailures);
        Assert.Equal(0, one.Result.Clusters[0].LeaderLosses!.ControllerManager);
        Assert.True(two.Result.Clusters[0].LeaderLosses!.ControllerManager >= 1);
        Assert.Equal(0, one.Result.Clusters[0].NodesNotReadyPeak);
        Assert.Equal(0, two.Result.Clusters[0].NodesNotReadyPeak);
    }

    [Fact]
    public void Restarting_coredns_restarts_each_replica_and_they_list_again()
    {
        var o = Run(Cluster(200) + "\n" + Fault("fault: restartCoreDns\nat: 2m"));
        Assert.Equal(2, o.Result.Clusters[0].DataPlane!.CoreDnsRestarts);
        Assert.Equal(2, o.Result.Timeline.Count(e => e.Kind == "coredns-restart" && e.Message.Contains("by a fault")));
    }

    [Fact]
    public void A_new_controller_manager_leader_lists_everything_and_no_node_is_judged_while_there_is_none()
    {
        var o = Run(Cluster(200) + "\n" + Fault("fault: restartControllerManager\nat: 2m\nduration: 20s"));
        var ctl = o.Fleet.Clusters[0].Controllers!;
        Assert.Equal(1, ctl.ManagerPods.Lists);    // the new leader's informers list from nothing
        Assert.Equal(1, ctl.ManagerLeases.Lists);
        Assert.Equal(0, ctl.SchedulerPods.Lists);  // the scheduler kept its leader
        Assert.True(ctl.ManagerPods.IsWatching && !ctl.ManagerLeaderless);
        Assert.Equal(0, o.Result.Clusters[0].NodesNotReadyPeak);
    }

    [Theory]
    [InlineData(5, 0)]   // shorter than the renew deadline: the leaders renew once the API servers are back
    [InlineData(40, 1)]  // longer: each leader exits, restarts, and takes the lease again once it has expired
    public void The_controller_manager_keeps_its_lease_through_a_short_outage_and_exits_in_a_long_one(int downSeconds, int losses)
    {
        var o = Run(Cluster(200) + "\n" + Fault($"fault: restartApiServers\nat: 2m\nduration: {downSeconds}s"), "duration=5m");
        var c = o.Result.Clusters[0];
        Assert.Equal(losses, c.LeaderLosses!.ControllerManager);
        Assert.Equal(losses, c.LeaderLosses!.Scheduler);
        var ctl = o.Fleet.Clusters[0].Controllers!;
        Assert.True(ctl.Manager.Leading && ctl.SchedulerElector.Leading);
        // Its pod informer listed once either way: kept, it relisted after its watch expired (every cache restarted);
        // a new leader's lists from nothing, which is no relist.
        Assert.Equal(1, ctl.ManagerPods.Lists);
        Assert.Equal(1 - losses, ctl.ManagerPods.Relists);
        if (losses > 0)
        {
            var lost = o.Result.Timeline.First(e => e.Kind == "leader-lost");
            var acquired = o.Result.Timeline.First(e => e.Kind == "leader-acquired" && e.Message.StartsWith("kube-controller-manager"));
            Assert.InRange(lost.Time, 120 + 10, 120 + 14);           // the renew deadline after the last renewal
            Assert.True(acquired.Time >= 120 + downSeconds);         // not before the API servers are back
        }
    }

    [Fact]
    public void A_killed_controller_manager_leader_is_replaced_only_once_its_lease_has_expired()
    {
        var o = Run(Cluster(200) + "\n" + Fault("fault: restartControllerManager\nat: 2m\nduration: 1s"), "duration=4m");
        var acquired = o.Result.Timeline.Single(e => e.Kind == "leader-acquired");
        // The dead leader last renewed within 2 s before it died; its lease lasts 15 s from then.
        Assert.InRange(acquired.Time, 120 + 13, 120 + 18);
    }

    [Fact]
    public void A_5000_pod_daemonset_restarted_at_once_lists_in_a_burst_and_a_rolling_restart_spreads_it()
    {
        // The agent's informer selects pods by a label across the cluster: each LIST scans the cache's 150,000 pods.
        string yaml = Cluster(5000).Replace("selector: spec.nodeName=$(NODE_NAME)", "selector: app=gpu-monitor\n        selectivity: 0.001")
            + "\n" + Fault("fault: restartPods\nat: 2m\nworkload: node-agent");
        var once = Run(yaml, "duration=6m");
        var rolling = Run(yaml, "duration=6m", "faults[0].maxUnavailable=10%");
        var a = once.Result.Clusters[0];
        var b = rolling.Result.Clusters[0];
        // The agent ran before the run (its informers synced); each restarted pod's informer lists once: 5,000 LISTs either way.
        Assert.Equal(a.Informers.Lists, b.Informers.Lists);
        Assert.InRange(a.Informers.Lists, 5000, 5000 + 20); // + the controllers' and CoreDNS's own
        Assert.Contains(once.Result.Timeline, e => e.Kind == "fault" && e.Message.Contains("all 5000 pods of node-agent restarted at once"));
        // At once, they arrive together; 10 % at a time, the burst is spread and peak seats fall.
        double peakOnce = PeakSeats(once), peakRolling = PeakSeats(rolling);
        Assert.True(peakRolling < 0.8 * peakOnce, $"peak seats rolling {peakRolling} vs at once {peakOnce}");
        // Spread out, the restart takes longer: each batch waits for the last to sync.
        double Done(RunOutput o) => o.Result.Timeline.Single(e => e.Message.Contains("restarted and Ready")).Time;
        Assert.True(Done(rolling) > Done(once) + 20);
        Assert.Contains(rolling.Result.Timeline, e => e.Kind == "fault" && e.Message.Contains("500 pods at a time"));
        Assert.Contains(rolling.Result.Timeline, e => e.Kind == "fault" && e.Message.Contains("5000 pods restarted and Ready"));
    }

    private static double PeakSeats(RunOutput o) =>
        o.Fleet.Clusters[0].Api.Metrics.Samples.Where(s => s.TimeSeconds > 120).Max(s => s.SeatsInUseMax);

    [Fact]
    public void A_partition_shorter_than_the_watch_cache_history_resumes_watches_and_a_longer_one_relists()
    {
        var brief = Run(Cluster(400) + "\n" + Fault("fault: partitionNodes\nat: 2m\nfraction: 0.25\nduration: 30s"), "duration=6m");
        var longer = Run(Cluster(400) + "\n" + Fault("fault: partitionNodes\nat: 2m\nfraction: 0.25\nduration: 3m"), "duration=8m");
        int cut = 100;
        // Both cut off 100 nodes' kubelets, agents and kube-proxies: their watches end.
        Assert.True(brief.Result.Clusters[0].Informers.BrokenWatches >= 3 * cut);
        // After 30 s the watch cache still holds their version: they re-watch without a LIST.
        Assert.True(brief.Result.Clusters[0].Informers.Relists < cut / 10, $"brief relists {brief.Result.Clusters[0].Informers.Relists}");
        // After 3 min it does not (75 s of history): 410 Expired, then a relist each.
        Assert.True(longer.Result.Clusters[0].Informers.ExpiredWatches >= 3 * cut);
        Assert.True(longer.Result.Clusters[0].Informers.Relists >= 3 * cut);
        // Leases failed only on the partitioned nodes, long enough for them to go NotReady in the longer one.
        Assert.Equal(0, brief.Result.Clusters[0].NodesNotReadyPeak);
        Assert.Equal(cut, longer.Result.Clusters[0].NodesNotReadyPeak);
        Assert.Contains(longer.Result.Timeline, e => e.Kind == "fault" && e.Message.StartsWith("partition healed"));
        Assert.All(longer.Fleet.Clusters[0].Kubelets!.PodInformers, i => Assert.True(i.IsWatching));
    }

    [Fact]
    public void Lost_nodes_go_not_ready_after_the_grace_period_and_their_pods_are_evicted_after_the_toleration()
    {
        var o = Run(Cluster(200) + "\n" + Fault("fault: loseNodes\nat: 1m\nfraction: 0.1"));
        var c = o.Result.Clusters[0];
        Assert.Equal(20, c.NodesNotReadyPeak);
        var notReady = o.Result.Timeline.First(e => e.Kind == "node-not-ready");
        Assert.InRange(notReady.Time, 60 + 40, 60 + 50 + 10); // grace period 50 s after the last renewal, judged every 5 s
        Assert.True(c.DataPlane!.Evictions > 0, "the lost nodes' pods were never evicted");
        Assert.Contains(o.Result.Timeline, e => e.Kind == "fault" && e.Message.Contains("20 nodes lost"));
    }

    [Theory]
    [InlineData("fault: restartApiServers\n    at: 5m\n    clusters: [staging]", "faults[0].clusters", "names no cluster")]
    [InlineData("fault: restartApiServers\n    at: 2h", "faults[0].at", "past the end")]
    [InlineData("fault: restartPods\n    at: 5m\n    workload: nobody", "faults[0].workload", "has no workload named 'nobody'")]
    [InlineData("fault: meltdown\n    at: 5m", "faults[0].fault", "")]
    [InlineData("fault: restartPods\n    at: 5m\n    workload: node-agent\n    maxUnavailable: lots", "faults[0].maxUnavailable", "percentage")]
    [InlineData("fault: restartApiServers", "faults[0].at", "exactly one of")]
    public void A_fault_that_cannot_happen_is_a_located_error(string fault, string field, string message)
    {
        var yaml = Cluster(50) + "\nfaults:\n  - " + fault + "\n";
        var e = Assert.Throws<InputException>(() => YamlBinder.Load<Scenario>(yaml, "faults.yaml", null, ScenarioLoader.ApiVersion, ScenarioLoader.Kind));
        Assert.Equal(field, e.Field);
        Assert.True(e.Line > 20, $"line {e.Line}");
        Assert.Contains(message, e.Message);
    }
}
