using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Tests.Preflight;

/// <summary>`cascade compare`: mitigations change the replay's outcome the way they should, and threads change nothing.</summary>
public class PreflightCompareTests
{
    // The replay's first 21 minutes: three waves, reaching prod-small-1, prod-small-2 and prod-large-1 (20m).
    private static readonly string[] Short = ["duration=21m"];

    private static ComparisonResult Replay(int threads) =>
        Comparison.Run(PreflightFixtures.Replay, Short, null, Comparison.Variants("priority-level,health-gate", []), threads);

    [Fact]
    public void On_the_replay_a_health_gate_and_a_separate_priority_level_each_improve_the_outcome_and_threads_change_no_byte()
    {
        var one = Replay(1);
        var two = Replay(2);
        Assert.Equal(Json.Serialize(one), Json.Serialize(two));

        var rows = one.Rows.ToDictionary(r => r.Variant, r => r.Outcome!);
        var baseline = rows["baseline"];
        var gate = rows["health-gate"];
        var level = rows["priority-level"];
        Assert.True(baseline.ClustersSaturated >= 3, $"baseline saturates {baseline.ClustersSaturated}");

        // The gate halts the rollout after its first wave: fewer clusters reached, fewer saturated.
        Assert.True(gate.RolloutReach < baseline.RolloutReach);
        Assert.True(gate.ClustersSaturated < baseline.ClustersSaturated);

        // The change in its own small level: the rest of the control plane answers faster than when the
        // change shares workload-low (and can borrow most of the server).
        Assert.True(level.Others.WorstP99Seconds < baseline.Others.WorstP99Seconds,
            $"others' p99 {level.Others.WorstP99Seconds} with the level, {baseline.Others.WorstP99Seconds} without");
    }

    [Fact]
    public void A_mitigation_that_does_not_fit_the_scenario_is_a_row_saying_why_not_a_run()
    {
        var result = Comparison.Run(PreflightFixtures.ListStorm, ["duration=1m", "cluster.nodes=50"], null,
            Comparison.Variants("health-gate,canary-largest", []), 2);
        Assert.Equal(["baseline", "health-gate", "canary-largest"], result.Rows.Select(r => r.Variant));
        Assert.All(result.Rows.Skip(1), r =>
        {
            Assert.Null(r.Outcome);
            Assert.Contains("no rollout", r.NotApplicable);
        });
    }

    [Fact]
    public void A_users_variant_is_a_set_of_overrides_and_shows_their_effect()
    {
        var result = Comparison.Run(PreflightFixtures.ListStorm, ["duration=10m", "cluster.nodes=5000"], null,
            Comparison.Variants("none", ["cache:workloads[0].calls[0].resourceVersion=0,cluster.apiServer.replicas=3"]), 2);
        var rows = result.Rows.ToDictionary(r => r.Variant);
        Assert.Equal(["workloads[0].calls[0].resourceVersion=0", "cluster.apiServer.replicas=3"], rows["cache"].Changes);
        Assert.Equal(1, rows["baseline"].Outcome!.ClustersSaturated);
        Assert.Equal(0, rows["cache"].Outcome!.ClustersSaturated);
    }

    [Fact]
    public void Variant_overrides_split_at_top_level_commas_only()
    {
        var v = Variant.Parse("two:workloads[0].calls=[{verb: get}, {verb: list}],cluster.nodes=10");
        Assert.Equal("two", v.Name);
        Assert.Equal(["workloads[0].calls=[{verb: get}, {verb: list}]", "cluster.nodes=10"], v.Overrides);
    }

    [Fact]
    public void Each_built_in_mitigation_changes_what_it_says_or_says_why_it_cannot()
    {
        var dir = Path.GetDirectoryName(PreflightFixtures.ListStorm)!;
        foreach (var m in Mitigations.All)
        {
            var scenario = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm);
            var ctx = new MitigationContext(dir);
            var why = m.ApplyTo(scenario, ctx);
            Assert.True((why is null) != (ctx.Changes.Count == 0), $"{m.Name}: reason '{why}', {ctx.Changes.Count} changes");
        }
        var s = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm);
        Assert.Null(Mitigations.Find("informer").ApplyTo(s, new MitigationContext(dir)));
        Assert.Empty(s.Workloads[0].Calls);
        Assert.Equal("pods", Assert.Single(s.Workloads[0].Informers).Resource);
    }

    [Fact]
    public void The_priority_level_mitigation_puts_the_changes_requests_in_their_own_level_and_nowhere_else()
    {
        var dir = Path.GetDirectoryName(PreflightFixtures.ListStorm)!;
        var s = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, ["duration=3m", "cluster.nodes=1000"]);
        Assert.Null(Mitigations.Find("priority-level").ApplyTo(s, new MitigationContext(dir)));
        var levels = ScenarioRunner.Run(s, 1, dir, threads: 1).Result.Clusters[0].Apiserver.PriorityLevels.ToDictionary(l => l.Name);
        Assert.True(levels["preflight-telemetry-agent"].PeakSeats > 0);
        Assert.Equal(0, levels["workload-low"].PeakSeats);
        // 5 of 250 shares of 600 seats per replica, borrowing nothing: 12 seats on each of 3 replicas.
        Assert.True(levels["preflight-telemetry-agent"].PeakSeats <= 36);
    }
}
