using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Engine;

namespace Cascade.Tests.Fleet;

/// <summary>Blocking the nodes' network access to the admin API, and letting them back in, at once or a share at a time.</summary>
public class BlockTests
{
    private static string Cluster(int nodes, string extra = "", int count = 1) => $"""
        apiVersion: cascade/v1
        kind: Scenario
        duration: 20m
        clusters:
          - name: prod
            count: {count}
            kubernetesVersion: "1.30"
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

    private const string BlockAt2m = """
        remediation:
          - {name: block, action: blockApiAccess, from: nodes, at: 2m}
          - {name: lift, action: unblockApiAccess, from: nodes, at: 8m}
        """;

    private static RunOutput Run(string yaml, params string[] overrides) =>
        ScenarioRunner.Run(YamlBinder.Load<Scenario>(yaml, "block.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind), 1);

    private static IEnumerable<TimelineEntry> Steps(RunOutput o) => o.Result.Timeline.Where(e => e.Message.StartsWith("UnblockApiAccess 'lift': step"));

    private static double AllReadyAgain(RunOutput o) =>
        o.Result.Timeline.Last(e => e.Kind == "node-ready").Time;

    [Fact]
    public void Blocking_the_nodes_cuts_off_their_kubelets_so_every_node_goes_NotReady_and_lifting_it_brings_them_back()
    {
        var o = Run(Cluster(200) + "\n" + BlockAt2m);
        var c = o.Result.Clusters[0];
        Assert.Contains(o.Result.Timeline, e => e.Message.Contains("succeeded: 200 nodes cut off from the API servers"));
        Assert.Equal(200, c.NodesNotReadyPeak);
        Assert.True(c.Apiserver.Requests.Blocked > 1000, $"{c.Apiserver.Requests.Blocked} blocked attempts");
        // Not before the grace period after the block; Ready again once the kubelets' Leases get through.
        var notReady = o.Result.Timeline.First(e => e.Kind == "node-not-ready");
        Assert.InRange(notReady.Time, 120 + 30, 120 + 60); // 40 s after the last Lease renewal seen, 10 s apart
        Assert.InRange(AllReadyAgain(o), 8 * 60, 8 * 60 + 30);
        Assert.Single(Steps(o));
        // Every kubelet, kube-proxy and agent has an open watch again at the end.
        Assert.All(o.Fleet.Clusters[0].Kubelets!.PodInformers, i => Assert.True(i.IsWatching));
    }

    [Fact]
    public void Without_a_block_no_node_goes_NotReady()
    {
        var o = Run(Cluster(200));
        Assert.Equal(0, o.Result.Clusters[0].NodesNotReadyPeak);
        Assert.Equal(0, o.Result.Clusters[0].Apiserver.Requests.Blocked);
    }

    [Fact]
    public void Lifting_a_quarter_at_a_time_takes_four_steps_one_every_apart_and_the_last_nodes_are_Ready_later()
    {
        var once = Run(Cluster(200) + "\n" + BlockAt2m);
        var gradual = Run(Cluster(200) + "\n" + BlockAt2m, "remediation[1].fraction=0.25", "remediation[1].every=2m");
        Assert.Equal(new[] { 480.0, 600.0, 720.0, 840.0 }, Steps(gradual).Select(e => e.Time));
        Assert.Contains("50 nodes reach the API servers again; 150 still cut off", Steps(gradual).First().Message);
        Assert.Contains("the block is lifted", Steps(gradual).Last().Message);
        Assert.True(AllReadyAgain(gradual) >= AllReadyAgain(once) + 6 * 60, $"{AllReadyAgain(gradual)} vs {AllReadyAgain(once)}");
    }

    [Fact]
    public void One_cluster_at_a_time_the_next_cluster_is_let_back_only_once_the_last_is_lifted()
    {
        string yaml = Cluster(100, count: 2) + "\n" + BlockAt2m;
        var o = Run(yaml, "remediation[1].fraction=0.5", "remediation[1].every=3m", "remediation[1].clustersAtOnce=1");
        var steps = Steps(o).Select(e => (e.Cluster, e.Time)).ToList();
        Assert.Equal(new[] { ("prod-1", 480.0), ("prod-1", 660.0), ("prod-2", 660.0), ("prod-2", 840.0) }, steps);
    }

    private static readonly string[] RemovalWindow = { "duration=90m" };

    // The replay's three load-lowering actions (block the nodes, scale API servers up, scale nodes down) put after the run's end.
    private static readonly string[] WithoutLoadLowering =
        { "duration=90m", "remediation[1].afterDetection=300m", "remediation[2].afterDetection=300m", "remediation[3].afterDetection=300m" };

    private static Dictionary<string, double> RemovedAt(params string[] overrides)
    {
        var o = ScenarioRunner.Run(ScenarioLoader.LoadFile(Cascade.Tests.Preflight.PreflightFixtures.Replay, overrides), 1);
        return o.Result.Timeline.Where(e => e.Message.StartsWith("rollback of telemetry-agent succeeded")).ToDictionary(e => e.Cluster, e => e.Time);
    }

    [Fact]
    public void In_the_replay_the_removal_through_the_api_server_gets_through_after_the_load_lowering_actions_and_mostly_not_without()
    {
        Dictionary<string, double> with = null!, without = null!;
        Parallel.Invoke(() => with = RemovedAt(RemovalWindow), () => without = RemovedAt(WithoutLoadLowering));
        var larges = new[] { "prod-large-1", "prod-large-2", "prod-xl" };
        foreach (var large in larges)
        {
            // Detection at 22.5 min: the block takes effect at 67.5 min (15 min after it began), the first attempt is sent then.
            Assert.InRange(with[large], 62 * 60, 80 * 60);
            if (without.TryGetValue(large, out var at))
                Assert.True(at >= with[large], $"{large} removed at {at / 60:F1} min without the load-lowering actions, earlier than with them");
        }
        // Without them a crash-looping control plane may let one DELETE through in a lull (etcd just restarted),
        // but not most of them: at least two of the three large clusters are never cleaned up in the window.
        int stuck = larges.Count(l => !without.ContainsKey(l));
        Assert.True(stuck >= 2, $"only {stuck} large cluster(s) kept the agent without the load-lowering actions");
        // The small clusters never saturated: the removal gets through at the first attempt either way.
        Assert.Equal(with["prod-small-1"], without["prod-small-1"]);
    }

    [Fact]
    public void A_pod_its_DaemonSet_creates_on_a_blocked_node_later_is_cut_off_too()
    {
        // The agent's rollout begins at 1 min and the nodes are blocked a second later, before any of its pods runs:
        // its pods are still created (the controller is not blocked) but none of their requests reach the API
        // servers, until the block is lifted.
        string yaml = Cluster(100, extra: """
            rollout:
              change: node-agent
              startAt: 1m
              waves: [{clusters: ["*"]}]
            """) + "\n" + BlockAt2m.Replace("at: 2m", "at: 61s");
        yaml = yaml.Replace("    informers:\n", "    calls:\n      - {verb: get, resource: configmaps, every: 30s}\n    informers:\n");
        var o = Run(yaml, "remediation[1].at=15m", "duration=14m");
        var agent = o.Fleet.Clusters[0].FindWorkload("node-agent")!.Workload;
        Assert.True(agent.PodsRunning > 90, $"{agent.PodsRunning} agent pods running");
        Assert.All(agent.Clients, c => Assert.True(c.Blocked));
        var w = o.Result.Clusters[0].Workloads.Single(x => x.Name == "node-agent");
        Assert.True(w.Responses > 1000);
        Assert.Equal(w.Responses, w.Failures); // not one request got through
        // Once the block is lifted, they list and watch.
        var lifted = Run(yaml, "remediation[1].at=10m", "duration=14m");
        var l = lifted.Result.Clusters[0].Workloads.Single(x => x.Name == "node-agent");
        Assert.True(l.Responses - l.Failures >= 3 * 100, $"{l.Responses - l.Failures} answered"); // a GET every 30 s from each pod
    }

    [Fact]
    public void A_DaemonSet_deleted_while_its_controller_is_still_creating_pods_makes_no_more_of_them()
    {
        // The rollback lands a second after the rollout, while the DaemonSet controller is still creating the pods.
        string yaml = Cluster(2000, extra: """
            rollout:
              change: node-agent
              startAt: 1m
              waves: [{clusters: ["*"]}]
            remediation:
              - {name: undo, action: rollback, at: 61s, identity: {user: admin, groups: ["system:masters"]}}
            """);
        var o = Run(yaml, "duration=6m");
        var agent = o.Fleet.Clusters[0].FindWorkload("node-agent")!.Workload;
        Assert.Contains(o.Result.Timeline, e => e.Message.StartsWith("rollback of node-agent succeeded"));
        Assert.Equal(0, agent.PodsRunning);
    }

    // DNS with 1 min TTLs, so the node caches refresh (and find out) within each step of the lift.
    private const string ShortDns = """
            dns:
              recordTtl: 1m
              nodeLocalCache: {enabled: true, successTtl: 1m}
        """;

    [Fact]
    public void A_node_let_back_resolves_names_only_once_a_coredns_node_is_back_while_the_nodes_still_cut_off_resolve_throughout()
    {
        // The block makes every node NotReady, and with them both CoreDNS pods: kube-dns keeps no ready endpoint.
        // A node still cut off routes by the slice its kube-proxy last saw (CoreDNS listed, and answering from its
        // informers' last view); a node let back syncs its kube-proxy and finds kube-dns empty, until a node that
        // runs CoreDNS is let back too (docs/validation.md, "API substantially recovered").
        var o = Run(Cluster(200, extra: ShortDns) + "\n" + BlockAt2m, "remediation[1].fraction=0.25", "remediation[1].every=2m");
        var dp = o.Fleet.Clusters[0].DataPlane!;
        int s = dp.Services.KubeDns, first = dp.Services.FirstPod[s];
        int firstCoreDnsNode = Enumerable.Range(first, dp.CoreDns!.Replicas).Min(p => dp.Pods.Node[p]);
        int step = firstCoreDnsNode / 50;                      // the lift lets nodes back in index order, 50 a step
        Assert.True(step >= 1, $"CoreDNS runs on node {firstCoreDnsNode}, let back in the first step: the case this test is about does not arise");
        double firstStep = 8 * 60, coreDnsBack = firstStep + step * 120;
        int web = dp.Products.Select((p, i) => (p, i)).Single(x => x.p.Name == "web").i;
        var samples = dp.ProductSamples(web).ToArray();
        double Dns(double from, double to) => samples.Where(x => x.TimeSeconds > from && x.TimeSeconds <= to).Max(x => x.DnsFailure);
        Assert.Equal(0, Dns(0, firstStep));                      // every node cut off, none fails to resolve
        Assert.True(Dns(firstStep, coreDnsBack) > 0.05, $"no DNS failure from the nodes let back before CoreDNS's ({Dns(firstStep, coreDnsBack)})");
        Assert.Equal(0, Dns(coreDnsBack + 60, 20 * 60));          // once CoreDNS's node is back, everyone resolves
        Assert.Equal(0, o.Result.Clusters[0].DataPlane!.CoreDnsRestarts); // not CoreDNS failing: kube-dns without an endpoint
    }
}

/// <summary>A cluster counts as recovered when its users are served again, not only when its API server is.</summary>
public class ClusterRecoveryMarkerTests
{
    private static RunResult Result(bool productErrors) => new()
    {
        Clusters =
        {
            new ClusterResult { Name = "quiet", Apiserver = new ApiServerResult { SaturatedAtSeconds = 600, RecoveredAtSeconds = 1200 } },
            new ClusterResult { Name = "hit", Apiserver = new ApiServerResult { SaturatedAtSeconds = 600, RecoveredAtSeconds = 1800 } },
        },
        Products =
        {
            new ProductResult { Name = "web", Cluster = "quiet" },
            productErrors
                ? new ProductResult { Name = "web", Cluster = "hit", FirstErrorAtSeconds = 900, RecoveredAtSeconds = 3000 }
                : new ProductResult { Name = "web", Cluster = "hit" },
        },
    };

    private static double? FirstClusterRecovered(RunResult r)
    {
        var replay = new ReplaySpec { Markers = { new MarkerSpec { Name = "first", ObservedMinutes = 1, Kind = Cascade.Fleet.MarkerKind.FirstClusterRecovered } } };
        return ReplayMarkers.Compute(replay, r, _ => Array.Empty<TrafficBucket>()).Single().SimulatedMinutes;
    }

    [Fact]
    public void The_first_cluster_recovered_is_the_first_whose_users_are_served_again()
    {
        // The quiet cluster's API server was back at 20 min, but its users never saw errors; the hit cluster's were served again at 50.
        Assert.Equal(50, FirstClusterRecovered(Result(productErrors: true)));
        Assert.Equal(3000, Result(true).ClusterRecoveredAtSeconds(Result(true).Clusters[1]));
    }

    [Fact]
    public void Without_user_errors_anywhere_it_is_the_first_api_server_back()
    {
        Assert.Equal(20, FirstClusterRecovered(Result(productErrors: false)));
    }

    [Fact]
    public void A_cluster_whose_product_never_recovered_has_not_recovered()
    {
        var r = Result(true);
        r.Products[1] = new ProductResult { Name = "web", Cluster = "hit", FirstErrorAtSeconds = 900 };
        Assert.Null(r.ClusterRecoveredAtSeconds(r.Clusters[1]));
        Assert.Equal(1200, r.ClusterRecoveredAtSeconds(r.Clusters[0]));
    }
}

/// <summary>Bad block and unblock actions are errors at their field.</summary>
public class BlockInputTests
{
    private const string Base = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 10m
        cluster: {name: prod, nodes: 10}
        remediation:

        """;

    [Theory]
    [InlineData("  - {action: scaleNodes, at: 1m, from: nodes}", "remediation[0].from", "`from` is for blockApiAccess and unblockApiAccess, not scaleNodes")]
    [InlineData("  - {action: unblockApiAccess, at: 1m, fraction: 0}", "remediation[0].fraction", "`fraction` above 0")]
    [InlineData("  - {action: unblockApiAccess, at: 1m, every: 0s}", "remediation[0].every", "`every` must be above 0")]
    [InlineData("  - {action: blockApiAccess, at: 1m, from: everywhere}", "remediation[0].from", "everywhere")]
    public void Is_an_error_naming_the_field(string action, string field, string message)
    {
        var e = Assert.Throws<InputException>(() => YamlBinder.Load<Scenario>(Base + action + "\n", "block.yaml", Array.Empty<string>(), ScenarioLoader.ApiVersion, ScenarioLoader.Kind));
        Assert.Equal(field, e.Field);
        Assert.Equal(6, e.Line);
        Assert.Contains(message, e.Message);
    }
}
