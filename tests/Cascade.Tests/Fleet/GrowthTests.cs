using Cascade.Cli;
using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;
using Cascade.Samples;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.Fleet;

/// <summary>Growth and churn: nodes added at once, Deployments scaled, Jobs started, each through the API server.</summary>
public class GrowthTests : IDisposable
{
    private readonly TempFiles _temp = new("growth-");

    public void Dispose() => _temp.Dispose();

    private const double AddAtSeconds = 120;

    /// <summary>
    /// A quiet cluster of <paramref name="nodes"/> nodes with a logging DaemonSet (an informer on its node's pods),
    /// to which <paramref name="added"/> nodes are added at once at 2 min.
    /// </summary>
    internal static Scenario Growth(int nodes, int added, int replicas = 3, double cores = 32, double minutes = 5)
    {
        var s = ListStorm(nodes, minutes);
        s.Workloads.Clear();
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "log-agent",
            Placement = Placement.PerNode,
            Identity = new IdentitySpec { ServiceAccount = "logging/log-agent" },
            Informers = { new InformerSpec { Resource = "pods", Scope = Scope.Cluster, Selector = "spec.nodeName=$(NODE_NAME)" } },
        });
        s.Cluster.ApiServer.Replicas = replicas;
        s.Cluster.ApiServer.CpuCores = cores;
        if (added > 0) s.Remediation.Add(new ActionSpec { Action = ActionKind.ScaleNodes, Name = "add nodes", At = Duration.FromSeconds(AddAtSeconds), Nodes = nodes + added });
        return s;
    }

    private static List<ApiServerSample> MinuteAfterAdding(RunOutput o) =>
        o.Clusters[0].Api.Metrics.Samples.Where(x => x.TimeSeconds > AddAtSeconds && x.TimeSeconds <= AddAtSeconds + 60).ToList();

    private static long Count(ClusterModel c, string resource) => c.Api.Resources.Find(resource)!.Count;

    [Fact]
    public void Adding_1000_nodes_at_once_saturates_a_one_replica_two_core_control_plane_but_three_32_core_replicas_absorb_it()
    {
        var quiet = Run(Growth(1000, 0, replicas: 1, cores: 2));
        var small = Run(Growth(1000, 1000, replicas: 1, cores: 2));
        var large = Run(Growth(1000, 1000));

        Assert.Null(Only(quiet).Apiserver.SaturatedAtSeconds); // the small control plane carries 1,000 quiet nodes
        var s = MinuteAfterAdding(small);
        var l = MinuteAfterAdding(large);
        // Each new node's kubelet pod informer, kube-proxy and log-agent pod list once: 3,000 LISTs in the minute after.
        Assert.Equal(3000, l.Sum(x => x.Lists));
        // On the small control plane some are refused (429) and sent again after the reflector's back-off.
        Assert.True(small.Clusters[0].Api.Metrics.Samples.Where(x => x.TimeSeconds > AddAtSeconds).Sum(x => x.Lists) >= 3000);
        Assert.True(Only(small).Apiserver.SaturatedAtSeconds is >= AddAtSeconds and <= AddAtSeconds + 60, $"saturated at {Only(small).Apiserver.SaturatedAtSeconds}");
        Assert.True(s.Max(x => x.SeatsInUseMax) > 300, $"small: peak seats {s.Max(x => x.SeatsInUseMax)}");
        Assert.True(s.Max(x => x.Queued) > 100, $"small: peak queued {s.Max(x => x.Queued)}");
        Assert.Null(Only(large).Apiserver.SaturatedAtSeconds);
        Assert.True(l.Max(x => x.SeatsInUseMax) < 150, $"large: peak seats {l.Max(x => x.SeatsInUseMax)}");
        Assert.True(l.Max(x => x.WindowP99Seconds) < 0.1, $"large: p99 {l.Max(x => x.WindowP99Seconds)}");

        // Every node registered its Node and Lease, and got its DaemonSet pod: the object counts grew.
        var c = large.Clusters[0];
        Assert.Equal(2000, Count(c, "nodes"));
        Assert.Equal(2010, Count(c, "leases"));
        Assert.Equal(30_000 + 1000, Count(c, "pods"));
        Assert.Equal(1000, c.Kubelets!.Registrations);
        Assert.Equal(2000, c.FindWorkload("log-agent")!.Workload.PodsRunning);
        Assert.Equal(2000, l[^1].Nodes);
        Assert.Contains(large.Result.Timeline, t => t.Message.Contains("added 1,000 nodes (1,000 → 2,000)"));
        Assert.Contains(large.Result.Timeline, t => t.Kind == "nodes" && t.Message.StartsWith("1,000 added nodes registered in"));
    }

    [Fact]
    public void A_larger_wave_of_nodes_makes_a_larger_burst()
    {
        double lastSeats = 0, lastLists = 0;
        foreach (int added in new[] { 100, 400, 1000 })
        {
            var m = MinuteAfterAdding(Run(Growth(1000, added, replicas: 1, cores: 4)));
            double seats = m.Max(x => x.SeatsInUseMax), lists = m.Sum(x => x.Lists);
            Assert.True(seats > lastSeats && lists > lastLists, $"{added} nodes: {seats} seats, {lists} LISTs after {lastSeats}, {lastLists}");
            (lastSeats, lastLists) = (seats, lists);
        }
    }

    [Fact]
    public void Nodes_scaled_up_then_down_return_to_their_counts()
    {
        var s = Growth(100, 200, minutes: 6);
        s.Remediation.Add(new ActionSpec { Action = ActionKind.ScaleNodes, Name = "remove them", At = Duration.FromSeconds(240), Nodes = 100 });
        var sim = new Simulation(1);
        var fleet = ScenarioBuilder.BuildFleet(sim, s, new Timeline());
        var c = fleet.Clusters[0];
        var agent = c.FindWorkload("log-agent")!.Workload;
        long pods0 = Count(c, "pods"), leases0 = Count(c, "leases");
        fleet.Start();
        fleet.RunUntil(SimTime.FromSeconds(230), 1);
        Assert.Equal((300, 300L, leases0 + 200, pods0 + 200, 300), (c.ActiveNodes, Count(c, "nodes"), Count(c, "leases"), Count(c, "pods"), agent.PodsRunning));
        fleet.RunUntil(SimTime.FromSeconds(300), 1);
        Assert.Equal((100, 100L, leases0, 100), (c.ActiveNodes, Count(c, "nodes"), Count(c, "leases"), agent.PodsRunning));
        Assert.Equal(100, c.DataPlane!.KubeProxies.Watching);
    }

    /// <summary>A cluster with a Deployment "web" of 10 pods, each with an informer on its namespace's ConfigMaps, that may be scaled to 610.</summary>
    private static ClusterModel WithDeployment(Simulation sim)
    {
        var s = Growth(100, 0);
        s.Workloads.Add(new WorkloadSpec
        {
            Name = "web",
            Replicas = 10,
            Informers = { new InformerSpec { Resource = "configmaps", Scope = Scope.Namespace } },
        });
        s.Remediation.Add(new ActionSpec { Action = ActionKind.ScaleWorkload, At = Duration.FromSeconds(3600), Workloads = { "web" }, Replicas = 610 });
        var c = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        c.Start();
        sim.Run(untilTicks: SimTime.FromSeconds(60));
        return c;
    }

    [Fact]
    public void A_Deployment_scaled_from_10_to_110_creates_100_pods_through_the_API_server_in_slow_start_batches_and_the_scheduler_binds_them()
    {
        var sim = new Simulation(1);
        var c = WithDeployment(sim);
        var web = c.FindWorkload("web")!.Workload;
        long pods0 = Count(c, "pods"), bindings0 = c.DataPlane!.Scheduler!.Bindings;
        var wave = c.ScaleWorkload(c.FindWorkload("web")!, 110)!;

        sim.Run(untilTicks: SimTime.FromSeconds(61));
        Assert.InRange(wave.Created, 20, 60); // the controller's client: burst 30, then 20 a second
        sim.Run(untilTicks: SimTime.FromSeconds(90));
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 32, 37 }, wave.Batches);
        Assert.Equal((100, 100, 100), (wave.Created, wave.Bound, wave.Running));
        Assert.Equal(100, wave.CreateCall.Dispatched);
        Assert.Equal(pods0 + 100, Count(c, "pods"));
        Assert.Equal(bindings0 + 100, c.DataPlane.Scheduler.Bindings);
        Assert.Equal(110, web.Replicas);
        Assert.Contains(c.Timeline.Entries, t => t.Message.StartsWith("scaled web from 10 to 110: 100 pods created in"));

        // Back down: the ReplicaSet controller deletes 100 pods through the API server.
        var down = c.ScaleWorkload(c.FindWorkload("web")!, 10)!;
        sim.Run(untilTicks: SimTime.FromSeconds(120));
        Assert.Equal((100, 10, pods0), (down.Deleted, web.Replicas, Count(c, "pods")));
    }

    [Fact]
    public void A_Job_of_600_pods_is_created_in_two_syncs_of_slow_start_batches_capped_at_500_and_every_pod_is_bound()
    {
        var sim = new Simulation(1);
        var c = WithDeployment(sim);
        long pods0 = Count(c, "pods"), bindings0 = c.DataPlane!.Scheduler!.Bindings;
        var job = c.RunJob("batch", 600);
        sim.Run(untilTicks: SimTime.FromSeconds(180));
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 32, 64, 128, 245, 1, 2, 4, 8, 16, 32, 37 }, job.Batches);
        Assert.Equal((600, 600, 600), (job.Created, job.Bound, job.Running));
        Assert.Equal(pods0 + 600, Count(c, "pods"));
        Assert.Equal(bindings0 + 600, c.DataPlane.Scheduler.Bindings);
    }

    [Fact]
    public void A_larger_Deployment_scale_up_makes_a_larger_burst_of_its_pods_informer_LISTs()
    {
        long last = 0;
        foreach (int replicas in new[] { 60, 210, 610 })
        {
            var sim = new Simulation(1);
            var c = WithDeployment(sim);
            long before = c.Api.Metrics.Lists;
            c.ScaleWorkload(c.FindWorkload("web")!, replicas);
            sim.Run(untilTicks: SimTime.FromSeconds(120));
            long lists = c.Api.Metrics.Lists - before;
            Assert.True(lists >= replicas - 10 && lists > last, $"{replicas} replicas: {lists} LISTs after {last}");
            last = lists;
        }
    }

    [Fact]
    public void The_playbook_scales_a_Deployment_and_runs_a_Job_and_says_so_in_the_timeline()
    {
        var s = Growth(100, 0, minutes: 3);
        s.Workloads.Add(new WorkloadSpec { Name = "web", Replicas = 10 });
        s.Remediation.Add(new ActionSpec { Action = ActionKind.ScaleWorkload, At = Duration.FromSeconds(30), Workloads = { "web" }, Replicas = 50 });
        s.Remediation.Add(new ActionSpec { Action = ActionKind.RunJob, Name = "nightly", At = Duration.FromSeconds(60), Pods = 40 });
        var o = Run(s);
        Assert.Contains(o.Result.Timeline, t => t.Message.StartsWith("scaled web from 10 to 50: 40 pods created in"));
        Assert.Contains(o.Result.Timeline, t => t.Message.StartsWith("scaled web from 10 to 50: all 40 pods running"));
        Assert.Contains(o.Result.Timeline, t => t.Message.StartsWith("job nightly of 40 pods: 40 pods created in"));
        Assert.Equal(50, o.Clusters[0].FindWorkload("web")!.Workload.Replicas);
    }

    private const string Base = "apiVersion: cascade/v1\nkind: Scenario\ncluster:\n  nodes: 100\nworkloads:\n  - {name: web, replicas: 3}\n  - {name: agent, placement: perNode}\nremediation:\n";

    private string Write(string yaml) => _temp.Write(yaml, ".yaml");

    [Fact]
    public void A_negative_node_target_is_a_located_error_with_exit_code_2()
    {
        var file = Write(Base + "  - {action: scaleNodes, at: 1m, nodes: -5}\n");
        var e = Assert.Throws<InputException>(() => ScenarioLoader.LoadFile(file));
        Assert.Equal((9, "remediation[0].nodes"), (e.Line, e.Field));
        var (code, _, err) = CliTests.Run("run", file, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{file}:9:", err);
    }

    [Theory]
    [InlineData("  - {action: scaleWorkload, at: 1m, workloads: [web, nope], replicas: 9}\n", "remediation[0].workloads[1]", "no workload of the scenario is named 'nope'")]
    [InlineData("  - {action: scaleWorkload, at: 1m, workloads: [agent], replicas: 9}\n", "remediation[0].workloads[0]", "a pod per node")]
    [InlineData("  - {action: scaleWorkload, at: 1m, workloads: [web]}\n", "remediation[0].replicas", "scaleWorkload needs `replicas:`")]
    [InlineData("  - {action: runJob, at: 1m}\n", "remediation[0].pods", "runJob needs `pods:`")]
    [InlineData("  - {action: scaleApiServers, at: 1m, replicas: 65}\n", "remediation[0].replicas", "at most 64")]
    public void A_bad_growth_target_is_an_error_naming_its_field_with_exit_code_2(string action, string field, string message)
    {
        var file = Write(Base + action);
        var (code, _, err) = CliTests.Run("run", file, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(field, err);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }
}
