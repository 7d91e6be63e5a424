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
}
