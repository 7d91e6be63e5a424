namespace Cascade.Cluster;

// Stands for: nothing in Kubernetes; the simulator's note of what the fleet's monitoring read off a cluster at moments
// the cluster has already run past (docs/model.md, "Performance": the fleet's lookahead). Keeps: the values, by the
// moment they were read. Leaves out: everything else; the fleet decides what a value means.

/// <summary>Values read off a cluster at past moments, in time order; the arrays are reused from one stretch to the next.</summary>
internal sealed class SignalReadings
{
    private readonly List<long> _at = new();
    private readonly List<double[]> _values = new();
    private int _count;

    /// <summary>The values to fill for moment <paramref name="at"/>, <paramref name="width"/> of them.</summary>
    public double[] Add(long at, int width)
    {
        if (_count == _values.Count)
        {
            _at.Add(at);
            _values.Add(new double[width]);
        }
        _at[_count] = at;
        return _values[_count++];
    }

    /// <summary>The values read at <paramref name="at"/>, if any were.</summary>
    public bool TryGet(long at, out double[] values)
    {
        for (int k = 0; k < _count; k++)
            if (_at[k] == at)
            {
                values = _values[k];
                return true;
            }
        values = [];
        return false;
    }

    public void Clear() => _count = 0;
}
