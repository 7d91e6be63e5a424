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

    /// <summary>The bucket's counts, and a clear start for the next one.</summary>
    public HistogramCounts Take()
    {
        var taken = new HistogramCounts(_bounds, _rows, (int[])_counts.Clone(), (double[])_sums.Clone());
        Array.Clear(_counts);
        Array.Clear(_sums);
        return taken;
    }
}

/// <summary>One 10 s bucket of a histogram: per row, the observations in each bucket (not cumulative) and their sum.</summary>
public sealed class HistogramCounts(double[] bounds, int rows, int[] counts, double[] sums)
{
    public static readonly HistogramCounts Empty = new([], 0, [], []);

    /// <summary>The upper bounds (`le`) before +Inf.</summary>
    public double[] Bounds { get; } = bounds;
    public int Rows { get; } = rows;

    /// <summary>Observations of <paramref name="row"/> in bucket <paramref name="bucket"/> (Bounds.Length is +Inf).</summary>
    public int Count(int row, int bucket) => counts[row * (Bounds.Length + 1) + bucket];

    public double SumSeconds(int row) => sums[row];
}
