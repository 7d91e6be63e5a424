using System.Text.Json.Nodes;
using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cluster;

/// <summary>
/// Attempts that cannot reach an API server (every replica down, or the client blocked at the network) are parked:
/// made as bookkeeping instead of as events (docs/model.md, "Attempts that cannot reach an API server"). A run is the
/// request path's, number for number: the parked steps are counted when the counters are read, and a client goes back
/// to events at the instant a replica serves again, its block starts or lifts, or it goes, in the request path's order.
/// </summary>
public class ParkedRenewalTests
{
    private static RunOutput Run(Scenario scenario, bool park) => TwinRuns.Run(scenario, c => c.Api.ParkUnreachable = park);

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
        TwinRuns.AssertSameText(Everything(path), Everything(ring));
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
    public void The_list_storm_whose_api_servers_crash_again_and_again_gives_the_request_paths_run()
    {
        // etcd OOMs, liveness restarts of every replica, nodes synchronised by their replicas' deaths: the kept attempts
        // go back to events in the order the request path scheduled them, simultaneous ones included.
        var scenario = ScenarioLoader.LoadFile(PreflightFixtures.Scenario("list-storm.yaml"), ["duration=10m"]);
        AssertSameRunWithFewerEvents(scenario);
    }

    [Fact]
    public void Nodes_partitioned_lost_and_let_back_while_no_replica_serves_leave_the_ring_as_the_request_path_has_them()
    {
        using var files = new TempFiles();
        var path = DarkScenario(files, nodes: 600, duration: "14m", seed: 3, faults: """
            - {fault: killApiServers, at: 2m, duration: 8m}
            - {fault: partitionNodes, at: 3m, fraction: 0.25, duration: 3m}
            - {fault: loseNodes, at: 5m, fraction: 0.05}
            """);
        var scenario = ScenarioLoader.LoadFile(path);
        var ring = Run(scenario, park: true);
        // The kill reached every replica and kubelets got to the refused ring; the partitioned ones moved to the
        // blocked ring and some of them were lost there.
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

    /// <summary>
    /// One kubelet on a rig whose heartbeat gives up after <paramref name="timeoutSeconds"/>: a sync's five updates fail,
    /// and then its GET fails <paramref name="failures"/> times, as a dying replica's victim's would.
    /// </summary>
    private static (Cascade.Tests.ControlPlane.ApiServerRig Rig, Kubelets Kubelets) FailedRenewals(int failures, double timeoutSeconds = 10, bool allDown = false, bool blocked = false)
    {
        var rig = new Cascade.Tests.ControlPlane.ApiServerRig(replicas: 2);
        var kubelets = new Kubelets(rig.Sim, rig.Api, 1, SimTime.FromSeconds(10), SimTime.FromSeconds(timeoutSeconds), SimTime.FromMinutes(5), watchPods: false);
        if (allDown)
            for (int r = 0; r < rig.Api.ReplicaCount; r++) rig.Api.OomKill(r, "test");
        kubelets.HeartbeatClient(0).Blocked = blocked;
        for (int i = 0; i < Kubelets.MaxUpdateRetries; i++) kubelets.OnResponse(LeaseControllerTests.UpdateTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        for (int i = 0; i < failures; i++) kubelets.OnResponse(LeaseControllerTests.GetTag, RequestOutcome.Unavailable, 0, WatchHandle.None);
        return (rig, kubelets);
    }

    [Fact]
    public void A_renewal_failing_at_the_capped_back_off_parks_only_where_the_next_one_cannot_get_through()
    {
        // The GETs back off 200 ms doubling to 7 s (0.2, 0.4, 0.8, 1.6, 3.2, 6.4): the seventh failed GET in a row is
        // the first at the cap. The sync's five updates before them never park.
        Assert.Equal((0, 0), FailedRenewals(0, allDown: true).Kubelets.ParkedNodes);
        Assert.Equal((0, 0), FailedRenewals(6, allDown: true).Kubelets.ParkedNodes);
        Assert.Equal((1, 0), FailedRenewals(7, allDown: true).Kubelets.ParkedNodes);
        // A replica still serves: the next attempt may get through, so it stays an event.
        Assert.Equal((0, 0), FailedRenewals(8).Kubelets.ParkedNodes);
        Assert.Equal((0, 1), FailedRenewals(8, blocked: true).Kubelets.ParkedNodes);
        Assert.Equal((0, 1), FailedRenewals(8, allDown: true, blocked: true).Kubelets.ParkedNodes);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(0, 0)]
    public void A_blocked_renewal_in_the_ring_counts_a_client_timeout_only_when_its_client_has_a_timeout(double timeoutSeconds, int timeoutsPerFailure)
    {
        var rig = new Cascade.Tests.ControlPlane.ApiServerRig(replicas: 2);
        var kubelets = new Kubelets(rig.Sim, rig.Api, 1, SimTime.FromSeconds(10), SimTime.FromSeconds(timeoutSeconds), SimTime.FromMinutes(5), watchPods: false);
        kubelets.Start();
        kubelets.HeartbeatClient(0).Blocked = true;
        rig.Sim.Run(untilTicks: SimTime.FromMinutes(10));
        Assert.Equal((0, 1), kubelets.ParkedNodes);
        rig.Api.Settle();
        long failed = kubelets.LeaseFailures;
        // Ten minutes of failures: five updates, the GETs' climbing back-off, then one every timeout + 7 s.
        Assert.InRange(failed, 600 / (timeoutSeconds + 7) - 1, 600 / (timeoutSeconds + 7) + 7 + Kubelets.MaxUpdateRetries);
        Assert.Equal(failed * timeoutsPerFailure, rig.Api.Metrics.ClientTimeouts);
        Assert.InRange(rig.Api.Metrics.BlockedAttempts, failed, failed + 1); // the last one may still be waiting for its timeout
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
