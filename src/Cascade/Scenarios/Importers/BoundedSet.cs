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

    private static ulong Hash(string s)
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
