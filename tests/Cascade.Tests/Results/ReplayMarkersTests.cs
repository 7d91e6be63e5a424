using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Results;

/// <summary>A replay's markers read off a hand-made result and hand-made traffic (no simulation), and a cluster's recovery time.</summary>
public class ReplayMarkersTests
{
    /// <summary>Whole minutes of traffic from their error rates: 600 requests per minute, six buckets stamped at their end.</summary>
    private static List<TrafficBucket> Traffic(params double[] ratePerMinute)
    {
        var list = new List<TrafficBucket>();
        for (int m = 0; m < ratePerMinute.Length; m++)
            for (int b = 0; b < 6; b++)
            {
                double t = 60 * m + 10 * (b + 1);
                // All of a minute's errors in its first bucket: the rate is a minute's, not a bucket's.
                list.Add(new TrafficBucket(t, 100, b == 0 ? 600 * ratePerMinute[m] : 0));
            }
        return list;
    }

    private static ClusterResult Cluster(string name, double? saturated = null, double? recovered = null) =>
        new() { Name = name, Apiserver = new ApiServerResult { SaturatedAtSeconds = saturated, RecoveredAtSeconds = recovered } };

    private static ProductResult Product(string name, string cluster, double? firstError = null, double? recovered = null) =>
        new() { Name = name, Cluster = cluster, FirstErrorAtSeconds = firstError, RecoveredAtSeconds = recovered };

    private static MarkerResult One(MarkerSpec marker, RunResult result, Func<string?, IReadOnlyList<TrafficBucket>> traffic) =>
        Assert.Single(ReplayMarkers.Compute(new ReplaySpec { Markers = [marker] }, result, traffic));

    private static readonly Func<string?, IReadOnlyList<TrafficBucket>> NoTraffic = _ => [];

    [Fact]
    public void Minutes_are_whole_groups_of_six_buckets_starting_10_s_before_the_first_with_errors_over_requests()
    {
        var buckets = new List<TrafficBucket>();
        for (int i = 1; i <= 13; i++) buckets.Add(new TrafficBucket(100 + 10 * i, i <= 6 ? 10 : 0, i == 2 ? 3 : 0));
        var minutes = ReplayMarkers.Minutes(buckets);
        Assert.Equal(2, minutes.Count); // the 13th bucket is no whole minute
        Assert.Equal((100.0, 0.05), minutes[0]);
        Assert.Equal((160.0, 0.0), minutes[1]); // no requests: rate 0, not NaN
        Assert.Single(ReplayMarkers.Minutes(buckets.Take(12).Skip(1).ToList()));
        Assert.Equal(2, ReplayMarkers.Minutes(buckets.Take(12).ToList()).Count);
        Assert.Empty(ReplayMarkers.Minutes(buckets.Take(5).ToList()));
    }

    [Fact]
    public void Recovery_is_the_start_of_the_minute_after_the_last_one_over_the_limit()
    {
        var minutes = new List<(double, double)> { (0, 0), (60, 0.5), (120, 0.01), (180, 0.2), (240, 0.01), (300, 0) };
        Assert.Equal(240.0, ReplayMarkers.RecoveredUnder(minutes, 0.01));
        Assert.Equal(120.0, ReplayMarkers.RecoveredUnder(minutes, 0.2)); // exactly at the limit is under it
        Assert.Null(ReplayMarkers.RecoveredUnder(minutes, 0.5));        // never over it: no recovery to speak of
        Assert.Null(ReplayMarkers.RecoveredUnder(minutes.Take(4).ToList(), 0.01)); // still over it in the last minute
        Assert.Null(ReplayMarkers.RecoveredUnder([], 0.01));
    }

    [Fact]
    public void Each_marker_carries_its_name_and_observed_time_and_the_simulated_minutes_rounded_to_a_tenth()
    {
        var result = new RunResult { DetectedAtSeconds = 1000 }; // 16.666… min
        var list = ReplayMarkers.Compute(new ReplaySpec
        {
            Markers =
            [
                new MarkerSpec { Name = "paged", ObservedMinutes = 15, Kind = MarkerKind.Detection },
                new MarkerSpec { Name = "first error", ObservedMinutes = 3, Kind = MarkerKind.FirstError },
            ],
        }, result, NoTraffic);
        Assert.Equal(2, list.Count);
        Assert.Equal("paged", list[0].Name);
        Assert.Equal(15, list[0].ObservedMinutes);
        Assert.Equal(16.7, list[0].SimulatedMinutes);
        Assert.Equal(1.7, list[0].DifferenceMinutes);
        Assert.Equal("first error", list[1].Name);
        Assert.Null(list[1].SimulatedMinutes);
        Assert.Null(list[1].DifferenceMinutes);
        Assert.Null(One(new MarkerSpec { Kind = MarkerKind.Detection }, new RunResult(), NoTraffic).SimulatedMinutes);
    }

    [Fact]
    public void The_first_error_is_the_earliest_minute_over_1_percent_of_any_product_over_all_its_clusters()
    {
        var result = new RunResult { Products = [Product("a", "east"), Product("b", "east"), Product("a", "west")] };
        var traffic = new Dictionary<string, List<TrafficBucket>>
        {
            ["a"] = Traffic(0, 0, 0, 0.5, 0.5),     // from minute 3
            ["b"] = Traffic(0.01, 0, 0.02, 0.9, 0), // exactly 1 % in minute 0 is not an error: from minute 2
        };
        var m = One(new MarkerSpec { Kind = MarkerKind.FirstError }, result, p => traffic[p!]);
        Assert.Equal(2.0, m.SimulatedMinutes);

        traffic["a"] = Traffic(0, 0.3, 0, 0, 0); // now a is first, though listed first and b later
        Assert.Equal(1.0, One(new MarkerSpec { Kind = MarkerKind.FirstError }, result, p => traffic[p!]).SimulatedMinutes);

        traffic["a"] = Traffic(0, 0, 0, 0, 0.3);
        Assert.Equal(2.0, One(new MarkerSpec { Kind = MarkerKind.FirstError }, result, p => traffic[p!]).SimulatedMinutes);
    }

    [Fact]
    public void The_peak_is_the_first_minute_at_the_highest_rate_over_all_products_and_none_at_or_under_1_percent()
    {
        var spec = new MarkerSpec { Kind = MarkerKind.PeakError };
        Assert.Equal(2.0, One(spec, new RunResult(), p => p is null ? Traffic(0.1, 0.2, 0.4, 0.4, 0.3) : throw new InvalidOperationException()).SimulatedMinutes);
        Assert.Null(One(spec, new RunResult(), _ => Traffic(0, 0.01, 0.005)).SimulatedMinutes);
        Assert.Equal(1.0, One(spec, new RunResult(), _ => Traffic(0, 0.011, 0.005)).SimulatedMinutes);
    }

    [Fact]
    public void A_product_recovers_at_the_minute_after_its_last_over_its_own_limit_and_a_marker_without_product_never()
    {
        var traffic = Traffic(0, 0.2, 0.04, 0.01, 0);
        var result = new RunResult();
        Func<string?, IReadOnlyList<TrafficBucket>> only = p => p == "shop" ? traffic : throw new InvalidOperationException(p ?? "all");
        Assert.Equal(3.0, One(new MarkerSpec { Kind = MarkerKind.ProductRecovered, Product = "shop" }, result, only).SimulatedMinutes);
        Assert.Equal(2.0, One(new MarkerSpec { Kind = MarkerKind.ProductRecovered, Product = "shop", Below = 0.05 }, result, only).SimulatedMinutes);
        Assert.Null(One(new MarkerSpec { Kind = MarkerKind.ProductRecovered }, result, only).SimulatedMinutes);
    }

    [Fact]
    public void The_first_cluster_recovered_is_among_those_whose_users_saw_errors()
    {
        var result = new RunResult
        {
            Clusters = [Cluster("quiet", saturated: 10, recovered: 60), Cluster("hit", saturated: 10, recovered: 300), Cluster("hit-too", saturated: 20, recovered: 240)],
            Products = [Product("shop", "quiet"), Product("shop", "hit", 100, 200), Product("blog", "hit-too", 30, 120)],
        };
        // quiet recovered first (60 s) but its users saw nothing; hit-too is back at 240 s, hit at 300 s.
        Assert.Equal(4.0, One(new MarkerSpec { Kind = MarkerKind.FirstClusterRecovered }, result, NoTraffic).SimulatedMinutes);
    }

    [Fact]
    public void Without_product_errors_the_first_cluster_recovered_is_the_first_saturated_api_server_back()
    {
        var result = new RunResult
        {
            Clusters = [Cluster("a", saturated: 10, recovered: 600), Cluster("b"), Cluster("c", saturated: 10, recovered: 180), Cluster("d", saturated: 5)],
            Products = [Product("shop", "a")],
        };
        Assert.Equal(3.0, One(new MarkerSpec { Kind = MarkerKind.FirstClusterRecovered }, result, NoTraffic).SimulatedMinutes);
        Assert.Null(One(new MarkerSpec { Kind = MarkerKind.FirstClusterRecovered }, new RunResult { Clusters = [Cluster("b")] }, NoTraffic).SimulatedMinutes);
    }

    [Fact]
    public void All_recovered_is_the_latest_of_every_failed_products_and_saturated_api_servers_recovery()
    {
        var spec = new MarkerSpec { Kind = MarkerKind.AllRecovered };
        var traffic = new Dictionary<string, List<TrafficBucket>>
        {
            ["a"] = Traffic(0, 0.5, 0, 0, 0, 0, 0),    // back at minute 2
            ["b"] = Traffic(0, 0, 0, 0.3, 0, 0, 0),    // back at minute 4
            ["c"] = Traffic(0.01, 0.01, 0, 0, 0, 0, 0), // never over 1 %
        };
        var products = new List<ProductResult> { Product("a", "x"), Product("b", "x"), Product("c", "y"), Product("a", "y") };
        var result = new RunResult { Clusters = [Cluster("x"), Cluster("y")], Products = products };
        Assert.Equal(4.0, One(spec, result, p => traffic[p!]).SimulatedMinutes);

        // A saturated API server back later than every product sets it.
        var later = new RunResult { Clusters = [Cluster("x", saturated: 30, recovered: 330), Cluster("y")], Products = products };
        Assert.Equal(5.5, One(spec, later, p => traffic[p!]).SimulatedMinutes);
        var earlier = new RunResult { Clusters = [Cluster("x", saturated: 30, recovered: 90), Cluster("y")], Products = products };
        Assert.Equal(4.0, One(spec, earlier, p => traffic[p!]).SimulatedMinutes);

        // One that never recovered, product or API server, means not all recovered.
        var never = new RunResult { Clusters = [Cluster("x", saturated: 30), Cluster("y")], Products = products };
        Assert.Null(One(spec, never, p => traffic[p!]).SimulatedMinutes);
        traffic["c"] = Traffic(0, 0, 0, 0, 0, 0, 0.5);
        Assert.Null(One(spec, result, p => traffic[p!]).SimulatedMinutes);
    }

    [Fact]
    public void All_recovered_is_none_when_nothing_failed_and_counts_a_product_over_its_own_limit()
    {
        var quiet = new RunResult { Clusters = [Cluster("x")], Products = [Product("a", "x")] };
        Assert.Null(One(new MarkerSpec { Kind = MarkerKind.AllRecovered }, quiet, _ => Traffic(0, 0.01, 0)).SimulatedMinutes);
        // A limit of 0.5 % makes 1 % a failure, recovered in the minute after it.
        Assert.Equal(2.0, One(new MarkerSpec { Kind = MarkerKind.AllRecovered, Below = 0.005 }, quiet, _ => Traffic(0, 0.01, 0)).SimulatedMinutes);
        // Only a saturated API server, recovered at 0 s: recovery at 0, not "none".
        var apiOnly = new RunResult { Clusters = [Cluster("x", saturated: 0, recovered: 0)] };
        Assert.Equal(0.0, One(new MarkerSpec { Kind = MarkerKind.AllRecovered }, apiOnly, NoTraffic).SimulatedMinutes);
    }

    [Fact]
    public void A_cluster_is_back_when_its_api_server_and_every_product_that_failed_there_are()
    {
        var result = new RunResult
        {
            Products = [Product("a", "x", 60, 300), Product("b", "x", 120, 240), Product("c", "x"), Product("a", "y", 60, 900)],
        };
        Assert.Equal(300.0, result.ClusterRecoveredAtSeconds(Cluster("x")));
        Assert.Equal(400.0, result.ClusterRecoveredAtSeconds(Cluster("x", saturated: 10, recovered: 400)));
        Assert.Equal(300.0, result.ClusterRecoveredAtSeconds(Cluster("x", saturated: 10, recovered: 100)));
        Assert.Null(result.ClusterRecoveredAtSeconds(Cluster("x", saturated: 10)));
        Assert.Equal(900.0, result.ClusterRecoveredAtSeconds(Cluster("y")));
        Assert.Null(result.ClusterRecoveredAtSeconds(Cluster("z")));
        Assert.Equal(50.0, result.ClusterRecoveredAtSeconds(Cluster("z", saturated: 10, recovered: 50)));

        var unrecovered = new RunResult { Products = [Product("a", "x", 60, 300), Product("b", "x", 120)] };
        Assert.Null(unrecovered.ClusterRecoveredAtSeconds(Cluster("x")));
    }
}
