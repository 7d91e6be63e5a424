using System.Text.Json.Nodes;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cluster;

/// <summary>
/// Renewals that cannot reach an API server (every replica down, or the node blocked at the network) wait in the
/// kubelets' rings instead of as events (docs/model.md, "Renewals that cannot reach an API server"). Away from
/// simultaneous events a run is the request path's, number for number: a ring counts each attempt and failure when the
/// counters are read, and hands a node back to events at the instant a replica serves again, its block starts or
/// lifts, or it goes.
/// </summary>
public class ParkedRenewalTests
{
    private static RunOutput Run(Scenario scenario, bool park) =>
        ScenarioRunner.Run(scenario, (ulong)scenario.Seed, PreflightFixtures.RepoRoot(), threads: 1, beforeStart: fleet =>
        {
            foreach (var c in fleet.Clusters) c.Api.ParkUnreachable = park;
        });

    /// <summary>The result document and every cluster's samples, as text, with the event count left out.</summary>
    private static string Everything(RunOutput o)
    {
        var doc = JsonNode.Parse(Json.Serialize(o.Result))!.AsObject();
        doc.Remove("events");
        return doc.ToJsonString() + "\n" + Json.Serialize(o.Samples());
    }

    private static void AssertSameRunWithFewerEvents(Scenario scenario)
    {
        var path = Run(scenario, park: false);
        var ring = Run(scenario, park: true);
        Assert.True(ring.Result.Events < path.Result.Events, $"{ring.Result.Events:N0} events with the ring against {path.Result.Events:N0}");
        string a = Everything(path), b = Everything(ring);
        if (a == b) return;
        int i = 0;
        while (i < Math.Min(a.Length, b.Length) && a[i] == b[i]) i++;
        Assert.Fail($"the runs part at character {i}: …{a.Substring(Math.Max(0, i - 120), Math.Min(240, a.Length - Math.Max(0, i - 120)))}… against …{b.Substring(Math.Max(0, i - 120), Math.Min(240, b.Length - Math.Max(0, i - 120)))}…");
    }

    /// <summary>A cluster of <paramref name="nodes"/> with kubelets and controllers, and <paramref name="faults"/> (YAML list items).</summary>
    private static string DarkScenario(TempFiles files, int nodes, string duration, int seed, string faults) =>
        files.Write($$"""
            apiVersion: cascade/v1
            kind: Scenario
            metadata: {name: dark}
            duration: {{duration}}
            seed: {{seed}}
            cluster:
              name: prod
              nodes: {{nodes}}
              kubelets: {enabled: true}
              controllers: {enabled: true}
            faults:
            {{string.Join("\n", faults.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l.Trim()))}}
            """, ".yaml");

    [Fact]
    public void Every_replica_restarting_at_once_gives_the_request_paths_run_with_fewer_events()
    {
        // 5,000 nodes; the API servers are down for restartTime, long enough for kubelets to reach the capped back-off.
        var scenario = ScenarioLoader.LoadFile(PreflightFixtures.Scenario("apiserver-restart.yaml"), ["duration=13m"]);
        AssertSameRunWithFewerEvents(scenario);
    }

    [Fact]
    public void Nodes_partitioned_lost_and_let_back_while_no_replica_serves_leave_the_ring_as_the_request_path_has_them()
    {
        using var files = new TempFiles();
        var path = DarkScenario(files, nodes: 600, duration: "14m", seed: 3, faults: """
            - {fault: killApiServers, at: 2m, duration: 8m}
            - {fault: partitionNodes, at: 4m, fraction: 0.25, duration: 2m}
            - {fault: loseNodes, at: 5m, fraction: 0.05}
            """);
        var scenario = ScenarioLoader.LoadFile(path);
        var ring = Run(scenario, park: true);
        // The kill reached every replica and kubelets got to the ring before anything else happened to them.
        Assert.True(ring.Result.Clusters[0].Kubelets!.LeaseFailures > 600 * 20, $"{ring.Result.Clusters[0].Kubelets!.LeaseFailures} lease failures");
        AssertSameRunWithFewerEvents(scenario);
    }

    [Fact]
    public void A_refused_renewal_parks_only_at_the_capped_back_off_and_only_while_no_replica_serves()
    {
        using var files = new TempFiles();
        var path = DarkScenario(files, nodes: 100, duration: "4m", seed: 1, faults: "- {fault: killApiServers, at: 1m, duration: 2m}");
        var scenario = ScenarioLoader.LoadFile(path);
        var fleet = Run(scenario, park: true).Fleet;
        var kubelets = fleet.Clusters[0].Kubelets!;
        // At the end a replica serves again: nobody is left in a ring.
        Assert.Equal((0, 0), kubelets.ParkedNodes);

        // Stopped in the middle of the dark minutes, past the back-off's first 12.6 s: every node waits in the ring.
        var again = ScenarioRunner.Run(ScenarioLoader.LoadFile(path, ["duration=100s"]), 1, threads: 1);
        Assert.Equal((100, 0), again.Fleet.Clusters[0].Kubelets!.ParkedNodes);
        // 12 s into the dark minutes, back-offs are still climbing (0.2 + 0.4 + … + 6.4 s): nobody waits yet.
        var early = ScenarioRunner.Run(ScenarioLoader.LoadFile(path, ["duration=72s"]), 1, threads: 1);
        Assert.Equal((0, 0), early.Fleet.Clusters[0].Kubelets!.ParkedNodes);
    }

    [Fact]
    public void Nodes_blocked_at_the_network_wait_in_their_ring_and_give_the_request_paths_run()
    {
        using var files = new TempFiles();
        var path = DarkScenario(files, nodes: 400, duration: "12m", seed: 5, faults: "- {fault: partitionNodes, at: 2m, fraction: 0.5, duration: 6m}");
        var scenario = ScenarioLoader.LoadFile(path);
        AssertSameRunWithFewerEvents(scenario);
        // Mid-block, past the heartbeat's 10 s timeouts and the climbing back-off, every blocked node waits in the ring.
        var mid = ScenarioRunner.Run(ScenarioLoader.LoadFile(path, ["duration=5m"]), 1, threads: 1).Fleet.Clusters[0].Kubelets!;
        Assert.Equal((0, 200), mid.ParkedNodes);
        // The block lifted: nobody waits.
        Assert.Equal((0, 0), Run(scenario, park: true).Fleet.Clusters[0].Kubelets!.ParkedNodes);
    }
}
