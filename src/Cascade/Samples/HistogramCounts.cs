namespace Cascade.Samples;

/// <summary>
/// One 10 s bucket of a histogram: per row, the observations in each bucket (not cumulative) and their sum.
/// Sparse: the non-zero cells only, each (row × (bounds + 1) + bucket) in the high half and its count in the low.
/// </summary>
public sealed class HistogramCounts
{
    private static readonly long[] NoCells = [];
    private static readonly double[] NoSums = [];
    private readonly long[] _cells;
    private readonly double[] _sums;

    public HistogramCounts(double[] bounds, long[] cells, double[] sums)
    {
        Bounds = bounds;
        _cells = cells;
        _sums = sums;
    }

    /// <summary>A bucket that observed nothing.</summary>
    public static HistogramCounts None(double[] bounds) => new(bounds, NoCells, NoSums);

    public static readonly HistogramCounts Empty = None([]);

    /// <summary>The upper bounds (`le`) before +Inf.</summary>
    public double[] Bounds { get; }

    /// <summary>Observations of <paramref name="row"/> in bucket <paramref name="bucket"/> (Bounds.Length is +Inf).</summary>
    public int Count(int row, int bucket)
    {
        long cell = row * (Bounds.Length + 1) + bucket;
        int lo = 0, hi = _cells.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            long at = _cells[mid] >> 32;
            if (at == cell) return (int)(uint)_cells[mid];
            if (at < cell) lo = mid + 1;
            else hi = mid - 1;
        }
        return 0;
    }

    /// <summary>Observations of <paramref name="row"/> in all its buckets.</summary>
    public long RowCount(int row)
    {
        long first = (long)row * (Bounds.Length + 1), end = first + Bounds.Length + 1, n = 0;
        foreach (long c in _cells)
            if (c >> 32 >= first && c >> 32 < end) n += (uint)c;
        return n;
    }

    public double SumSeconds(int row) => _sums.Length == 0 ? 0 : _sums[row];
}
