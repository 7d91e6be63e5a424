using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>Reads a gate's or an alert's signal off a cluster, from the measurements of the last 10 s bucket.</summary>
public static class SignalReader
{
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
