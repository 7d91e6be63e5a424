namespace Cascade.Engine;

/// <summary>
/// Latencies counted into log-spaced bins (10 per decade from 100 µs to 1,000 s, like Prometheus'
/// exponential buckets), so percentiles over any window cost a fixed amount of memory however many
/// requests there were. A percentile is reported as its bin's geometric midpoint: ±12% at most.
/// </summary>
public static class LatencyHistogram
{
    public const int Bins = 72;  // bin 0: < 100 µs; bins 1..70: 10 per decade; bin 71: ≥ 1,000 s
    private const double FirstEdgeSeconds = 1e-4;
    private const int PerDecade = 10;

    /// <summary>The bin of a latency: 1 + ⌊10·log10(seconds / 100 µs)⌋, clamped to [0, <see cref="Bins"/> − 1].</summary>
    public static int Bin(long latencyTicks)
    {
        // The first tick of each bin, found once from the formula itself (BinByFormula), so the search gives its
        // bins exactly; a latency is counted for every request, and a logarithm costs more than these compares.
        var edges = FirstTickOfBin;
        if (latencyTicks < edges[1]) return 0;
        int lo = 1, hi = Bins - 1;   // edges[lo] <= latencyTicks; the bin is the last edge at or below it
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (edges[mid] <= latencyTicks) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The bin by its definition, with a logarithm; <see cref="Bin"/> gives the same for every tick.</summary>
    internal static int BinByFormula(long latencyTicks)
    {
        double s = SimTime.ToSeconds(latencyTicks);
        if (s < FirstEdgeSeconds) return 0;
        int b = 1 + (int)(Math.Log10(s / FirstEdgeSeconds) * PerDecade);
        return Math.Min(b, Bins - 1);
    }

    /// <summary>FirstTickOfBin[b]: the least tick <see cref="BinByFormula"/> puts in bin b or above (index 0 unused).</summary>
    internal static readonly long[] FirstTickOfBin = FirstTicks();

    private static long[] FirstTicks()
    {
        var edges = new long[Bins];
        for (int b = 1; b < Bins; b++)
        {
            long lo = 0, hi = long.MaxValue / 2;   // BinByFormula(hi) is the last bin
            while (lo < hi)
            {
                long mid = lo + (hi - lo) / 2;
                if (BinByFormula(mid) >= b) hi = mid; else lo = mid + 1;
            }
            edges[b] = lo;
        }
        return edges;
    }

    /// <summary>Representative latency of a bin, in seconds.</summary>
    public static double BinSeconds(int bin)
    {
        if (bin == 0) return FirstEdgeSeconds / 2;
        double lower = FirstEdgeSeconds * Math.Pow(10, (bin - 1) / (double)PerDecade);
        return bin == Bins - 1 ? lower : lower * Math.Pow(10, 0.5 / PerDecade);
    }

    /// <summary>The q-quantile (0..1) of the counts in <paramref name="bins"/>; NaN when empty.</summary>
    public static double Quantile(ReadOnlySpan<long> bins, double q)
    {
        long total = 0;
        foreach (long c in bins) total += c;
        if (total == 0) return double.NaN;
        long rank = Math.Max(1, (long)Math.Ceiling(q * total));   // the 0-quantile is the smallest latency seen
        long seen = 0;
        for (int i = 0; i < bins.Length; i++)
        {
            seen += bins[i];
            if (seen >= rank) return BinSeconds(i);
        }
        return BinSeconds(bins.Length - 1);
    }
}
