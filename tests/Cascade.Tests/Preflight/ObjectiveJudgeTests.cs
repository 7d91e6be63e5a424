using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.Preflight.HandMade;

namespace Cascade.Tests.Preflight;

/// <summary>The objectives' arithmetic on hand-made results: what fails, what passes, margins whose sign is the verdict and whose value is the share of the limit left, and the evidence callers print.</summary>
public class ObjectiveJudgeTests
{
    private static void AssertMarginsAgree(IEnumerable<Verdict> verdicts) =>
        Assert.All(verdicts, v => Assert.True(v.Failed ? v.Margin <= 0 : v.Margin >= 0, $"{v.Objective} {v.Subject}: {v.Status} with margin {v.Margin}"));

    [Fact]
    public void A_product_over_its_error_budget_fails_it_in_user_minutes()
    {
        // 600,000 requests in 60 minutes is 10,000 a minute: 50,000 errors are 5 minutes of total outage.
        var verdicts = ObjectiveJudge.Judge(new ObjectivesSpec(), Run([ClusterNamed("a")], [Product("api", "a", 50_000, 600, 1200), Product("chat", "a", 30_000, 600, 900)]));
        var budget = verdicts.Where(v => v.Objective == ObjectiveJudge.ErrorBudget).ToDictionary(v => v.Subject);
        Assert.True(budget["api (a)"].Failed);
        Assert.Equal(5, budget["api (a)"].Value!.Value, 6);
        Assert.False(budget["chat (a)"].Failed);
        Assert.Equal(3, budget["chat (a)"].Value!.Value, 6);
        AssertMarginsAgree(verdicts);
    }

    /// <summary>One objective's verdicts on a run, by subject, with margins that agree with them.</summary>
    private static Dictionary<string, Verdict> Verdicts(string objective, RunResult run)
    {
        var verdicts = ObjectiveJudge.Judge(new ObjectivesSpec(), run);
        AssertMarginsAgree(verdicts);
        return verdicts.Where(v => v.Objective == objective).ToDictionary(v => v.Subject);
    }

    [Fact]
    public void A_product_using_exactly_its_error_budget_passes_it_and_one_error_more_fails_it()
    {
        // 10,000 requests a minute: 43,200 errors are exactly the default budget of 4.32 user-minutes.
        var budget = Verdicts(ObjectiveJudge.ErrorBudget, Run([ClusterNamed("a")], [Product("exact", "a", 43_200, 600, 1200), Product("over", "a", 43_201, 600, 1200)]));
        Assert.Equal((4.32, false), (budget["exact (a)"].Value!.Value, budget["exact (a)"].Failed));
        Assert.True(budget["over (a)"].Failed);
    }

    [Fact]
    public void A_cluster_recovering_in_exactly_its_limit_passes_and_one_second_later_fails()
    {
        // Saturated at 5 min; healthy again 30 min later (the default limit), or 30 min and 1 s later.
        var recovery = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("exact", 300, 2100), ClusterNamed("late", 300, 2101)]));
        Assert.Equal((1800.0, false), (recovery["exact"].Value!.Value, recovery["exact"].Failed));
        Assert.True(recovery["late"].Failed);
    }

    [Fact]
    public void A_rollout_that_went_fleet_wide_after_a_saturation_fails_its_reach_and_one_halted_in_its_first_wave_passes()
    {
        var clusters = new List<ClusterResult> { ClusterNamed("a", 300, 900), ClusterNamed("b"), ClusterNamed("c"), ClusterNamed("d"), ClusterNamed("e"), ClusterNamed("f") };
        var everywhere = ObjectiveJudge.Judge(new ObjectivesSpec(), Run(clusters, rollout: new RolloutResult { ClustersReached = 6, Clusters = 6, Reach = 1, CompletedAtSeconds = 1800 }));
        var reach = Assert.Single(everywhere, v => v.Objective == ObjectiveJudge.RolloutReach);
        Assert.True(reach.Failed);
        Assert.Contains("a's API server saturated at 5m00s", reach.Evidence);

        var halted = ObjectiveJudge.Judge(new ObjectivesSpec(), Run(clusters, rollout: new RolloutResult { ClustersReached = 1, Clusters = 6, Reach = 1 / 6.0, Halted = true, HaltedAtSeconds = 450 }));
        Assert.False(Assert.Single(halted, v => v.Objective == ObjectiveJudge.RolloutReach).Failed);
        AssertMarginsAgree(everywhere.Concat(halted));
    }

    [Fact]
    public void Recovery_counts_from_a_clusters_first_trouble_to_its_last_recovery_including_its_products()
    {
        // Saturated at 5 min, API server healthy at 15 min, but its product recovers only at 40 min: 35 min > 30.
        var verdicts = ObjectiveJudge.Judge(new ObjectivesSpec(), Run([ClusterNamed("a", 300, 900), ClusterNamed("b", 300, 900)],
            [Product("api", "a", 100, 360, 2400)]));
        var recovery = verdicts.Where(v => v.Objective == ObjectiveJudge.Recovery).ToDictionary(v => v.Subject);
        Assert.True(recovery["a"].Failed);
        Assert.Equal(2100, recovery["a"].Value!.Value, 6);
        Assert.False(recovery["b"].Failed);
        Assert.Equal(600, recovery["b"].Value!.Value, 6);
        AssertMarginsAgree(verdicts);
    }

    [Fact]
    public void The_DNS_mitigations_apply_only_to_scenarios_with_products()
    {
        var dir = Path.GetDirectoryName(PreflightFixtures.ListStorm)!;
        var with = Cascade.Scenarios.ScenarioLoader.LoadFile(PreflightFixtures.ListStorm);
        Assert.Null(Mitigations.Find("dns-serve-stale").ApplyTo(with, new MitigationContext(dir)));
        Assert.True(with.Cluster.Dns.NodeLocalCache.ServeStale);
        var without = Cascade.Scenarios.ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, ["products=[]"]);
        Assert.Contains("no products", Mitigations.Find("dns-cache-ttl").ApplyTo(without, new MitigationContext(dir)));
    }

    // ------------------------------------------------------------------ margins by value, evidence as read

    private static ClusterResult Apiserver(string name, double p99, double failed, double? saturatedAt = null, double? recoveredAt = null) => new()
    {
        Name = name,
        Apiserver = new ApiServerResult { PeakWindowP99Seconds = p99, PeakWindowFailureRatio = failed, SaturatedAtSeconds = saturatedAt, RecoveredAtSeconds = recoveredAt },
    };

    private static ObjectivesSpec Only(string objective)
    {
        var spec = new ObjectivesSpec();
        spec.ApiServerSaturation.Enabled = objective == ObjectiveJudge.ApiServerSaturation;
        spec.ErrorBudget.Enabled = objective == ObjectiveJudge.ErrorBudget;
        spec.RolloutReach.Enabled = objective == ObjectiveJudge.RolloutReach;
        spec.Recovery.Enabled = objective == ObjectiveJudge.Recovery;
        return spec;
    }

    [Theory]
    [InlineData(0.2, 0, 0.2, 0.8)] // p99 is the pressure: 0.2 s of 1 s
    [InlineData(0.3, 0.004, 0.4, 0.6)] // failures are: 0.4% of 1%
    [InlineData(1.5, 0, 1.5, 0)] // over the limit in one window but never saturated (no sustained breach): no margin left, still a pass
    public void An_unsaturated_clusters_pressure_is_its_worst_windows_p99_over_1_s_or_failures_over_1_percent_and_its_margin_what_is_left(
        double p99, double failed, double pressure, double margin)
    {
        var v = Assert.Single(Verdicts(ObjectiveJudge.ApiServerSaturation, Run([Apiserver("a", p99, failed)])).Values);
        Assert.Equal((VerdictStatus.Pass, 1.0, (double?)null), (v.Status, v.Limit!.Value, v.AtSeconds));
        Assert.Equal(pressure, v.Value!.Value, 9);
        Assert.Equal(margin, v.Margin, 9);
    }

    [Fact]
    public void A_saturated_cluster_fails_saturation_at_the_time_it_saturated_with_its_pressure_and_a_negative_margin()
    {
        var v = Verdicts(ObjectiveJudge.ApiServerSaturation, Run([Apiserver("a", 3, 0.05, saturatedAt: 300)]))["a"];
        Assert.Equal((VerdictStatus.Fail, 5.0, 1.0, 300.0), (v.Status, v.Value!.Value, v.Limit!.Value, v.AtSeconds!.Value));
        Assert.Equal(-4, v.Margin, 9);
        Assert.Equal("saturated at 5m00s: worst window p99 3.00 s, 5.0% failed (limits 1 s, 1%)", v.Evidence);
    }

    [Fact]
    public void A_cluster_that_saturated_with_a_worst_window_under_the_limits_fails_with_margin_0_not_a_positive_one()
    {
        var v = Verdicts(ObjectiveJudge.ApiServerSaturation, Run([Apiserver("a", 0.5, 0, saturatedAt: 60)]))["a"];
        Assert.Equal((VerdictStatus.Fail, 0.0), (v.Status, v.Margin));
    }

    [Fact]
    public void An_unsaturated_clusters_evidence_says_so_with_its_worst_window()
    {
        var v = Verdicts(ObjectiveJudge.ApiServerSaturation, Run([Apiserver("a", 0.25, 0.2)]))["a"];
        Assert.Equal("never saturated: worst window p99 0.25 s, 20% failed", v.Evidence);
    }

    [Theory]
    [InlineData(21_600, 2.16, 0.5, false)]
    [InlineData(64_800, 6.48, -0.5, true)]
    [InlineData(0, 0, 1, false)]
    public void An_error_budgets_margin_is_the_unused_share_of_the_budget(double errors, double used, double margin, bool failed)
    {
        var v = Verdicts(ObjectiveJudge.ErrorBudget, Run([ClusterNamed("a")], [Product("api", "a", errors, 600, 1200)]))["api (a)"];
        Assert.Equal((failed, 4.32), (v.Failed, v.Limit!.Value));
        Assert.Equal(used, v.Value!.Value, 9);
        Assert.Equal(margin, v.Margin, 9);
        Assert.Equal(600.0, v.AtSeconds);
    }

    [Fact]
    public void A_budget_of_0_fails_any_error_by_its_user_minutes_and_passes_none_at_margin_0()
    {
        var spec = Only(ObjectiveJudge.ErrorBudget);
        spec.ErrorBudget.UserMinutes = 0;
        var verdicts = ObjectiveJudge.Judge(spec, Run([ClusterNamed("a")], [Product("api", "a", 21_600, 600), Product("calm", "a", 0)])).ToDictionary(v => v.Subject);
        Assert.Equal((true, -2.16), (verdicts["api (a)"].Failed, Math.Round(verdicts["api (a)"].Margin, 9)));
        Assert.Equal((false, 0.0), (verdicts["calm (a)"].Failed, verdicts["calm (a)"].Margin));
    }

    [Fact]
    public void An_error_budgets_evidence_gives_the_minutes_the_budget_the_peak_and_when_errors_began()
    {
        var budget = Verdicts(ObjectiveJudge.ErrorBudget, Run([ClusterNamed("a")], [Product("api", "a", 21_600, 750), Product("calm", "a", 0)]));
        Assert.Equal("2.16 user-minutes of errors (budget 4.32); peak error rate 50%, errors from 12m30s", budget["api (a)"].Evidence);
        Assert.Equal("0.00 user-minutes of errors (budget 4.32); peak error rate 0.0%", budget["calm (a)"].Evidence);
    }

    [Fact]
    public void Without_products_the_error_budget_is_one_pass_saying_so()
    {
        var v = Assert.Single(ObjectiveJudge.Judge(Only(ObjectiveJudge.ErrorBudget), Run([ClusterNamed("a")])));
        Assert.Equal(new Verdict(ObjectiveJudge.ErrorBudget, "-", VerdictStatus.Pass, "no products in scenario", null, 4.32, 1), v);
    }

    private static RolloutResult Rollout(int reached, int of, bool halted = false) => new()
    {
        ClustersReached = reached, Clusters = of, Reach = (double)reached / of, Halted = halted, HaltedAtSeconds = halted ? 900 : null,
        CompletedAtSeconds = reached == of ? 1800 : null,
    };

    [Fact]
    public void A_rollout_that_reached_exactly_its_limit_after_trouble_passes_with_margin_0()
    {
        // A saturation, then 2 of 8 clusters: 25%, the default limit, to the last bit.
        var v = Verdicts(ObjectiveJudge.RolloutReach, Run([ClusterNamed("a", 300, 900)], rollout: Rollout(2, 8, halted: true)))["fleet"];
        Assert.Equal((VerdictStatus.Pass, 25.0, 25.0, 0.0, 300.0), (v.Status, v.Value!.Value, v.Limit!.Value, v.Margin, v.AtSeconds!.Value));
        Assert.Equal("a's API server saturated at 5m00s; the rollout halted at 15m00s, reached 2 of 8 clusters (25%), limit 25%", v.Evidence);
    }

    [Theory]
    [InlineData(1, 8, 0.5, false)]
    [InlineData(3, 8, -0.5, true)]
    [InlineData(8, 8, -3, true)]
    public void A_rollouts_reach_margin_after_trouble_is_the_unused_share_of_the_limit(int reached, int of, double margin, bool failed)
    {
        var v = Verdicts(ObjectiveJudge.RolloutReach, Run([ClusterNamed("a", 300, 900)], rollout: Rollout(reached, of)))["fleet"];
        Assert.Equal(failed, v.Failed);
        Assert.Equal(margin, v.Margin, 9);
    }

    [Fact]
    public void A_reach_limit_under_1_percent_scales_the_margin_by_1_percent()
    {
        var spec = Only(ObjectiveJudge.RolloutReach);
        spec.RolloutReach.MaxPercent = 0.5;
        var v = Assert.Single(ObjectiveJudge.Judge(spec, Run([ClusterNamed("a", 300, 900)], rollout: Rollout(1, 8))));
        Assert.True(v.Failed);
        Assert.Equal(-12, v.Margin, 9);
    }

    [Fact]
    public void A_rollout_with_nothing_wrong_passes_its_reach_with_margin_1_whatever_it_reached()
    {
        var v = Verdicts(ObjectiveJudge.RolloutReach, Run([ClusterNamed("a")], rollout: Rollout(3, 6)))["fleet"];
        Assert.Equal((VerdictStatus.Pass, 50.0, 1.0, (double?)null), (v.Status, v.Value!.Value, v.Margin, v.AtSeconds));
        Assert.Equal("nothing went wrong; the rollout was still going at the end, reached 3 of 6 clusters (50%)", v.Evidence);
        var none = Verdicts(ObjectiveJudge.RolloutReach, Run([ClusterNamed("a", 300, 900)]))["fleet"];
        Assert.Equal(new Verdict(ObjectiveJudge.RolloutReach, "fleet", VerdictStatus.Pass, "no rollout in scenario", null, 25, 1), none);
    }

    [Fact]
    public void The_first_trouble_is_the_earliest_saturation_or_product_impact_and_a_tie_keeps_the_saturation()
    {
        var products = ProductOutcome.Of(Run([], [Product("api", "a", 10, 300), Product("web", "b", 10, 200)]));
        var early = ObjectiveJudge.FirstTrouble(Run([ClusterNamed("a", 400, 900), ClusterNamed("b", 250, 900)]), products);
        Assert.Equal((200.0, "web (b) passed 1% errors at 3m20s"), early);
        var tie = ObjectiveJudge.FirstTrouble(Run([ClusterNamed("a", 400, 900), ClusterNamed("b", 200, 900)]), products);
        Assert.Equal((200.0, "b's API server saturated at 3m20s"), tie);
        var clusters = ObjectiveJudge.FirstTrouble(Run([ClusterNamed("a", 400, 900), ClusterNamed("b", 400, 900), ClusterNamed("c", 500, 900)]), []);
        Assert.Equal((400.0, "a's API server saturated at 6m40s"), clusters);
        Assert.Null(ObjectiveJudge.FirstTrouble(Run([ClusterNamed("a")]), ProductOutcome.Of(Run([], [Product("api", "a", 0)]))));
    }

    [Fact]
    public void A_recovery_within_its_limit_has_the_unused_share_of_the_limit_as_margin_and_says_when()
    {
        var v = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("a", 300, 1200)]))["a"];
        Assert.Equal((VerdictStatus.Pass, 900.0, 1800.0, 0.5, 300.0), (v.Status, v.Value!.Value, v.Limit!.Value, v.Margin, v.AtSeconds!.Value));
        Assert.Equal("trouble from 5m00s, all healthy again at 20m00s: 15m00s (limit 30m00s)", v.Evidence);
        var late = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("a", 300, 3000)]))["a"];
        Assert.Equal((true, -0.5), (late.Failed, Math.Round(late.Margin, 9)));
    }

    [Fact]
    public void A_cluster_never_recovered_fails_with_the_share_of_the_limit_it_overran_by_the_end_of_the_run()
    {
        var v = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("a", 300)], [Product("api", "a", 10, 600), Product("web", "b", 10, 60)]))["a"];
        Assert.Equal((VerdictStatus.Fail, (double?)null, 300.0), (v.Status, v.Value, v.AtSeconds!.Value));
        // From 5 min to the end of the hour: 55 min against 30.
        Assert.Equal(-25.0 / 30, v.Margin, 9);
        Assert.Equal("trouble from 5m00s; API server, api not recovered by the end of the run, 55m00s later (limit 30m00s)", v.Evidence);
    }

    [Fact]
    public void A_cluster_with_nothing_wrong_passes_recovery_with_margin_1()
    {
        var v = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("a"), ClusterNamed("b", 300, 600)], [Product("api", "b", 10, 200, 700)]))["a"];
        Assert.Equal(new Verdict(ObjectiveJudge.Recovery, "a", VerdictStatus.Pass, "nothing to recover from", null, 1800, 1), v);
    }

    [Fact]
    public void A_clusters_recovery_starts_at_its_products_first_error_when_that_comes_before_its_saturation()
    {
        var v = Verdicts(ObjectiveJudge.Recovery, Run([ClusterNamed("a", 300, 900)], [Product("api", "a", 10, 120, 600)]))["a"];
        Assert.Equal((780.0, 120.0), (v.Value!.Value, v.AtSeconds!.Value));
    }

    [Fact]
    public void Each_objective_is_judged_only_when_enabled_one_verdict_per_cluster_product_or_fleet()
    {
        var run = Run([ClusterNamed("a"), ClusterNamed("b")], [Product("api", "a", 0)], Rollout(1, 2));
        Assert.Equal([ObjectiveJudge.ApiServerSaturation, ObjectiveJudge.ApiServerSaturation, ObjectiveJudge.ErrorBudget, ObjectiveJudge.RolloutReach,
            ObjectiveJudge.Recovery, ObjectiveJudge.Recovery], ObjectiveJudge.Judge(new ObjectivesSpec(), run).Select(v => v.Objective));
        foreach (var objective in ObjectiveJudge.Names)
            Assert.All(ObjectiveJudge.Judge(Only(objective), run), v => Assert.Equal(objective, v.Objective));
        Assert.Equal([2, 1, 1, 2], ObjectiveJudge.Names.Select(o => ObjectiveJudge.Judge(Only(o), run).Count));
    }

    [Fact]
    public void A_budget_of_0_with_no_errors_has_a_margin_of_positive_0()
    {
        var spec = Only(ObjectiveJudge.ErrorBudget);
        spec.ErrorBudget.UserMinutes = 0;
        var v = Assert.Single(ObjectiveJudge.Judge(spec, Run([ClusterNamed("a")], [Product("calm", "a", 0)])));
        Assert.False(double.IsNegative(v.Margin), "margin -0 prints as -0.00");
    }

    [Fact]
    public void A_completed_rollout_with_nothing_wrong_says_when_it_completed()
    {
        var v = Verdicts(ObjectiveJudge.RolloutReach, Run([ClusterNamed("a")], rollout: Rollout(6, 6)))["fleet"];
        Assert.Equal("nothing went wrong; the rollout completed at 30m00s, reached 6 of 6 clusters (100%)", v.Evidence);
    }
}
