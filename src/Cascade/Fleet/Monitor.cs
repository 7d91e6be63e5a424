using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>A signal compared with a threshold, which must hold for a while before it counts (Prometheus' `for`).</summary>
public sealed record Condition(Signal Signal, double Threshold, long ForTicks)
{
    public override string ToString() => $"{Signal} > {Threshold} for {SimTime.ToSeconds(ForTicks)} s";
}

/// <summary>
/// Tracks one condition on each cluster: since when it has held without a break. Evaluated on the 10 s
/// measurement buckets (just after they close), so conditions see exactly what a dashboard would.
/// </summary>
public sealed class ConditionTracker
{
    private readonly Condition _condition;
    private readonly long[] _since;

    public ConditionTracker(Condition condition, int clusters)
    {
        _condition = condition;
        _since = new long[clusters];
        Array.Fill(_since, -1);
    }

    public Condition Condition => _condition;

    /// <summary>Updates cluster <paramref name="index"/>; true when the condition has held for its whole duration.</summary>
    public bool Update(int index, ClusterModel cluster, string? change, long now, out double value)
    {
        value = SignalReader.Read(cluster, _condition.Signal, change, now);
        if (value > _condition.Threshold)
        {
            if (_since[index] < 0) _since[index] = now;
            return now - _since[index] >= _condition.ForTicks;
        }
        _since[index] = -1;
        return false;
    }
}

/// <summary>When conditions are evaluated: every 10 s, once the clusters have closed that bucket.</summary>
public static class Evaluation
{
    public static readonly long Period = SimTime.FromSeconds(10);
    public static long FirstDelay(long now) => Period - now % Period;
}
