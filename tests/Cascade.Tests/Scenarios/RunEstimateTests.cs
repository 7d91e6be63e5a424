using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// The estimate of a run's memory and events, from the scenario alone: above every run measured for
/// docs/model.md's performance table, and never smaller for a larger cluster, fleet or run.
/// </summary>
public sealed class RunEstimateTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cascade-estimate-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A fleet of `count` clusters like the bundled ones: kubelets and controllers on, no workloads.</summary>
    internal static string Fleet(string dir) => WriteFile(dir, "fleet.yaml",
        "apiVersion: cascade/v1\nkind: Scenario\nmetadata:\n  name: fleet\nduration: 10m\nclusters:\n  - {name: c, count: 100, nodes: 100}\n");

    private static string WriteFile(string dir, string name, string text)
    {
        var file = Path.Combine(dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    private string Load(string scenario) => scenario == "fleet" ? Fleet(dir) : RunCommandTests.Repo("scenarios", scenario + ".yaml");

    /// <summary>docs/model.md, "Performance": each row's measured events and peak resident memory (KiB).</summary>
    [Theory]
    [InlineData("apiserver-restart", "", 4_335_998, 101_276)]
    [InlineData("daemonset-restart", "", 1_534_448, 91_540)]
    [InlineData("list-storm", "", 7_395_540, 106_992)]
    [InlineData("openai-2024-12-11", "", 67_477_667, 987_300)]
    [InlineData("list-storm", "cluster.nodes=500", 898_348, 63_360)]
    [InlineData("list-storm", "duration=4h", 29_996_755, 120_436)]
    [InlineData("list-storm", "workloads[0].calls[0].every=5s,duration=10m", 1_492_047, 101_832)]
    [InlineData("list-storm", "cluster.nodes=20000,duration=10m", 4_768_069, 222_556)]
    [InlineData("list-storm", "cluster.nodes=50000,duration=5m", 5_768_011, 448_932)]
    [InlineData("list-storm", "cluster.nodes=100000,duration=10m", 23_130_270, 839_656)]
    [InlineData("list-storm", "cluster.nodes=100000", 148_089_564, 874_220)]
    [InlineData("apiserver-restart", "cluster.nodes=20000", 17_285_096, 239_612)]
    [InlineData("apiserver-restart", "cluster.nodes=100000,duration=12m,faults[0].at=11m", 23_898_579, 6_352_392)]
    [InlineData("fleet", "", 5_758_310, 178_284)]
    [InlineData("fleet", "duration=1h", 34_415_828, 271_332)]
    [InlineData("fleet", "clusters[0].count=1000,clusters[0].nodes=10", 33_204_910, 816_736)]
    [InlineData("fleet", "clusters[0].count=1000,clusters[0].nodes=10,duration=1h", 199_001_819, 1_637_628)]
    [InlineData("fleet", "clusters[0].count=10,clusters[0].nodes=1000,duration=1h", 13_873_038, 127_156)]
    public void Every_measured_run_costs_less_than_its_estimate(string scenario, string overrides, long events, long peakKib)
    {
        var estimate = RunEstimate.Of(ScenarioLoader.LoadFile(Load(scenario), overrides.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(estimate.Events >= events, $"{estimate.Events:N0} estimated, {events:N0} measured");
        Assert.True(estimate.MemoryBytes >= peakKib * 1024.0, $"{estimate.MemoryBytes:N0} B estimated, {peakKib * 1024.0:N0} B measured");
        // Within a factor of a few: an estimate that refuses what runs in a tenth of it would refuse too much.
        Assert.True(estimate.Events < 5 * events, $"{estimate.Events:N0} estimated, {events:N0} measured");
        Assert.True(estimate.MemoryBytes < 5 * peakKib * 1024.0, $"{estimate.MemoryBytes:N0} B estimated, {peakKib * 1024.0:N0} B measured");
    }

    [Fact]
    public void More_nodes_clusters_or_duration_never_estimate_less()
    {
        var file = Fleet(dir);
        RunEstimate At(int count, int nodes, string duration) => RunEstimate.Of(ScenarioLoader.LoadFile(file,
            [$"clusters[0].count={count}", $"clusters[0].nodes={nodes}", $"duration={duration}"]));
        int[] counts = [1, 2, 10, 1000];
        int[] nodes = [1, 10, 5000, 100_000];
        string[] durations = ["1s", "1m", "1h", "30d"];
        foreach (int c in counts)
            foreach (int n in nodes)
                foreach (string d in durations)
                {
                    var here = At(c, n, d);
                    var more = new[] { counts.FirstOrDefault(x => x > c), nodes.FirstOrDefault(x => x > n) };
                    var larger = new List<RunEstimate>();
                    if (more[0] > 0) larger.Add(At(more[0], n, d));
                    if (more[1] > 0) larger.Add(At(c, more[1], d));
                    int di = Array.IndexOf(durations, d);
                    if (di + 1 < durations.Length) larger.Add(At(c, n, durations[di + 1]));
                    foreach (var l in larger)
                    {
                        Assert.True(l.MemoryBytes >= here.MemoryBytes, $"{c} × {n} nodes, {d}");
                        Assert.True(l.Events >= here.Events, $"{c} × {n} nodes, {d}");
                    }
                }
    }

    [Fact]
    public void A_workload_adds_the_requests_it_sends_in_the_clusters_it_runs_in()
    {
        var file = RunCommandTests.Repo("scenarios", "list-storm.yaml");
        var every60s = RunEstimate.Of(ScenarioLoader.LoadFile(file));
        var every5s = RunEstimate.Of(ScenarioLoader.LoadFile(file, ["workloads[0].calls[0].every=5s"]));
        var elsewhere = RunEstimate.Of(ScenarioLoader.LoadFile(file, ["workloads[0].clusters=[other]"]));
        Assert.True(every5s.Events > every60s.Events);
        Assert.True(elsewhere.Events < every60s.Events);
    }

    [Theory]
    [InlineData("clusters[0].nodes=100000", "clusters[0].nodes", "clusters[0].nodes")]
    [InlineData("clusters[0].count=1000", "clusters[0].count", "clusters[0].count")]
    [InlineData("duration=1000000d", "duration", "duration")]
    public void The_estimate_names_the_field_that_drives_the_cost(string set, string memoryField, string eventsField)
    {
        var estimate = RunEstimate.Of(ScenarioLoader.LoadFile(Fleet(dir), ["clusters[0].count=1", set]));
        Assert.Equal(memoryField, estimate.MemoryField);
        Assert.Equal(eventsField, estimate.EventsField);
    }

    private RunEstimate Estimate(string yaml, params string[] sets)
    {
        var file = WriteFile(dir, "e.yaml", "apiVersion: cascade/v1\nkind: Scenario\n" + yaml);
        return RunEstimate.Of(ScenarioLoader.LoadFile(file, sets));
    }

    private const string OneCluster = """
        duration: 10m
        cluster: {name: c, nodes: 100}
        workloads:
          - {name: agent, placement: perNode, client: {qps: 0.1}, calls: [{verb: list, resource: pods, every: 10s}, {verb: get, resource: nodes, every: 20s}]}
          - {name: web, replicas: 3, calls: [{verb: get, resource: configmaps, every: 4s}]}
          - {name: quiet, replicas: 5}
          - {name: away, replicas: 7, clusters: [other], calls: [{verb: get, resource: configmaps, every: 1s}]}
        faults:
          - {fault: restartApiServers, at: 1m, clusters: [c]}
        """;

    [Fact]
    public void The_estimate_is_the_documented_fit_term_by_term()
    {
        // Each term by hand: 10 minutes of one 100-node cluster whose API servers restart; the agent's 0.15/s is cut to
        // its client's QPS (0.1 of 0.1 + 0.05), web's 3 replicas send 0.25/s each, and the other workloads send nothing here.
        double hours = 1.0 / 6, seconds = 600;
        double grows = hours * (RunEstimate.ClusterBytesPerHour + 100 * RunEstimate.NodeBytesPerHour);
        double memory = RunEstimate.ProcessBytes + RunEstimate.ClusterBytes + 100 * RunEstimate.NodeBytes + grows + RunEstimate.RestartBytesPerNodeSquared * 100 * 100;
        double requests = 0.1 * 100 + 0.25 * 3;
        double events = seconds * (RunEstimate.ClusterEventsPerSecond + 100 * RunEstimate.NodeEventsPerSecond + RunEstimate.EventsPerRequest * requests);
        var e = Estimate(OneCluster);
        Assert.Equal(memory, e.MemoryBytes, 6);
        Assert.Equal(events, e.Events, 6);
        Assert.Equal(events / RunEstimate.EventsPerWallSecond, e.WallSeconds, 9);
        Assert.Equal(("cluster.nodes", "cluster.nodes"), (e.MemoryField, e.EventsField));
        // A QPS above the calls' rate does not cut them; a fault elsewhere adds no restart storm.
        var uncut = Estimate(OneCluster, "workloads[0].client.qps=5");
        Assert.Equal(events + seconds * RunEstimate.EventsPerRequest * 0.05 * 100, uncut.Events, 6);
        Assert.Equal(memory - RunEstimate.RestartBytesPerNodeSquared * 100 * 100, Estimate(OneCluster, "faults[0].fault=restartCoreDns").MemoryBytes, 6);
    }

    [Fact]
    public void What_grows_over_a_long_run_names_the_duration()
    {
        var twoDays = Estimate(OneCluster, "duration=2d");
        Assert.Equal(("duration", "duration"), (twoDays.MemoryField, twoDays.EventsField));
        // One day exactly is not yet long; the memory that grows over it is, by then, most of the cluster's.
        var oneDay = Estimate(OneCluster, "duration=1d");
        Assert.Equal(("cluster.nodes", "cluster.nodes"), (oneDay.MemoryField, oneDay.EventsField));
    }

    [Theory]
    [InlineData("[{name: a, nodes: 10}, {name: b, count: 3, nodes: 10}]", "clusters[1].count")]
    [InlineData("[{name: a, nodes: 30}, {name: b, nodes: 10}]", "clusters[0].nodes")]
    [InlineData("[{name: a, nodes: 10}, {name: b, nodes: 30}]", "clusters[1].nodes")]
    [InlineData("[{name: a, nodes: 10}, {name: b, nodes: 10}, {name: c, nodes: 10}]", "clusters")]
    public void In_a_fleet_the_entry_holding_most_is_named_unless_none_holds_half(string clusters, string field)
    {
        var e = Estimate($"duration: 10m\nclusters: {clusters}\n");
        Assert.Equal((field, field), (e.MemoryField, e.EventsField));
    }

    [Fact]
    public void A_count_multiplies_a_clusters_cost_and_a_fault_hits_only_the_copies_it_names()
    {
        var one = Estimate("duration: 10m\nclusters: [{name: b, nodes: 10}]\n");
        var three = Estimate("duration: 10m\nclusters: [{name: b, count: 3, nodes: 10}]\n");
        Assert.Equal(3 * (one.MemoryBytes - RunEstimate.ProcessBytes), three.MemoryBytes - RunEstimate.ProcessBytes, 3);
        Assert.Equal(3 * one.Events, three.Events, 3);
        var hit = Estimate("duration: 10m\nclusters: [{name: b, count: 3, nodes: 10}]\nfaults: [{fault: restartApiServers, at: 1m, clusters: [b-2]}]\n");
        Assert.Equal(three.MemoryBytes + RunEstimate.RestartBytesPerNodeSquared * 100, hit.MemoryBytes, 3);
    }
}
