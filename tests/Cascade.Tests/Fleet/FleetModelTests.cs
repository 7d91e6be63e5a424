using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>What couples the clusters of a fleet: starting its parts, passing on detection and halts, the merged timeline, stepping.</summary>
public class FleetModelTests
{
    [Fact]
    public void A_cluster_is_found_by_its_exact_name()
    {
        var fleet = Stubs("prod-1", "prod-2");
        Assert.Same(fleet.Clusters[1], fleet.Find("prod-2"));
        Assert.Null(fleet.Find("prod"));
        Assert.Null(fleet.Find("prod-*"));
    }

    internal static PlannedAction Shift(string cluster, double? at, double? afterHalt, double afterDetection, double fraction) => new(ActionKind.ShiftTraffic, "",
        [cluster], at is null ? null : At(at.Value), afterHalt is null ? null : At(afterHalt.Value), At(afterDetection), 0, new Identity("u", []), 0, 0, 1, [], 0, 0, 0, 0, 1, fraction);

    internal static PlannedFault Lose(string cluster, Trigger when) => new(FaultKind.LoseNodes, "", [cluster], when, 0, null, "", new PodBudget(0, 100), 0.5);

    [Fact]
    public void Starting_the_fleet_starts_its_rollout_alerts_playbook_and_faults()
    {
        var fleet = Stubs("a", "b");
        fleet.Rollout = new Rollout(fleet, "chg", At(5), [new Wave(["a"], 0)], []);
        fleet.Stub("b").NotReady = () => 10;
        fleet.Alerts = new Alerts(fleet, [new AlertRule("r", new Condition(Signal.NodesNotReady, 1, 0), ["b"])], null);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 7, null, 0, 0.1)], null);
        fleet.Faults = new Faults(fleet, [Lose("b", new Trigger(At(8), null, null))]);
        fleet.Start();
        RunFleetKernel(fleet, 30);
        Assert.Equal(At(5), fleet.Rollout.ReachedAt[0]);
        Assert.Equal(At(10), fleet.DetectedAt);
        Assert.Equal(new[] { 0.1 }, fleet.Stub("a").Shifted);
        Assert.Equal(new[] { (8.0, "b", "LoseNodes: 5 nodes lost") }, Entries(fleet, "fault"));
    }

    [Fact]
    public void Detection_and_a_halt_start_the_playbook_and_the_faults_keyed_to_each()
    {
        var fleet = Stubs("a", "b");
        fleet.Remediation = new Remediation(fleet, [Shift("a", null, 3, 0, 0.1), Shift("b", null, null, 4, 0.2)], null);
        fleet.Faults = new Faults(fleet, [Lose("a", new Trigger(null, At(1), null)), Lose("b", new Trigger(null, null, At(2)))]);
        fleet.Sim.Schedule(At(100), new Call(fleet.OnRolloutHalted), 0);
        fleet.Sim.Schedule(At(200), new Call(fleet.OnDetected), 0);
        RunFleetKernel(fleet, 300);
        Assert.Equal(new[] { (101.0, "a", "LoseNodes: 5 nodes lost"), (202.0, "b", "LoseNodes: 5 nodes lost") }, Entries(fleet, "fault"));
        Assert.Equal(new[] { (103.0, "*"), (204.0, "*") }, Entries(fleet, "action").Where(e => e.Message.Contains("started")).Select(e => (e.Time, e.Cluster)));
        Assert.Equal(new[] { 0.1 }, fleet.Stub("a").Shifted);
        Assert.Equal(new[] { 0.2 }, fleet.Stub("b").Shifted);
    }

    [Fact]
    public void A_fleet_without_playbook_or_faults_takes_detection_and_halts_in_its_stride()
    {
        var fleet = Stubs("a");
        fleet.OnDetected();
        fleet.OnRolloutHalted();
        fleet.Start();
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void The_fleets_log_is_at_the_fleets_time()
    {
        var fleet = Stubs("a");
        RunFleetKernel(fleet, 12.5);
        fleet.Log("a", "note", "hello");
        Assert.Equal(new[] { (12.5, "a", "hello") }, Entries(fleet, "note"));
    }

    [Fact]
    public void The_merged_timeline_is_in_time_order_with_the_fleet_first_then_the_clusters_in_order_then_each_ones_own_order()
    {
        var fleet = Stubs("a", "b");
        fleet.Clusters[1].Timeline.Add(5, "b", "k", "b1");
        fleet.Clusters[1].Timeline.Add(5, "b", "k", "b2");
        fleet.Clusters[0].Timeline.Add(5, "a", "k", "a1");
        fleet.Clusters[0].Timeline.Add(3, "a", "k", "a0");
        fleet.Timeline.Add(5, "*", "k", "f1");
        fleet.Timeline.Add(9, "*", "k", "f2");
        fleet.Clusters[1].Timeline.Add(1, "b", "k", "b0");
        Assert.Equal(new[] { "b0", "a0", "f1", "a1", "b1", "b2", "f2" }, fleet.MergedTimeline().Select(e => e.Message));
    }

    private const string Three = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 5m
        clusters:
          - {name: small, nodes: 5, kubernetesVersion: "1.30"}
          - {name: large, nodes: 60, kubernetesVersion: "1.30"}
          - {name: medium, nodes: 20, kubernetesVersion: "1.30"}
        workloads:
          - name: agent
            identity: {serviceAccount: monitoring/agent}
            placement: perNode
            calls:
              - {verb: list, resource: pods, scope: namespace, every: 10s}
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(0)]
    public void Stepping_the_fleet_brings_every_cluster_and_the_fleet_to_the_horizon_whatever_the_threads(int threads)
    {
        var fleet = Build(Three);
        fleet.Start();
        fleet.Sim.Schedule(At(7), new Call(() => fleet.Log("*", "note", $"small at {SimTime.ToSeconds(fleet.Clusters[0].Sim.Now)}")), 0);
        fleet.RunUntil(At(20), threads);
        Assert.Equal(At(20), fleet.Sim.Now);
        Assert.All(fleet.Clusters, c => Assert.Equal(At(20), c.Sim.Now));
        // The fleet acts with every cluster paused at its own time.
        Assert.Equal(new[] { (7.0, "*", "small at 7") }, Entries(fleet, "note"));
        long total = fleet.Sim.EventsProcessed + fleet.Clusters.Sum(c => c.Sim.EventsProcessed);
        Assert.Equal(total, fleet.EventsProcessed);
        Assert.True(fleet.Clusters[0].Sim.EventsProcessed > 0);
        Assert.True(fleet.Sim.EventsProcessed > 0);
    }

    [Fact]
    public void Clusters_are_handed_to_threads_busiest_in_the_last_step_first()
    {
        var fleet = Build(Three);
        fleet.Start();
        fleet.RunUntil(At(5), 2);
        fleet.RunUntil(At(40), 2);
        var order = fleet.ThreadOrder!;
        var lastStep = order.Select(i => fleet.Clusters[i].Name).ToArray();
        Assert.Equal(new[] { "large", "medium", "small" }, lastStep);
    }

    [Fact]
    public void Clusters_that_did_as_much_in_the_last_step_keep_their_fleet_order()
    {
        var fleet = Stubs("a", "b", "c");
        fleet.Sim.Schedule(At(10), new Call(() => { }), 0);
        fleet.RunUntil(At(20), 2);
        Assert.Equal(new[] { 0, 1, 2 }, fleet.ThreadOrder!);
    }
    /// <summary>Schedules <paramref name="n"/> empty events on a cluster's own kernel, between <paramref name="from"/> and <paramref name="to"/> seconds.</summary>
    private static void Busy(FleetModel fleet, int cluster, int n, double from, double to)
    {
        var sim = fleet.Clusters[cluster].Sim;
        for (int k = 0; k < n; k++) sim.ScheduleAt(At(from + (to - from) * k / n), new Call(() => { }), 0);
    }

    [Fact]
    public void The_order_is_by_the_events_of_the_last_step_alone_not_of_the_whole_run()
    {
        var fleet = Stubs("a", "b", "c");
        fleet.Sim.Schedule(At(10), new Call(() => { }), 0);
        fleet.Sim.Schedule(At(20), new Call(() => { }), 0);
        Busy(fleet, 0, 100, 1, 9);   // a: busy in the first step only
        Busy(fleet, 1, 50, 11, 19);  // b: busy in the second
        fleet.RunUntil(At(30), 2);
        // The third step's order comes from the second step's events: b, then a and c (equal) in fleet order.
        Assert.Equal(new[] { 1, 0, 2 }, fleet.ThreadOrder!);
    }

    [Fact]
    public void A_cluster_added_between_steps_is_ordered_with_the_others()
    {
        var fleet = Stubs("a", "b");
        fleet.RunUntil(At(10), 2);
        fleet.Clusters.Add(new StubCluster("c"));
        Busy(fleet, 2, 10, 11, 12);
        fleet.Sim.Schedule(At(5), new Call(() => { }), 0);
        fleet.RunUntil(At(30), 2);
        Assert.Equal(new[] { 2, 0, 1 }, fleet.ThreadOrder!);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(0, 3)]
    [InlineData(4, 1)]
    public void One_thread_or_one_cluster_runs_the_clusters_in_turn_without_ordering_them(int threads, int clusters)
    {
        var fleet = Stubs(new[] { "a", "b", "c" }.Take(clusters).ToArray());
        fleet.RunUntil(At(10), threads);
        Assert.Null(fleet.ThreadOrder);
        Assert.All(fleet.Clusters, c => Assert.Equal(At(10), c.Sim.Now));
    }
}
