namespace Cascade.Scenarios.Importers;

/// <summary>
/// A budget of distinct values that all of a profile's <see cref="BoundedSet"/>s share, so that the memory a
/// profile holds is bounded by the budget however many callers, IPs or nodes a log names.
/// </summary>
public sealed class ValueBudget(long capacity)
{
    public long Capacity { get; } = capacity;
    public long Used { get; internal set; }
    public bool Exhausted => Used >= Capacity;
}

/// <summary>
/// Distinct strings, kept as 64-bit FNV-1a hashes (deterministic, unlike string.GetHashCode), up to a budget
/// shared with other sets; past it the set stops growing and says its count is a lower bound.
/// </summary>
public sealed class BoundedSet(ValueBudget budget)
{
    private readonly HashSet<ulong> _hashes = new();

    public int Count => _hashes.Count;

    /// <summary>Values were turned away for want of budget: <see cref="Count"/> is a lower bound.</summary>
    public bool Saturated { get; private set; }

    public void Add(string? value)
    {
        if (value is null) return;
        ulong h = Hash(value);
        if (_hashes.Contains(h)) return;
        if (budget.Exhausted)
        {
            Saturated = true;
            return;
        }
        _hashes.Add(h);
        budget.Used++;
    }

    public bool Contains(string value) => _hashes.Contains(Hash(value));

    /// <summary>How many of this set's values the other set holds too.</summary>
    public int CountIn(BoundedSet other)
    {
        int n = 0;
        foreach (var h in _hashes) if (other._hashes.Contains(h)) n++;
        return n;
    }

    internal static ulong Hash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (char c in s)
        {
            h = (h ^ (byte)c) * 1099511628211;
            h = (h ^ (byte)(c >> 8)) * 1099511628211;
        }
        return h;
    }
}

/// <summary>
/// The callers of one identity, as a <see cref="BoundedSet"/> does (hashes, a shared budget) but with each one's first
/// and last request and its count: enough to tell pods that ran one after another (a DaemonSet rolled during the log)
/// from pods that ran together, and to measure how long each was calling.
/// </summary>
public sealed class CallerSet(ValueBudget budget)
{
    private readonly Dictionary<ulong, (long First, long Last, long Requests)> _callers = new();

    public int Count => _callers.Count;
    public bool Saturated { get; private set; }

    public void Add(string? caller, DateTimeOffset? at)
    {
        if (caller is null) return;
        ulong h = BoundedSet.Hash(caller);
        long t = at?.UtcTicks ?? 0;
        if (_callers.TryGetValue(h, out var c))
        {
            _callers[h] = (Math.Min(c.First, t), Math.Max(c.Last, t), c.Requests + 1);
            return;
        }
        if (budget.Exhausted)
        {
            Saturated = true;
            return;
        }
        _callers[h] = (t, t, 1);
        budget.Used++;
    }

    /// <summary>The most callers calling at one moment: each from its first request to its last.</summary>
    public int PeakConcurrent()
    {
        var edges = new List<(long T, int Step)>(2 * _callers.Count);
        foreach (var c in _callers.Values)
        {
            edges.Add((c.First, 1));
            edges.Add((c.Last, -1));
        }
        // At one instant, starts before ends: a caller seen once still counts.
        edges.Sort((a, b) => a.T != b.T ? a.T.CompareTo(b.T) : b.Step.CompareTo(a.Step));
        int now = 0, peak = 0;
        foreach (var (_, step) in edges) peak = Math.Max(peak, now += step);
        return peak;
    }

    /// <summary>
    /// Seconds the callers spent calling, summed: a caller with n requests over a span s called for s·n/(n−1) (its n
    /// periods); one seen once, for the whole log (its period is at least that).
    /// </summary>
    public double CallingSeconds(double windowSeconds)
    {
        double sum = 0;
        foreach (var c in _callers.Values)
            sum += c.Requests >= 2 && c.Last > c.First
                ? TimeSpan.FromTicks(c.Last - c.First).TotalSeconds * c.Requests / (c.Requests - 1)
                : windowSeconds;
        return sum;
    }
}
