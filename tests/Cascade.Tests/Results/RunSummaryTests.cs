using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Results;

/// <summary>The pure steps of a run's summary (result.json) on hand-made samples: no simulation.</summary>
public class RunSummaryTests
{
    private static ApiServerSample Window(double t, double p99, double failures) => new() { TimeSeconds = t, WindowP99Seconds = p99, WindowFailureRatio = failures };

    [Fact]
    public void An_api_server_recovers_at_the_end_of_the_first_healthy_window_after_its_last_unhealthy_one()
    {
        var s = new[] { Window(10, 0.1, 0), Window(20, 2, 0), Window(30, 0.2, 0), Window(40, 0.5, 0.02), Window(50, 1.0, 0.01), Window(60, 0, 0) };
        Assert.Equal(50.0, ScenarioRunner.RecoveredAt(20, s)); // 1 s and 1 % exactly are healthy
        Assert.Null(ScenarioRunner.RecoveredAt(null, s));       // it never saturated
        Assert.Null(ScenarioRunner.RecoveredAt(20, s.Take(4).ToList())); // unhealthy in the last window
        Assert.Null(ScenarioRunner.RecoveredAt(20, [Window(10, 0, 0), Window(20, 0, 0)])); // no unhealthy window seen: nothing to recover from
        Assert.Equal(30.0, ScenarioRunner.RecoveredAt(20, s.Take(3).ToList()));
        Assert.Equal(20.0, ScenarioRunner.RecoveredAt(0, [Window(10, 1.5, 0), Window(20, 0, 0)]));
    }

    [Fact]
    public void A_priority_level_sums_its_rejections_and_takes_its_most_seats_and_worst_p99_ignoring_empty_buckets()
    {
        var s = new[]
        {
            new ApiServerSample { RejectedByLevel = [1, 5], SeatsByLevel = [0, 3], P99ByLevel = [double.NaN, 0.5] },
            new ApiServerSample { RejectedByLevel = [0, 2], SeatsByLevel = [0, 7], P99ByLevel = [double.NaN, double.NaN] },
            new ApiServerSample { RejectedByLevel = [0, 0], SeatsByLevel = [0, 4], P99ByLevel = [double.NaN, 2.5] },
            new ApiServerSample { RejectedByLevel = [0, 1], SeatsByLevel = [0, 1], P99ByLevel = [double.NaN, 1.5] },
        };
        var low = ScenarioRunner.SummariseLevel(s, 1, "low");
        Assert.Equal("low", low.Name);
        Assert.Equal(8, low.Rejected);
        Assert.Equal(7, low.PeakSeats);
        Assert.Equal(2.5, low.WorstP99Seconds);

        var exempt = ScenarioRunner.SummariseLevel(s, 0, "exempt");
        Assert.Equal(1, exempt.Rejected);
        Assert.Equal(0, exempt.PeakSeats);
        Assert.Null(exempt.WorstP99Seconds); // served nothing

        var first = ScenarioRunner.SummariseLevel([s[2], s[3]], 1, "low");
        Assert.Equal(2.5, first.WorstP99Seconds); // the first bucket's p99 stays when a later one is lower
        Assert.Equal(0.5, ScenarioRunner.SummariseLevel([s[0]], 1, "low").WorstP99Seconds);
    }

    [Fact]
    public void Peak_memory_and_cpu_are_the_most_any_replica_used_in_any_bucket()
    {
        var s = new[]
        {
            new ApiServerSample { MemoryBytesByReplica = [5, 9], CpuCoresByReplica = [0.5, 3] },
            new ApiServerSample { MemoryBytesByReplica = [12, 1], CpuCoresByReplica = [2, 0.25] },
        };
        Assert.Equal((12.0, 3.0), ScenarioRunner.PeakMemoryAndCpu(s));
        Assert.Equal((0.0, 0.0), ScenarioRunner.PeakMemoryAndCpu([]));
    }

    [Fact]
    public void A_products_traffic_is_summed_over_every_cluster_serving_it_bucket_by_bucket_in_time_order()
    {
        IReadOnlyList<ProductSample> B(params (double T, double Req, double Err)[] b) => b.Select(x => new ProductSample(x.T, x.Req, x.Err, 0, 0)).ToList();
        var products = new (string, IReadOnlyList<ProductSample>)[]
        {
            ("shop", B((20, 10, 1), (10, 5, 0))),
            ("blog", B((10, 100, 50))),
            ("shop", B((10, 1, 1), (30, 2, 2))),
        };
        Assert.Equal([new TrafficBucket(10, 6, 1), new TrafficBucket(20, 10, 1), new TrafficBucket(30, 2, 2)], RunOutput.SumTraffic(products, "shop"));
        Assert.Equal([new TrafficBucket(10, 106, 51), new TrafficBucket(20, 10, 1), new TrafficBucket(30, 2, 2)], RunOutput.SumTraffic(products, null));
        Assert.Empty(RunOutput.SumTraffic(products, "none"));
    }
}
