using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>The resolved settings of a cluster's API servers and etcd, in model units (ticks, bytes, cores).</summary>
public sealed class ApiServerConfig
{
    public int Replicas { get; init; } = 3;

    /// <summary>Most replicas the run may reach (remediation can add some); sizes the per-replica metrics.</summary>
    public int MaxReplicas { get; init; }
    public int SeatsPerReplica { get; init; } = 600;
    public double CpuCores { get; init; } = 32;
    public long MemoryBytes { get; init; } = 128L << 30;
    public long BaseMemoryBytes { get; init; } = 2L << 30;
    public long RequestTimeoutTicks { get; init; } = SimTime.FromSeconds(60);
    public long RestartTicks { get; init; } = SimTime.FromSeconds(30);
    public bool ConsistentListFromCache { get; init; }

    public long BaseCpuTicks { get; init; } = SimTime.FromMilliseconds(1);
    public long MutatingCpuTicks { get; init; } = SimTime.FromMilliseconds(1);
    public double DecodeBytesPerSecond { get; init; } = 500e6;
    public double EncodeBytesPerSecond { get; init; } = 150e6;
    public double CacheScanTicksPerObject { get; init; } = 1;
    public double EtcdListMemoryFactor { get; init; } = 5;
    public double CacheListMemoryFactor { get; init; } = 2;
    public double WatchCacheMemoryFactor { get; init; } = 2;

    public double EtcdCores { get; init; } = 16;
    public double EtcdRangeBytesPerSecond { get; init; } = 112e6;
    public long EtcdRequestTicks { get; init; } = SimTime.FromMilliseconds(1);
    public long EtcdWriteTicks { get; init; } = SimTime.FromMilliseconds(3);

    /// <summary>etcd's memory limit; 0 = none. etcd hardware guide: heavy deployments 16–64 GB (with the 8–16 cores above).</summary>
    public long EtcdMemoryBytes { get; init; } = 64L << 30;

    /// <summary>etcd's own memory besides ranges in flight (assumption: key index, raft log, watchers; the mmap'd db is reclaimable page cache).</summary>
    public long EtcdBaseMemoryBytes { get; init; } = 1L << 30;

    /// <summary>A range holds about its response in etcd's memory while it runs (kubernetes#107325, etcd#12342): bytes per byte ranged so far.</summary>
    public double EtcdRangeMemoryFactor { get; init; } = 1;

    /// <summary>From an OOM kill to serving again (assumption, as for the API server), plus the kubelet's CrashLoopBackOff when it keeps dying.</summary>
    public long EtcdRestartTicks { get; init; } = SimTime.FromSeconds(30);

    public ApfConfiguration Apf { get; init; } = ApfConfiguration.Default;

    /// <summary>MODEL.md §2.4: queue-wait limit is a quarter of the request's deadline, at most 1 min.</summary>
    public long QueueWaitLimitTicks => Math.Min(RequestTimeoutTicks / 4, SimTime.TicksPerMinute);
}
