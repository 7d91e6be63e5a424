using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>What each fault does to the clusters it names, on two 10-node clusters run for a minute or two (fast).</summary>
public class FaultInjectionTests
{
    internal const string Two = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 10m
        clusters:
          - name: prod-a
            count: 1
            kubernetesVersion: "1.34"
            nodes: 10
            podsPerNode: 10
            apiServer: {replicas: 3}
            kubelets: {enabled: true}
            controllers: {enabled: true}
          - name: prod-b
            kubernetesVersion: "1.34"
            nodes: 10
            podsPerNode: 10
            apiServer: {replicas: 3}
            kubelets: {enabled: true}
            controllers: {enabled: true}
        workloads:
          - name: agent
            placement: per-node
            identity: {serviceAccount: monitoring/agent}
            informers:
              - resource: pods
                selector: spec.nodeName=$(NODE_NAME)
        products:
          - {name: backend, replicas: 4, requestRate: 0}
          - {name: web, replicas: 4, requestRate: 20, calls: [backend]}
        """;

    private static PlannedFault F(FaultKind kind, double at, int replicas = 0, double? duration = null, string name = "", string cluster = "prod-a",
        string workload = "agent", PodBudget? budget = null, double fraction = 0) =>
        new(kind, name, [cluster], new Trigger(At(at), null, null), replicas, duration is null ? null : At(duration.Value), workload,
            budget ?? new PodBudget(0, 100), fraction);

    /// <summary>Runs the two clusters with these faults to <paramref name="until"/> seconds; the fleet's fault entries (what each fault reports).</summary>
    private static (FleetModel Fleet, List<(double Time, string Cluster, string Message)> Reports) Run(double until, params PlannedFault[] faults)
    {
        var fleet = Build(Two);
        fleet.Faults = new Faults(fleet, faults);
        fleet.Start();
        fleet.RunUntil(At(until), 1);
        return (fleet, fleet.Timeline.Entries.Where(e => e.Kind == "fault").Select(e => (e.Time, e.Cluster, e.Message)).ToList());
    }

    private static List<(double Time, string Message)> ClusterEntries(FleetModel fleet, string cluster, string kind) =>
        fleet.Find(cluster)!.Timeline.Entries.Where(e => e.Kind == kind).Select(e => (e.Time, e.Message)).ToList();

    [Fact]
    public void Restarting_api_servers_stops_the_replicas_asked_for_on_the_clusters_named_for_the_restart_time_or_the_faults_duration()
    {
        var (fleet, reports) = Run(200, F(FaultKind.RestartApiServers, 20, replicas: 2, name: "two"), F(FaultKind.RestartApiServers, 100, duration: 7));
        Assert.Equal(new[]
        {
            (20.0, "prod-a", "RestartApiServers 'two': 2 of 3 API server replicas restarted"),
            (100.0, "prod-a", "RestartApiServers: 3 of 3 API server replicas restarted"),
        }, reports);
        Assert.Equal(new[]
        {
            (20.0, "apiserver-0 restarted by a fault: back in 30 s"), (20.0, "apiserver-1 restarted by a fault: back in 30 s"),
            (100.0, "apiserver-0 restarted by a fault: back in 7 s"), (100.0, "apiserver-1 restarted by a fault: back in 7 s"), (100.0, "apiserver-2 restarted by a fault: back in 7 s"),
        }, ClusterEntries(fleet, "prod-a", "fault"));
        Assert.Empty(ClusterEntries(fleet, "prod-b", "fault"));
    }

    [Fact]
    public void Killing_api_servers_without_a_duration_keeps_them_down_and_a_later_fault_counts_only_those_serving()
    {
        var (fleet, reports) = Run(200, F(FaultKind.KillApiServers, 20, replicas: 1), F(FaultKind.RestartApiServers, 50, replicas: 5));
        Assert.Equal(new[]
        {
            (20.0, "prod-a", "KillApiServers: 1 of 3 API server replicas killed"),
            (50.0, "prod-a", "RestartApiServers: 2 of 3 API server replicas restarted"),
        }, reports);
        Assert.Equal((20.0, "apiserver-0 killed by a fault: not coming back"), ClusterEntries(fleet, "prod-a", "fault")[0]);
        Assert.DoesNotContain(ClusterEntries(fleet, "prod-a", "restart"), e => e.Message.StartsWith("apiserver-0", StringComparison.Ordinal));
    }

    [Fact]
    public void Killing_api_servers_for_a_while_brings_them_back_after_it()
    {
        var (fleet, reports) = Run(200, F(FaultKind.KillApiServers, 20, replicas: 1, duration: 40));
        Assert.Equal((20.0, "prod-a", "KillApiServers: 1 of 3 API server replicas killed"), Assert.Single(reports));
        Assert.Contains((60.0, "apiserver-0 serving again; watch cache initialising"), ClusterEntries(fleet, "prod-a", "restart"));
    }

    [Fact]
    public void Killing_etcd_members_takes_those_asked_for_of_the_members_up()
    {
        var (fleet, reports) = Run(100, F(FaultKind.KillEtcd, 20, replicas: 1, duration: 3600), F(FaultKind.KillEtcd, 40, replicas: 7, duration: 5));
        Assert.Equal(new[]
        {
            (20.0, "prod-a", "KillEtcd: 1 of 3 etcd members killed"),
            (40.0, "prod-a", "KillEtcd: 2 of 3 etcd members killed"),
        }, reports);
        Assert.Equal(40.0, Assert.Single(ClusterEntries(fleet, "prod-a", "etcd-down")).Time);
        Assert.Contains(ClusterEntries(fleet, "prod-a", "restart"), e => e.Time == 45 && e.Message.StartsWith("etcd serving again", StringComparison.Ordinal));
    }

    [Fact]
    public void Killing_all_etcd_members_takes_it_down_for_its_restart_time()
    {
        var (fleet, reports) = Run(100, F(FaultKind.KillEtcd, 20));
        Assert.Equal((20.0, "prod-a", "KillEtcd: 3 of 3 etcd members killed"), Assert.Single(reports));
        var down = Assert.Single(ClusterEntries(fleet, "prod-a", "etcd-down"));
        Assert.Contains("down for 30 s", down.Message);
    }

    [Fact]
    public void Restarting_coredns_restarts_the_replicas_asked_for()
    {
        var (fleet, reports) = Run(60, F(FaultKind.RestartCoreDns, 20, replicas: 1, cluster: "*"));
        Assert.Equal(new[] { (20.0, "prod-a", "RestartCoreDns: 1 of 2 CoreDNS replicas restarted"), (20.0, "prod-b", "RestartCoreDns: 1 of 2 CoreDNS replicas restarted") }, reports);
        Assert.Equal(new[] { "coredns-0 container restarted: restarted by a fault" },
            ClusterEntries(fleet, "prod-a", "coredns-restart").Where(e => e.Time == 20).Select(e => e.Message));
        var (all, allReports) = Run(60, F(FaultKind.RestartCoreDns, 20));
        Assert.Equal((20.0, "prod-a", "RestartCoreDns: 2 of 2 CoreDNS replicas restarted"), Assert.Single(allReports));
        Assert.Equal(2, ClusterEntries(all, "prod-a", "coredns-restart").Count(e => e.Time == 20));
    }

    [Fact]
    public void Killing_the_controller_manager_leader_stops_it_and_not_the_scheduler()
    {
        var (fleet, reports) = Run(21, F(FaultKind.RestartControllerManager, 20, duration: 12));
        Assert.Equal((20.0, "prod-a", "RestartControllerManager: kube-controller-manager's leader killed: a process runs again in 12 s and takes the lease once it has expired"), Assert.Single(reports));
        var c = fleet.Find("prod-a")!.Controllers!;
        Assert.False(c.Manager.Leading);
        Assert.True(c.SchedulerElector.Leading);
        Assert.True(fleet.Find("prod-b")!.Controllers!.Manager.Leading);
    }

    [Fact]
    public void Killing_the_scheduler_leader_stops_it_and_not_the_controller_manager_and_by_default_a_process_starts_in_its_start_time()
    {
        var (fleet, reports) = Run(21, F(FaultKind.RestartScheduler, 20));
        Assert.Equal((20.0, "prod-a", $"RestartScheduler: kube-scheduler's leader killed: a process runs again in {SimTime.ToSeconds(LeaderElector.ProcessStartTicks):F0} s and takes the lease once it has expired"), Assert.Single(reports));
        var c = fleet.Find("prod-a")!.Controllers!;
        Assert.False(c.SchedulerElector.Leading);
        Assert.True(c.Manager.Leading);
    }

    [Fact]
    public void Restarting_pods_at_once_or_a_budget_at_a_time_and_each_pod_takes_the_restart_time()
    {
        var (once, onceReports) = Run(120, F(FaultKind.RestartPods, 20));
        Assert.Equal((20.0, "prod-a", "RestartPods: all 10 pods of agent restarted at once"), Assert.Single(onceReports));
        var done = Assert.Single(ClusterEntries(once, "prod-a", "fault"), e => e.Message.StartsWith("agent:", StringComparison.Ordinal));
        Assert.Equal("agent: 10 pods restarted and Ready in 6 s", done.Message);

        var (rolling, rollingReports) = Run(120, F(FaultKind.RestartPods, 20, budget: new PodBudget(3, 0), duration: 2));
        Assert.Equal((20.0, "prod-a", "RestartPods: agent restarting 3 pods at a time"), Assert.Single(rollingReports));
        Assert.Equal("agent: 10 pods restarted and Ready in 12 s", Assert.Single(ClusterEntries(rolling, "prod-a", "fault"), e => e.Message.StartsWith("agent:", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public void A_budget_as_large_as_the_pods_restarts_them_at_once()
    {
        var (_, reports) = Run(30, F(FaultKind.RestartPods, 20, budget: new PodBudget(10, 0)));
        Assert.Equal((20.0, "prod-a", "RestartPods: all 10 pods of agent restarted at once"), Assert.Single(reports));
    }

    [Fact]
    public void Restarting_the_pods_of_a_workload_not_running_restarts_nothing()
    {
        var fleet = Build(Two, "workloads[0].startAt=5m");
        fleet.Faults = new Faults(fleet, [F(FaultKind.RestartPods, 20)]);
        fleet.Start();
        fleet.RunUntil(At(30), 1);
        Assert.Equal(new[] { (20.0, "prod-a", "RestartPods: agent is not running: nothing restarted") }, Entries(fleet, "fault").Where(e => e.Cluster == "prod-a"));
    }

    [Fact]
    public void A_partition_cuts_off_the_last_share_of_the_nodes_rounded_up_for_its_duration_or_five_minutes()
    {
        var (fleet, reports) = Run(400, F(FaultKind.PartitionNodes, 20, fraction: 0.25), F(FaultKind.PartitionNodes, 30, fraction: 0.1, duration: 30, cluster: "prod-b"));
        Assert.Equal(new[]
        {
            (20.0, "prod-a", "PartitionNodes: nodes 7–9 (3) cut off from the control plane for 5.0 min"),
            (30.0, "prod-b", "PartitionNodes: nodes 9–9 (1) cut off from the control plane for 0.5 min"),
        }, reports);
        Assert.Contains((320.0, "partition healed: nodes 7–9 reach the control plane again"), ClusterEntries(fleet, "prod-a", "fault"));
        Assert.Contains((60.0, "partition healed: nodes 9–9 reach the control plane again"), ClusterEntries(fleet, "prod-b", "fault"));
    }

    [Fact]
    public void Losing_nodes_loses_the_share_of_the_nodes_still_in_the_cluster_rounded_up()
    {
        var fleet = Build(Two);
        fleet.Faults = new Faults(fleet, [F(FaultKind.LoseNodes, 20, fraction: 0.25), F(FaultKind.LoseNodes, 20, fraction: 0.5, cluster: "prod-b")]);
        fleet.Start();
        fleet.RunUntil(At(10), 1);
        fleet.Find("prod-b")!.RemoveNodesFrom(6);
        fleet.RunUntil(At(30), 1);
        Assert.Equal(new[] { (20.0, "prod-a", "LoseNodes: 3 nodes lost"), (20.0, "prod-b", "LoseNodes: 3 nodes lost") }, Entries(fleet, "fault").Where(e => e.Cluster == "*" || e.Message.StartsWith("LoseNodes", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_planned_faults_are_kept_as_given()
    {
        var f = F(FaultKind.LoseNodes, 20, fraction: 0.25);
        var faults = new Faults(Stubs("a"), [f]);
        Assert.Same(f, Assert.Single(faults.Planned));
    }
}
