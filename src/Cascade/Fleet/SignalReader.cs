using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>Reads a gate's or an alert's signal off a cluster, from the measurements of the last 10 s bucket.</summary>
public static class SignalReader
{
    private static readonly Signal[] All = Enum.GetValues<Signal>();
    private static readonly int Width = All.Max(s => (int)s) + 1;

    /// <summary>
    /// Reading changeCpu takes the bytes the change's pods received since the last reading (<see cref="DeployedWorkload.CpuPerPod"/>),
    /// so when it is read moves what it reads next; every other signal only looks.
    /// </summary>
    public static bool MovesCluster(Signal signal) => signal == Signal.ChangeCpu;

    /// <summary>
    /// <paramref name="signal"/> as <paramref name="cluster"/> showed it at <paramref name="now"/>: read now if the cluster is
    /// there, else as <see cref="Record"/> noted it when the cluster passed that moment (FleetModel's lookahead).
    /// </summary>
    public static double Read(ClusterModel cluster, Signal signal, string? change, long now)
    {
        if (cluster.Sim.Now <= now) return Read(cluster, signal, change);
        if (!cluster.Readings.TryGet(now, out var values) || double.IsNaN(values[(int)signal]))
            throw new InvalidOperationException($"cluster {cluster.Name} ran past {SimTime.ToSeconds(now)} s without noting its {signal} then");
        return values[(int)signal];
    }

    /// <summary>Notes, for a read at this moment after the cluster has run on, every signal whose reading moves nothing.</summary>
    internal static void Record(ClusterModel cluster, string? change)
    {
        var values = cluster.Readings.Add(cluster.Sim.Now, Width);
        foreach (var s in All) values[(int)s] = MovesCluster(s) ? double.NaN : Read(cluster, s, change);
    }

    public static double Read(ClusterModel cluster, Signal signal, string? change)
    {
        var samples = cluster.Api.Metrics.Samples;
        var last = samples.Count > 0 ? samples[^1] : null;
        switch (signal)
        {
            case Signal.ApiserverLatencyP99: return last?.WindowWorstVerbP99Seconds ?? 0;
            case Signal.ApiserverErrorRate: return last?.WindowFailureRatio ?? 0;
            case Signal.SeatUtilization: return last is null || last.SeatLimit <= 0 ? 0 : last.SeatsInUse / last.SeatLimit;
            case Signal.NodesNotReady: return cluster.NodesNotReady;
            case Signal.ProductErrorRate: return cluster.ProductErrorRate;
            case Signal.ChangeCpu:
            case Signal.ChangeMemory:
            {
                var w = change is null ? null : cluster.FindWorkload(change);
                if (w is null || w.Workload.PodsRunning == 0) return 0;
                return signal == Signal.ChangeCpu ? w.CpuPerPod : w.MemoryPerPodBytes;
            }
            default: return 0;
        }
    }
}
