using Cascade.Engine;

namespace Cascade.Tests.Engine;

/// <summary>Latencies in log bins, 10 a decade from 100 µs: a percentile is its bin's geometric midpoint, within ±12 %.</summary>
public class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.00005, 0)]      // under 100 µs
    [InlineData(0.0001, 1)]       // the first edge opens bin 1
    [InlineData(0.000125, 1)]
    [InlineData(0.001, 11)]       // a decade later
    [InlineData(1.0, 41)]
    [InlineData(999.0, 70)]
    [InlineData(1000.0, 71)]      // ≥ 1,000 s: the last bin
    [InlineData(1e6, 71)]
    public void A_latency_falls_in_its_decade_bin(double seconds, int bin) =>
        Assert.Equal(bin, LatencyHistogram.Bin(SimTime.FromSeconds(seconds)));

    [Fact]
    public void Every_latency_is_reported_within_twelve_percent_by_its_bin()
    {
        for (double s = 1e-4; s < 999; s *= 1.07)
        {
            double reported = LatencyHistogram.BinSeconds(LatencyHistogram.Bin(SimTime.FromSeconds(s)));
            Assert.InRange(reported / s, 1 / 1.13, 1.13);
        }
        Assert.Equal(0.00005, LatencyHistogram.BinSeconds(0), 12);
        Assert.Equal(1000.0, LatencyHistogram.BinSeconds(LatencyHistogram.Bins - 1), 9);
    }

    [Fact]
    public void A_quantile_is_the_bin_where_the_cumulative_count_reaches_its_rank()
    {
        var bins = new long[LatencyHistogram.Bins];
        Assert.True(double.IsNaN(LatencyHistogram.Quantile(bins, 0.5)));
        bins[11] = 50;   // 50 at ~1 ms
        bins[41] = 49;   // 49 at ~1 s
        bins[61] = 1;    // 1 at ~100 s
        Assert.Equal(LatencyHistogram.BinSeconds(11), LatencyHistogram.Quantile(bins, 0.5));   // rank 50: still the first bin
        Assert.Equal(LatencyHistogram.BinSeconds(41), LatencyHistogram.Quantile(bins, 0.51));  // rank 51
        Assert.Equal(LatencyHistogram.BinSeconds(41), LatencyHistogram.Quantile(bins, 0.99));  // rank 99
        Assert.Equal(LatencyHistogram.BinSeconds(61), LatencyHistogram.Quantile(bins, 1.0));   // rank 100
        Assert.Equal(LatencyHistogram.BinSeconds(11), LatencyHistogram.Quantile(bins, 0.0));
    }

    [Fact]
    public void The_table_lookup_gives_every_latency_the_bin_the_formula_gives()
    {
        // Each bin's first tick and its neighbours, where a rounding difference would show...
        for (int b = 1; b < LatencyHistogram.Bins; b++)
            for (long t = LatencyHistogram.FirstTickOfBin[b] - 3; t <= LatencyHistogram.FirstTickOfBin[b] + 3; t++)
                Assert.Equal(LatencyHistogram.BinByFormula(t), LatencyHistogram.Bin(t));
        // ... every tick of the first ten milliseconds, and ticks spread log-uniformly up to past the last bin.
        for (long t = -2; t <= 10_000; t++) Assert.Equal(LatencyHistogram.BinByFormula(t), LatencyHistogram.Bin(t));
        var rng = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            long t = (long)Math.Pow(10, rng.NextDouble() * 11);
            Assert.Equal(LatencyHistogram.BinByFormula(t), LatencyHistogram.Bin(t));
        }
        Assert.Equal(LatencyHistogram.Bins - 1, LatencyHistogram.Bin(long.MaxValue));
    }

    [Fact]
    public void Each_bin_starts_later_than_the_one_before()
    {
        for (int b = 2; b < LatencyHistogram.Bins; b++)
            Assert.True(LatencyHistogram.FirstTickOfBin[b] > LatencyHistogram.FirstTickOfBin[b - 1], $"bin {b}");
        Assert.Equal(100, LatencyHistogram.FirstTickOfBin[1]);   // 100 µs opens bin 1
    }
}

