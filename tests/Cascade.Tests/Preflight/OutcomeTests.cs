using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.Preflight.HandMade;

namespace Cascade.Tests.Preflight;

/// <summary>
/// A comparison row's figures (Outcome, ProductOutcome) on hand-made results, how times and shares are
/// written (Clock), and which workload a preflight is about (TheChange).
/// </summary>
public class OutcomeTests
{
    private static readonly Collateral Others = new(0.75, 12);

    private static Verdict Passed(string objective, string subject) => new(objective, subject, VerdictStatus.Pass, "", null, null, 1);

    private static Verdict Failed(string objective, string subject) => new(objective, subject, VerdictStatus.Fail, "", null, null, -1);

    [Fact]
    public void An_outcome_counts_saturated_clusters_the_first_saturation_and_impact_the_peak_and_the_user_minutes_of_every_product()
    {
        var run = Run([ClusterNamed("a", 300, 900), ClusterNamed("b", 600, 1500), ClusterNamed("c")],
            [Product("api", "a", 21_600, 200, 1000), Product("web", "c", 0), new ProductResult { Name = "db", Cluster = "b", Requests = 600_000, Errors = 6_000, FirstErrorAtSeconds = 700, RecoveredAtSeconds = 1200, PeakErrorRate = 0.75 }],
            new RolloutResult { ClustersReached = 2, Clusters = 3, Reach = 2 / 3.0 });
        var o = Outcome.Of(run, [Passed("a", "x"), Failed("recovery", "a"), Failed("errorBudget", "api (a)")], Others);
        Assert.Equal((2, 3, (double?)300, (double?)200, (double?)0.75, (double?)(2 / 3.0)),
            (o.ClustersSaturated, o.Clusters, o.FirstSaturationAtSeconds, o.FirstUserImpactAtSeconds, o.PeakErrorRate, o.RolloutReach));
        // 2.16 + 0 + 0.6 minutes of total outage.
        Assert.Equal(2.76, o.UserMinutesLost!.Value, 9);
        // From the first trouble (api's errors at 200 s) to the last recovery (b's API server at 1500 s).
        Assert.Equal((true, (double?)1300), (o.Recovered, o.TimeToRecoverSeconds));
        Assert.False(o.ObjectivesHold);
        Assert.Equal(["recovery a", "errorBudget api (a)"], o.FailedObjectives);
        Assert.Same(Others, o.Others);
    }

    [Fact]
    public void Time_to_recover_ends_at_the_last_recovery_whether_an_api_server_or_a_product()
    {
        var o = Outcome.Of(Run([ClusterNamed("a", 300, 900)], [Product("api", "a", 100, 400, 2000)]), [], Others);
        Assert.Equal((true, (double?)1700), (o.Recovered, o.TimeToRecoverSeconds));
        Assert.True(o.ObjectivesHold);
        Assert.Empty(o.FailedObjectives);
    }

    [Fact]
    public void A_run_where_an_api_server_or_a_product_never_recovered_has_no_time_to_recover()
    {
        var server = Outcome.Of(Run([ClusterNamed("a", 300, 900), ClusterNamed("b", 600)]), [], Others);
        Assert.Equal((false, (double?)null), (server.Recovered, server.TimeToRecoverSeconds));
        var product = Outcome.Of(Run([ClusterNamed("a", 300, 900)], [Product("api", "a", 100, 400)]), [], Others);
        Assert.Equal((false, (double?)null), (product.Recovered, product.TimeToRecoverSeconds));
    }

    [Fact]
    public void A_run_where_nothing_went_wrong_recovered_without_a_time_and_without_products_or_rollout_has_no_such_figures()
    {
        var o = Outcome.Of(Run([ClusterNamed("a"), ClusterNamed("b")]), [Passed("x", "y")], Others);
        Assert.Equal((0, 2, (double?)null, (double?)null, (double?)null, (double?)null, (double?)null, true, (double?)null, true),
            (o.ClustersSaturated, o.Clusters, o.FirstSaturationAtSeconds, o.FirstUserImpactAtSeconds, o.PeakErrorRate, o.UserMinutesLost,
             o.RolloutReach, o.Recovered, o.TimeToRecoverSeconds, o.ObjectivesHold));
    }

    [Fact]
    public void Products_without_errors_count_zero_user_minutes_and_zero_peak_not_none()
    {
        var o = Outcome.Of(Run([ClusterNamed("a")], [Product("api", "a", 0)]), [], Others);
        Assert.Equal(((double?)0, (double?)0, (double?)null, true, (double?)null),
            (o.PeakErrorRate, o.UserMinutesLost, o.FirstUserImpactAtSeconds, o.Recovered, o.TimeToRecoverSeconds));
    }

    [Fact]
    public void A_products_outcome_carries_its_results_figures_field_for_field()
    {
        var p = new ProductResult
        {
            Name = "api", Cluster = "east", Requests = 1000, Errors = 30, FirstErrorAtSeconds = 60, PeakErrorRate = 0.2, RecoveredAtSeconds = 600,
            PeakAtSeconds = 120,
        };
        var outcome = Assert.Single(ProductOutcome.Of(Run([], [p])));
        Assert.Equal(new ProductOutcome("api", "east", 1000, 30, 60, 0.2, 600), outcome);
    }

    [Theory]
    [InlineData(600_000, 30_000, 1800, 1.5)] // 20,000 requests a minute over 30 min: 30,000 errors are 1.5 minutes
    [InlineData(600_000, 30_000, 3600, 3)]
    [InlineData(1000, 1000, 60, 1)] // a minute of nothing but errors
    [InlineData(0, 0, 3600, 0)]
    [InlineData(0, 10, 3600, 0)] // no requests: nothing to divide by, no minutes
    [InlineData(1000, 10, 0, 0)] // no duration
    public void User_minutes_are_errors_over_the_average_requests_per_minute(double requests, double errors, double duration, double minutes)
    {
        Assert.Equal(minutes, new ProductOutcome("p", "c", requests, errors, null, 0, null).UserMinutes(duration), 9);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(0.4, "0s")]
    [InlineData(45, "45s")]
    [InlineData(59.4, "59s")]
    [InlineData(60, "1m00s")]
    [InlineData(750, "12m30s")]
    [InlineData(3599, "59m59s")]
    [InlineData(3600, "1h00m")]
    [InlineData(7530, "2h05m")]
    [InlineData(90_061, "25h01m")]
    public void Times_read_in_seconds_minutes_or_hours_rounded_to_the_second(double seconds, string text)
    {
        Assert.Equal(text, Clock.Format(seconds));
    }

    [Theory]
    [InlineData(0, "0.0%")]
    [InlineData(0.001, "0.1%")]
    [InlineData(0.05, "5.0%")]
    [InlineData(0.0994, "9.9%")]
    [InlineData(0.1, "10%")]
    [InlineData(0.123, "12%")]
    [InlineData(0.5, "50%")]
    [InlineData(1, "100%")]
    public void Shares_under_a_tenth_read_to_a_tenth_of_a_percent_and_larger_ones_to_a_percent(double share, string text)
    {
        Assert.Equal(text, Clock.Percent(share));
    }

    private static Scenario Workloads(string? rolloutChange, params (string Name, Placement Placement)[] workloads) => new()
    {
        Workloads = workloads.Select(w => new WorkloadSpec { Name = w.Name, Placement = w.Placement }).ToList(),
        Rollout = rolloutChange is null ? null : new RolloutSpec { Change = rolloutChange },
    };

    [Fact]
    public void The_change_is_the_workload_the_rollout_names_else_the_first_per_node_one_else_the_first()
    {
        var rolled = Workloads("c", ("a", Placement.Replicas), ("b", Placement.PerNode), ("c", Placement.Replicas));
        Assert.Equal("c", TheChange.Of(rolled)!.Name);
        Assert.Equal(2, TheChange.IndexOf(rolled, TheChange.Of(rolled)!));
        Assert.Equal("b", TheChange.Of(Workloads("missing", ("a", Placement.Replicas), ("b", Placement.PerNode), ("d", Placement.PerNode)))!.Name);
        Assert.Equal("b", TheChange.Of(Workloads(null, ("a", Placement.Replicas), ("b", Placement.PerNode)))!.Name);
        Assert.Equal("a", TheChange.Of(Workloads(null, ("a", Placement.Replicas), ("b", Placement.Replicas)))!.Name);
        Assert.Null(TheChange.Of(Workloads("c")));
    }
}
