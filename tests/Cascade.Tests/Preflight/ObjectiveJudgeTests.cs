using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Preflight;

/// <summary>The objectives' arithmetic on hand-made results: what fails, what passes, and margins whose sign is the verdict.</summary>
public class ObjectiveJudgeTests
{
    private static ClusterResult Cluster(string name, double? saturatedAt = null, double? recoveredAt = null) => new()
    {
        Name = name,
        Nodes = 1000,
        Apiserver = new ApiServerResult
        {
            SaturatedAtSeconds = saturatedAt,
            RecoveredAtSeconds = recoveredAt,
            PeakWindowP99Seconds = saturatedAt is null ? 0.2 : 3,
            PeakWindowFailureRatio = saturatedAt is null ? 0 : 0.05,
        },
    };

    private static ProductResult Product(string name, string cluster, double errors, double? firstError = null, double? recovered = null) => new()
    {
        Name = name, Cluster = cluster, Requests = 600_000, Errors = errors, FirstErrorAtSeconds = firstError, RecoveredAtSeconds = recovered,
        PeakErrorRate = errors > 0 ? 0.5 : 0,
    };

    private static RunResult Run(List<ClusterResult> clusters, List<ProductResult>? products = null, RolloutResult? rollout = null) => new()
    {
        Scenario = "t", DurationSeconds = 3600, Clusters = clusters, Products = products ?? [], Rollout = rollout,
    };

    private static void AssertMarginsAgree(IEnumerable<Verdict> verdicts) =>
        Assert.All(verdicts, v => Assert.True(v.Failed ? v.Margin <= 0 : v.Margin >= 0, $"{v.Objective} {v.Subject}: {v.Status} with margin {v.Margin}"));

    [Fact]
    public void A_product_over_its_error_budget_fails_it_in_user_minutes()
    {
        // 600,000 requests in 60 minutes is 10,000 a minute: 50,000 errors are 5 minutes of total outage.
        var verdicts = ObjectiveJudge.Judge(new ObjectivesSpec(), Run([Cluster("a")], [Product("api", "a", 50_000, 600, 1200), Product("chat", "a", 30_000, 600, 900)]));
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
        var budget = Verdicts(ObjectiveJudge.ErrorBudget, Run([Cluster("a")], [Product("exact", "a", 43_200, 600, 1200), Product("over", "a", 43_201, 600, 1200)]));
        Assert.Equal((4.32, false), (budget["exact (a)"].Value!.Value, budget["exact (a)"].Failed));
        Assert.True(budget["over (a)"].Failed);
    }

    [Fact]
    public void A_cluster_recovering_in_exactly_its_limit_passes_and_one_second_later_fails()
    {
        // Saturated at 5 min; healthy again 30 min later (the default limit), or 30 min and 1 s later.
        var recovery = Verdicts(ObjectiveJudge.Recovery, Run([Cluster("exact", 300, 2100), Cluster("late", 300, 2101)]));
        Assert.Equal((1800.0, false), (recovery["exact"].Value!.Value, recovery["exact"].Failed));
        Assert.True(recovery["late"].Failed);
    }

    [Fact]
    public void A_rollout_that_went_fleet_wide_after_a_saturation_fails_its_reach_and_one_halted_in_its_first_wave_passes()
    {
        var clusters = new List<ClusterResult> { Cluster("a", 300, 900), Cluster("b"), Cluster("c"), Cluster("d"), Cluster("e"), Cluster("f") };
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
        var verdicts = ObjectiveJudge.Judge(new ObjectivesSpec(), Run([Cluster("a", 300, 900), Cluster("b", 300, 900)],
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
}
