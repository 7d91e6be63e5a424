using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>What each playbook action does, when, and on which clusters: stub clusters, or two 10-node clusters run for minutes (fast).</summary>
public class RemediationTests
{
    private static readonly Identity Alice = new("alice", ["system:authenticated"]);

    private static PlannedAction A(ActionKind kind, double at, string cluster = "prod-a", string name = "", double duration = 0, string[]? workloads = null,
        double keep = 1, int replicas = 0, double cpu = 0, long memory = 0, double perNode = 0, int parallelism = 1, double fraction = 1,
        int? nodes = null, int pods = 0, int atOnce = 0, BlockSource from = BlockSource.Workloads, double every = 0, double retryEvery = 60) =>
        new(kind, name, [cluster], At(at), null, 0, At(duration), Alice, At(retryEvery), At(60), keep, workloads ?? [], replicas, cpu, memory,
            At(perNode), parallelism, fraction, nodes, pods, atOnce, from, At(every));

    private static FleetModel Stubbed(string? change, params PlannedAction[] actions) => Stubbed(["a", "b", "c", "d", "e"], change, actions);

    private static FleetModel Stubbed(string[] clusters, string? change, params PlannedAction[] actions)
    {
        var fleet = Stubs(clusters);
        fleet.Remediation = new Remediation(fleet, actions, change);
        fleet.Remediation.Start();
        return fleet;
    }

    private static FleetModel Real(string? change, PlannedAction[] actions, double until, params string[] overrides)
    {
        var fleet = Build(Yaml, overrides);
        fleet.Remediation = new Remediation(fleet, actions, change);
        fleet.Start();
        fleet.RunUntil(At(until), 1);
        return fleet;
    }

    private static readonly string Yaml = FaultInjectionTests.Two.Replace("products:", """
          - name: api
            identity: {serviceAccount: web/api}
            replicas: 2
            calls:
              - {verb: get, resource: configmaps, every: 30s}
        products:
        """);

    private static List<(double Time, string Message)> Actions(FleetModel fleet, string cluster) =>
        Entries(fleet, "action").Where(e => e.Cluster == cluster).Select(e => (e.Time, e.Message)).ToList();

    // ---------------------------------------------------------------- timing and batches

    [Fact]
    public void An_action_starts_at_its_time_and_takes_effect_after_its_duration_on_every_cluster_it_names()
    {
        var fleet = Stubbed(["prod-1", "prod-2", "dev"], null, A(ActionKind.ShiftTraffic, 30, cluster: "prod-*", duration: 20, fraction: 0.4, name: "move"));
        RunFleetKernel(fleet, 100);
        Assert.Equal(new[] { (30.0, "ShiftTraffic 'move' started on prod-*") }, Actions(fleet, "*"));
        Assert.Equal(new[] { 0.4 }, fleet.Stub("prod-1").Shifted);
        Assert.Equal(new[] { 0.4 }, fleet.Stub("prod-2").Shifted);
        Assert.Empty(fleet.Stub("dev").Shifted);
        var done = Assert.Single(Actions(fleet, "prod-1"));
        Assert.Equal(50.0, done.Time);
        Assert.StartsWith("ShiftTraffic 'move' succeeded: ", done.Message);
        Assert.EndsWith(" of its product traffic moved to other clusters", done.Message);
        Assert.Contains(0.4.ToString("P0"), done.Message);
    }

    [Fact]
    public void People_working_two_clusters_at_a_time_start_the_next_two_one_duration_later()
    {
        var fleet = Stubbed(null, A(ActionKind.ShiftTraffic, 10, cluster: "*", duration: 15, atOnce: 2, fraction: 0.5));
        RunFleetKernel(fleet, 200);
        Assert.Equal(new[] { (10.0, "ShiftTraffic started on a, b"), (25.0, "ShiftTraffic started on c, d"), (40.0, "ShiftTraffic started on e") }, Actions(fleet, "*"));
        Assert.Equal(new[] { 25.0, 25.0, 40.0, 40.0, 55.0 }, new[] { "a", "b", "c", "d", "e" }.Select(n => Actions(fleet, n).Single().Time));
        Assert.All(new[] { "a", "b", "c", "d", "e" }, n => Assert.Equal(new[] { 0.5 }, fleet.Stub(n).Shifted));
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void Batches_cover_only_the_clusters_named_and_one_at_a_time_goes_in_fleet_order()
    {
        var fleet = Stubbed(["x1", "y", "x2", "x3"], null, A(ActionKind.ShiftTraffic, 0, cluster: "x*", duration: 5, atOnce: 1, fraction: 0.5));
        RunFleetKernel(fleet, 100);
        Assert.Equal(new[] { (0.0, "ShiftTraffic started on x1"), (5.0, "ShiftTraffic started on x2"), (10.0, "ShiftTraffic started on x3") }, Actions(fleet, "*"));
        Assert.Empty(fleet.Stub("y").Shifted);
    }

    [Fact]
    public void An_action_naming_no_cluster_in_batches_still_starts_once()
    {
        var fleet = Stubbed(["a"], null, A(ActionKind.ShiftTraffic, 0, cluster: "zzz", duration: 5, atOnce: 2, fraction: 0.5));
        RunFleetKernel(fleet, 100);
        Assert.Equal(new[] { (0.0, "ShiftTraffic started on ") }, Actions(fleet, "*"));
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void More_clusters_at_once_than_there_are_is_one_batch()
    {
        var fleet = Stubbed(["a", "b"], null, A(ActionKind.ShiftTraffic, 0, cluster: "*", duration: 5, atOnce: 3, fraction: 0.5));
        RunFleetKernel(fleet, 100);
        Assert.Equal(new[] { (0.0, "ShiftTraffic started on a, b") }, Actions(fleet, "*"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(0.5, 2)]
    [InlineData(0.25, 4)]
    [InlineData(0.3, 4)]
    [InlineData(0.2, 5)]
    [InlineData(0.1, 10)]
    [InlineData(2, 1)]
    public void Lifting_a_block_a_share_at_a_time_takes_one_step_per_share_rounded_up(double fraction, int steps)
    {
        Assert.Equal(steps, Remediation.LiftSteps(fraction));
        Assert.Equal(3, Remediation.LiftSteps(1 / 3.0));
    }

    // ---------------------------------------------------------------- scaling nodes

    [Theory]
    [InlineData(0.25, null, "ScaleNodes succeeded: 7 nodes removed, 3 kept")]
    [InlineData(0.5, null, "ScaleNodes succeeded: 5 nodes removed, 5 kept")]
    [InlineData(1.0, null, "ScaleNodes succeeded: 0 nodes removed, 10 kept")]
    [InlineData(1.0, 4, "ScaleNodes succeeded: 6 nodes removed, 4 kept")]
    [InlineData(1.0, 10, "ScaleNodes succeeded: 0 nodes removed, 10 kept")]
    public void Scaling_nodes_down_keeps_the_target_or_the_share_rounded_up(double keep, int? nodes, string message)
    {
        var fleet = Stubbed(["a"], null, A(ActionKind.ScaleNodes, 0, cluster: "a", keep: keep, nodes: nodes));
        RunFleetKernel(fleet, 10);
        Assert.Equal(new[] { (0.0, message) }, Actions(fleet, "a"));
        Assert.Empty(fleet.Stub("a").AddedTo);
    }

    [Fact]
    public void Scaling_nodes_up_adds_them_and_their_kubelets_register()
    {
        var fleet = Real(null, [A(ActionKind.ScaleNodes, 20, nodes: 14)], 120, "remediation[0]={action: scaleNodes, nodes: 14, at: 9m}");
        Assert.Equal((20.0, "ScaleNodes succeeded: added 4 nodes (10 → 14); their kubelets register"), Actions(fleet, "prod-a")[0]);
        Assert.Equal(14, fleet.Find("prod-a")!.ActiveNodes);
        Assert.Equal(10, fleet.Find("prod-b")!.ActiveNodes);
    }

    // ---------------------------------------------------------------- workloads, jobs

    [Fact]
    public void Scaling_a_deployment_goes_through_the_replicaset_controller_and_a_deployment_at_its_size_is_left_alone()
    {
        var fleet = Real(null, [A(ActionKind.ScaleWorkload, 20, workloads: ["api", "nobody"], replicas: 2), A(ActionKind.ScaleWorkload, 30, workloads: ["api"], replicas: 4, name: "up")], 120,
            "remediation[0]={action: scaleWorkload, workloads: [api], replicas: 4, at: 9m}");
        var a = Actions(fleet, "prod-a");
        Assert.Equal((20.0, "ScaleWorkload: api already has 2 replicas"), a[0]);
        Assert.Equal((30.0, "ScaleWorkload 'up' started: api from 2 to 4 replicas, through the ReplicaSet controller"), a[1]);
        Assert.Contains(a, e => e.Message.StartsWith("scaled api from 2 to 4: all 2 pods running", StringComparison.Ordinal));
    }

    [Fact]
    public void Scaling_without_workloads_scales_the_change()
    {
        var fleet = Real("api", [A(ActionKind.ScaleWorkload, 20, replicas: 1)], 60);
        Assert.Equal((20.0, "ScaleWorkload started: api from 2 to 1 replicas, through the ReplicaSet controller"), Actions(fleet, "prod-a")[0]);
    }

    [Fact]
    public void Scaling_without_workloads_or_a_change_does_nothing()
    {
        var fleet = Real(null, [A(ActionKind.ScaleWorkload, 20, replicas: 1)], 60);
        Assert.Empty(Actions(fleet, "prod-a"));
    }

    [Fact]
    public void A_job_is_created_by_the_job_controller_under_its_name_or_job()
    {
        var fleet = Real(null, [A(ActionKind.RunJob, 20, pods: 7, name: "batch"), A(ActionKind.RunJob, 20, pods: 3, cluster: "prod-b")], 120);
        var a = Actions(fleet, "prod-a");
        Assert.Equal((20.0, "RunJob 'batch' started: a Job of 7 pods, through the Job controller"), a[0]);
        Assert.Contains(a, e => e.Message.StartsWith("job batch of 7 pods: 7 pods created", StringComparison.Ordinal));
        var b = Actions(fleet, "prod-b");
        Assert.Equal((20.0, "RunJob started: a Job of 3 pods, through the Job controller"), b[0]);
        Assert.Contains(b, e => e.Message.StartsWith("job job of 3 pods: 3 pods created", StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- API servers

    [Fact]
    public void Scaling_api_servers_out_adds_cold_replicas_that_serve_after_the_duration_and_resizing_sets_their_limits()
    {
        var fleet = Real(null, [A(ActionKind.ScaleApiServers, 20, replicas: 5, cpu: 16, memory: 64L << 30, duration: 40)], 120,
            "remediation[0]={action: scaleApiServers, replicas: 5, at: 9m}");
        var api = fleet.Find("prod-a")!.Api;
        Assert.Equal(5, api.ReplicaCount);
        Assert.Equal(3, fleet.Find("prod-b")!.Api.ReplicaCount);
        Assert.Equal((60.0, "ScaleApiServers succeeded: 5 replicas, 16 cores, 64 GiB each"), Actions(fleet, "prod-a").Single());
        Assert.Contains((60.0, "apiserver-4 serving again; watch cache initialising"), fleet.Find("prod-a")!.Timeline.Entries.Where(e => e.Kind == "restart").Select(e => (e.Time, e.Message)));
    }

    [Fact]
    public void Scaling_api_servers_to_fewer_replicas_than_they_have_only_resizes()
    {
        var fleet = Real(null, [A(ActionKind.ScaleApiServers, 20, replicas: 3, duration: 10)], 60, "remediation[0]={action: scaleApiServers, replicas: 5, at: 9m}");
        Assert.Equal(3, fleet.Find("prod-a")!.Api.ReplicaCount);
        Assert.Equal((30.0, "ScaleApiServers succeeded: 3 replicas each"), Actions(fleet, "prod-a").Single());
    }

    [Fact]
    public void Scaling_api_servers_out_at_once_still_gives_the_new_replicas_a_tick_to_start()
    {
        var fleet = Real(null, [A(ActionKind.ScaleApiServers, 20, replicas: 4)], 60, "remediation[0]={action: scaleApiServers, replicas: 5, at: 9m}");
        var api = fleet.Find("prod-a")!.Api;
        Assert.Equal(4, api.ReplicaCount);
        Assert.True(api.ReplicaUp(3));
    }

    // ---------------------------------------------------------------- blocking and lifting

    [Fact]
    public void Blocking_the_nodes_cuts_every_node_off_and_lifting_half_at_a_time_lets_them_back_every_apart()
    {
        var fleet = Real(null, [
            A(ActionKind.BlockApiAccess, 20, from: BlockSource.Nodes, name: "block"),
            A(ActionKind.UnblockApiAccess, 60, from: BlockSource.Nodes, fraction: 0.5, every: 30, duration: 5, name: "lift"),
        ], 200);
        var a = Actions(fleet, "prod-a");
        Assert.Equal(new[]
        {
            (20.0, "BlockApiAccess 'block' succeeded: 10 nodes cut off from the API servers (kubelets, kube-proxies, per-node pods)"),
            (65.0, "UnblockApiAccess 'lift': step 1, 5 nodes reach the API servers again; 5 still cut off"),
            (95.0, "UnblockApiAccess 'lift': step 2, 5 nodes reach the API servers again; the block is lifted"),
        }, a.Where(e => e.Message.Contains("'block'") || e.Message.Contains("'lift'")));
        Assert.Equal(0, fleet.Find("prod-a")!.BlockedNodes);
        Assert.Empty(Actions(fleet, "prod-b"));
    }

    [Fact]
    public void Lifting_a_block_a_quarter_at_a_time_rounds_each_step_up()
    {
        var fleet = Real(null, [
            A(ActionKind.BlockApiAccess, 20, from: BlockSource.Nodes),
            A(ActionKind.UnblockApiAccess, 30, from: BlockSource.Nodes, fraction: 0.25, every: 10),
        ], 200);
        Assert.Equal(new[]
        {
            (30.0, "UnblockApiAccess: step 1, 3 nodes reach the API servers again; 7 still cut off"),
            (40.0, "UnblockApiAccess: step 2, 3 nodes reach the API servers again; 4 still cut off"),
            (50.0, "UnblockApiAccess: step 3, 3 nodes reach the API servers again; 1 still cut off"),
            (60.0, "UnblockApiAccess: step 4, 1 nodes reach the API servers again; the block is lifted"),
        }, Actions(fleet, "prod-a").Where(e => e.Message.StartsWith("UnblockApiAccess", StringComparison.Ordinal)));
    }

    [Fact]
    public void Lifting_with_no_time_between_steps_takes_one_tick_per_step()
    {
        var fleet = Real(null, [
            A(ActionKind.BlockApiAccess, 20, from: BlockSource.Nodes),
            A(ActionKind.UnblockApiAccess, 30, from: BlockSource.Nodes, fraction: 0.5),
        ], 200);
        var steps = Actions(fleet, "prod-a").Where(e => e.Message.StartsWith("UnblockApiAccess", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, steps.Count);
        Assert.Equal(SimTime.ToSeconds(At(30) + 1), steps[1].Time);
    }

    [Fact]
    public void Lifting_where_nothing_is_blocked_says_so_in_one_step()
    {
        var fleet = Real(null, [A(ActionKind.UnblockApiAccess, 30, from: BlockSource.Nodes, fraction: 0.5, every: 10)], 100);
        Assert.Equal(new[] { (30.0, "UnblockApiAccess: step 1, 0 nodes reach the API servers again; the block is lifted") }, Actions(fleet, "prod-a"));
    }

    [Fact]
    public void Blocking_a_workload_cuts_off_its_clients_and_lifting_lets_them_back_a_share_at_a_time()
    {
        var fleet = Real("agent", [
            A(ActionKind.BlockApiAccess, 20, workloads: ["agent", "nobody"]),
            A(ActionKind.UnblockApiAccess, 40, fraction: 0.3, every: 10),
        ], 200);
        var a = Actions(fleet, "prod-a");
        Assert.Equal((20.0, "BlockApiAccess succeeded: 10 clients of agent, nobody cut off from the API servers"), a[0]);
        Assert.Equal(new[]
        {
            (40.0, "UnblockApiAccess: step 1, 3 clients of agent reach the API servers again; 7 still cut off"),
            (50.0, "UnblockApiAccess: step 2, 3 clients of agent reach the API servers again; 4 still cut off"),
            (60.0, "UnblockApiAccess: step 3, 3 clients of agent reach the API servers again; 1 still cut off"),
            (70.0, "UnblockApiAccess: step 4, 1 clients of agent reach the API servers again; the block is lifted"),
        }, a.Skip(1));
        Assert.All(fleet.Find("prod-a")!.FindWorkload("agent")!.Workload.Clients, c => Assert.False(c.Blocked));
    }

    [Fact]
    public void Blocking_the_change_by_default_leaves_other_workloads_reaching_the_api_servers()
    {
        var fleet = Real("agent", [A(ActionKind.BlockApiAccess, 20)], 30);
        var c = fleet.Find("prod-a")!;
        Assert.All(c.FindWorkload("agent")!.Workload.Clients, x => Assert.True(x.Blocked));
        Assert.All(c.FindWorkload("api")!.Workload.Clients, x => Assert.False(x.Blocked));
        Assert.All(fleet.Find("prod-b")!.FindWorkload("agent")!.Workload.Clients, x => Assert.False(x.Blocked));
    }

    [Fact]
    public void Lifting_nodes_cluster_by_cluster_waits_for_each_clusters_lifting_before_the_next()
    {
        var fleet = Real(null, [
            A(ActionKind.BlockApiAccess, 10, cluster: "*", from: BlockSource.Nodes),
            A(ActionKind.UnblockApiAccess, 20, cluster: "*", from: BlockSource.Nodes, fraction: 0.5, every: 30, duration: 5, atOnce: 1),
        ], 300);
        // One cluster takes the duration and two steps 30 s apart: the next begins 35 s later.
        Assert.Equal(new[] { (20.0, "UnblockApiAccess started on prod-a"), (55.0, "UnblockApiAccess started on prod-b") },
            Actions(fleet, "*").Where(e => e.Message.StartsWith("UnblockApiAccess", StringComparison.Ordinal)));
        Assert.Equal(60.0, Actions(fleet, "prod-b").First(e => e.Message.StartsWith("UnblockApiAccess", StringComparison.Ordinal)).Time);
    }

    // ---------------------------------------------------------------- rollback and break-glass

    [Fact]
    public void A_rollback_deletes_the_change_through_the_api_server_and_its_pods_are_then_deleted()
    {
        var fleet = Real("agent", [A(ActionKind.Rollback, 30, name: "undo")], 200);
        var a = Actions(fleet, "prod-a");
        Assert.Equal((30.0, "Rollback 'undo' started on prod-a"), Actions(fleet, "*").Single());
        var ok = Assert.Single(a, e => e.Message.StartsWith("rollback of agent", StringComparison.Ordinal));
        Assert.InRange(ok.Time, 30, 31);
        Assert.Equal("rollback of agent succeeded after 1 attempt(s), 0.0 min; the garbage collector now deletes its pods", ok.Message);
        Assert.Contains(a, e => e.Message.StartsWith("all pods of agent deleted through the API server", StringComparison.Ordinal));
        Assert.Equal(0, fleet.Find("prod-a")!.FindWorkload("agent")!.Workload.PodsRunning);
        Assert.Equal(10, fleet.Find("prod-b")!.FindWorkload("agent")!.Workload.PodsRunning);
    }

    [Fact]
    public void A_rollback_with_no_api_server_fails_and_retries_every_interval_until_one_answers()
    {
        var fleet = Build(Yaml);
        fleet.Remediation = new Remediation(fleet, [A(ActionKind.Rollback, 30, retryEvery: 60, workloads: ["agent"])], null);
        fleet.Faults = new Faults(fleet, [new PlannedFault(FaultKind.KillApiServers, "", ["prod-a"], new Trigger(At(20), null, null), 0, At(100), "", new PodBudget(0, 100), 0)]);
        fleet.Start();
        fleet.RunUntil(At(300), 1);
        var tries = Actions(fleet, "prod-a").Where(e => e.Message.StartsWith("rollback of agent", StringComparison.Ordinal)).ToList();
        // Down from 20 s to 120 s: the attempts at 30 s and 90 s fail, the one at 150 s gets through.
        Assert.Equal(3, tries.Count);
        Assert.Equal("rollback of agent failed: no API server answered (attempt 1); retrying in 1 min", tries[0].Message);
        Assert.Equal("rollback of agent failed: no API server answered (attempt 2); retrying in 1 min", tries[1].Message);
        Assert.InRange(tries[0].Time, 30, 31);
        Assert.InRange(tries[1].Time, 90, 91);
        Assert.InRange(tries[2].Time, 150, 151);
        Assert.Equal("rollback of agent succeeded after 3 attempt(s), 2.0 min; the garbage collector now deletes its pods", tries[2].Message);
    }

    [Fact]
    public void A_rollback_skips_a_workload_that_is_not_running()
    {
        var fleet = Real(null, [A(ActionKind.Rollback, 30, workloads: ["agent", "nobody"])], 60, "workloads[0].startAt=5m");
        Assert.DoesNotContain(Actions(fleet, "prod-a"), e => e.Message.StartsWith("rollback", StringComparison.Ordinal));
    }

    [Fact]
    public void Break_glass_stops_the_pods_node_by_node_a_batch_at_a_time_without_the_api_server()
    {
        var fleet = Real("agent", [A(ActionKind.BreakGlass, 30, perNode: 10, parallelism: 4)], 200);
        var c = fleet.Find("prod-a")!;
        Assert.Equal(new[] { (60.0, "break-glass removed agent from every node without the API server in 0.5 min") },
            Actions(fleet, "prod-a").Where(e => e.Message.StartsWith("break-glass", StringComparison.Ordinal)));
        Assert.Equal(0, c.FindWorkload("agent")!.Workload.PodsRunning);
        Assert.Equal(10, fleet.Find("prod-b")!.FindWorkload("agent")!.Workload.PodsRunning);
    }

    [Fact]
    public void Break_glass_passes_over_pods_already_stopped()
    {
        var fleet = Build(Yaml);
        fleet.Remediation = new Remediation(fleet, [A(ActionKind.BreakGlass, 30, perNode: 10, parallelism: 4, workloads: ["agent"])], null);
        fleet.Start();
        fleet.RunUntil(At(20), 1);
        var w = fleet.Find("prod-a")!.FindWorkload("agent")!.Workload;
        w.StopPod(0);
        w.StopPod(1);
        fleet.RunUntil(At(200), 1);
        // 8 pods left: 4 at 40 s, 4 at 50 s, done.
        Assert.Equal(new[] { (50.0, "break-glass removed agent from every node without the API server in 0.3 min") },
            Actions(fleet, "prod-a").Where(e => e.Message.StartsWith("break-glass", StringComparison.Ordinal)));
    }

    [Fact]
    public void Break_glass_on_a_workload_with_no_pod_running_does_nothing()
    {
        var fleet = Real(null, [A(ActionKind.BreakGlass, 30, perNode: 10, parallelism: 4, workloads: ["agent"])], 100, "workloads[0].startAt=5m");
        Assert.DoesNotContain(Actions(fleet, "prod-a"), e => e.Message.StartsWith("break-glass", StringComparison.Ordinal));
    }

    [Fact]
    public void Actions_keyed_to_detection_or_a_halt_wait_for_it()
    {
        var fleet = Stubs("a");
        var halt = new PlannedAction(ActionKind.ShiftTraffic, "h", ["a"], null, At(5), At(99), 0, Alice, 0, 0, 1, [], 0, 0, 0, 0, 1, 0.1);
        var detect = new PlannedAction(ActionKind.ShiftTraffic, "d", ["a"], null, null, At(7), 0, Alice, 0, 0, 1, [], 0, 0, 0, 0, 1, 0.2);
        fleet.Remediation = new Remediation(fleet, [halt, detect], null);
        fleet.Remediation.Start();
        RunFleetKernel(fleet, 50);
        Assert.Empty(fleet.Stub("a").Shifted);
        fleet.Remediation.OnRolloutHalted();
        RunFleetKernel(fleet, 60);
        Assert.Equal(new[] { 0.1 }, fleet.Stub("a").Shifted);
        fleet.Remediation.OnDetected();
        RunFleetKernel(fleet, 70);
        Assert.Equal(new[] { 0.1, 0.2 }, fleet.Stub("a").Shifted);
    }
}
