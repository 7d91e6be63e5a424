using Cascade.Samples;

namespace Cascade.ControlPlane;

/// <summary>
/// Counts of one 10 s bucket, per row (a verb, a priority level), in the bucket bounds the real component gives
/// the same histogram, so that an exported histogram has a real cluster's `le` values and a dashboard's
/// histogram_quantile reads it the same way (docs/sources.md §8). Fixed arrays, cleared at each flush: no
/// allocation per observation.
/// </summary>
public sealed class UpstreamHistogram
{
    /// <summary>apiserver_request_duration_seconds and etcd_request_duration_seconds (apiserver endpoints/metrics/metrics.go, storage/etcd3/metrics/metrics.go).</summary>
    public static readonly double[] RequestDurationSeconds = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

    /// <summary>apiserver_flowcontrol_request_wait_duration_seconds (apiserver util/flowcontrol/metrics/metrics.go requestDurationSecondsBuckets).</summary>
    public static readonly double[] FlowControlWaitSeconds = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];

    private readonly double[] _bounds;
    private readonly int _rows;
    private readonly int[] _counts;      // rows × (bounds + 1); the last column is +Inf
    private readonly double[] _sums;

    public UpstreamHistogram(double[] bounds, int rows)
    {
        _bounds = bounds;
        _rows = rows;
        _counts = new int[rows * (bounds.Length + 1)];
        _sums = new double[rows];
    }

    /// <summary>Counts <paramref name="seconds"/> into the first bucket whose bound is at least it (Prometheus' `le`).</summary>
    public void Observe(int row, double seconds)
    {
        int b = 0;
        while (b < _bounds.Length && seconds > _bounds[b]) b++;
        _counts[row * (_bounds.Length + 1) + b]++;
        _sums[row] += seconds;
    }

    /// <summary>The bucket's counts, kept sparse (a bucket holds a few dozen non-zero cells of hundreds), and a clear start for the next one.</summary>
    public HistogramCounts Take()
    {
        int nonZero = 0;
        foreach (int c in _counts) if (c != 0) nonZero++;
        if (nonZero == 0) return HistogramCounts.None(_bounds);
        var cells = new long[nonZero];
        int k = 0;
        for (int i = 0; i < _counts.Length; i++)
            if (_counts[i] != 0) cells[k++] = (long)i << 32 | (uint)_counts[i];
        var taken = new HistogramCounts(_bounds, cells, (double[])_sums.Clone());
        Array.Clear(_counts);
        Array.Clear(_sums);
        return taken;
    }
}
