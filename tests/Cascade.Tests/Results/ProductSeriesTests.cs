using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Results;

/// <summary>A product's summary (result.json) and products.csv, on hand-made 10 s buckets: no simulation.</summary>
public class ProductSeriesTests
{
    /// <summary>Buckets stamped at their end (10, 20, …), one (requests, errors) pair each.</summary>
    private static List<ProductSample> Buckets(params (double Requests, double Errors)[] buckets) =>
        buckets.Select((b, i) => new ProductSample(10 * (i + 1), b.Requests, b.Errors, 0, 0)).ToList();

    /// <summary>Six buckets of one minute: 100 requests each, <paramref name="errors"/> errors spread as given (the minute's rate is their sum / 600).</summary>
    private static (double, double)[] Minute(double errors) =>
        [(100, errors), (100, 0), (100, 0), (100, 0), (100, 0), (100, 0)];

    [Fact]
    public void Totals_count_every_bucket_and_a_minute_over_1_percent_is_the_first_error_and_peak_at_its_start()
    {
        // minute 0 (0–60 s): 12 errors in 600 = 2 %; minute 1: none; then a partial minute of one bucket with 5 errors.
        var samples = Buckets([.. Minute(12), .. Minute(0), (50, 5)]);
        var r = ProductSeries.Summarise("east", "shop", samples);
        Assert.Equal("shop", r.Name);
        Assert.Equal("east", r.Cluster);
        Assert.Equal(1250, r.Requests);
        Assert.Equal(17, r.Errors);
        Assert.Equal(0.0, r.FirstErrorAtSeconds);
        Assert.Equal(0.02, r.PeakErrorRate, 12);
        Assert.Equal(0.0, r.PeakAtSeconds);
        Assert.Equal(60.0, r.RecoveredAtSeconds); // the minute after the last bad one, inside the two whole minutes
    }

    [Fact]
    public void A_partial_minute_at_the_end_is_left_out_of_the_rates()
    {
        // One whole clean minute and five buckets that are all errors: no whole minute ever failed.
        var samples = Buckets([.. Minute(0), (10, 10), (10, 10), (10, 10), (10, 10), (10, 10)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Null(r.FirstErrorAtSeconds);
        Assert.Equal(0, r.PeakErrorRate);
        Assert.Null(r.PeakAtSeconds);
        Assert.Equal(50, r.Errors);
    }

    [Fact]
    public void The_first_error_is_the_first_bad_minute_and_recovery_the_minute_after_the_last()
    {
        // minutes: 0 clean, 1 bad (3 %), 2 clean, 3 bad (2 %), 4 clean, 5 clean.
        var samples = Buckets([.. Minute(0), .. Minute(18), .. Minute(0), .. Minute(12), .. Minute(0), .. Minute(0)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Equal(60.0, r.FirstErrorAtSeconds);
        Assert.Equal(0.03, r.PeakErrorRate, 12);
        Assert.Equal(60.0, r.PeakAtSeconds);
        Assert.Equal(240.0, r.RecoveredAtSeconds);
    }

    [Fact]
    public void Errors_in_the_last_whole_minute_mean_no_recovery()
    {
        var samples = Buckets([.. Minute(0), .. Minute(12)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Equal(60.0, r.FirstErrorAtSeconds);
        Assert.Null(r.RecoveredAtSeconds);
    }

    [Fact]
    public void A_rate_of_exactly_1_percent_is_not_an_error_but_is_the_peak()
    {
        var samples = Buckets([.. Minute(6), .. Minute(0)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Null(r.FirstErrorAtSeconds);
        Assert.Null(r.RecoveredAtSeconds);
        Assert.Equal(0.01, r.PeakErrorRate, 12);
        Assert.Equal(0.0, r.PeakAtSeconds);
    }

    [Fact]
    public void Of_two_minutes_at_the_same_peak_the_first_is_the_peak()
    {
        var samples = Buckets([.. Minute(0), .. Minute(12), .. Minute(12), .. Minute(0)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Equal(60.0, r.PeakAtSeconds);
        Assert.Equal(60.0, r.FirstErrorAtSeconds);
        Assert.Equal(180.0, r.RecoveredAtSeconds);
    }

    [Fact]
    public void A_minute_without_requests_has_an_error_rate_of_zero()
    {
        var samples = Buckets([(0, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), .. Minute(0)]);
        var r = ProductSeries.Summarise("c", "p", samples);
        Assert.Equal(0, r.PeakErrorRate);
        Assert.Null(r.PeakAtSeconds);
        Assert.Null(r.FirstErrorAtSeconds);
    }

    [Fact]
    public void Products_csv_has_a_fixed_header_and_one_row_per_product_bucket_beside_its_clusters_data_plane()
    {
        var dp = new DataPlaneSamples(1,
            [new DataPlaneSample(10, 1, 2, 3, 4, 5.5, 6, 7), new DataPlaneSample(20, 8, 9, 10, 11, 12.25, 13, 14)],
            [
                new ProductSamples("shop", [new ProductSample(10, 100, 1, 0.5, 0.25), new ProductSample(20, 200, 50, 40, 10)]),
                new ProductSamples("blog", [new ProductSample(10, 0, 0, 0, 0), new ProductSample(20, 3, 3, 1, 2)]),
            ]);
        var clusters = new[]
        {
            new ClusterSamples("no-dp", ["a"], 1, [], null),
            new ClusterSamples("east", ["a"], 1, [], dp),
        };
        var csv = ProductSeries.WriteCsv(clusters);
        Assert.Equal(
            "timeSeconds,cluster,product,requests,errors,errorRate,dnsFailure,routeFailure,nodesNotReady,nodesTainted,pendingPods,coreDnsAnswering,coreDnsQps,failingCacheEntries,kubeProxiesWatching\n" +
            "10,east,shop,100,1,0.01,0.5,0.25,1,2,3,4,5.5,6,7\n" +
            "20,east,shop,200,50,0.25,40,10,8,9,10,11,12.25,13,14\n" +
            "10,east,blog,0,0,0,0,0,1,2,3,4,5.5,6,7\n" +
            "20,east,blog,3,3,1,1,2,8,9,10,11,12.25,13,14\n",
            csv);
    }
}
