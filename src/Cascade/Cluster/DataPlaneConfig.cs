using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>A product resolved against its cluster: its Service index is its position in the list.</summary>
public sealed record ProductConfig(string Name, int Replicas, double RequestRatePerSecond, int[] Calls);

/// <summary>The resolved settings of a cluster's data plane, in model units (ticks). Defaults and sources: docs/model-dataplane.md.</summary>
public sealed class DataPlaneConfig
{
    public int Zones { get; init; } = 3;
    public int PodsPerNode { get; init; } = 30;

    public bool NodeLifecycle { get; init; } = true;
    public long MonitorPeriodTicks { get; init; } = SimTime.FromSeconds(5);
    public long GracePeriodTicks { get; init; } = SimTime.FromSeconds(50);
    public double EvictionRate { get; init; } = 0.1;
    public double SecondaryEvictionRate { get; init; } = 0.01;
    public double UnhealthyZoneThreshold { get; init; } = 0.55;
    public int LargeClusterSize { get; init; } = 50;
    public long TolerationTicks { get; init; } = SimTime.FromSeconds(300);

    public bool Scheduler { get; init; } = true;
    public double SchedulerQps { get; init; } = 50;
    public int SchedulerBurst { get; init; } = 100;
    public int MaxBindingsInFlight { get; init; } = 100;
    public long PodStartupTicks { get; init; } = SimTime.FromSeconds(5);

    public int EndpointSliceWorkers { get; init; } = 5;
    public bool KubeProxy { get; init; } = true;

    public bool Dns { get; init; } = true;
    public int CoreDnsReplicas { get; init; } = 2;
    public double CoreDnsCapacityQps { get; init; } = 10_000;
    /// <summary>Sentinel for <see cref="CoreDnsMemoryLimitBytes"/>: sized from the CoreDNS scaling guide when the replicas start.</summary>
    public const long CoreDnsMemoryLimitFromGuide = -1;

    /// <summary>0: no memory limit; <see cref="CoreDnsMemoryLimitFromGuide"/>: the guide's estimate plus <see cref="CoreDnsMemoryHeadroom"/>, at least 170Mi.</summary>
    public long CoreDnsMemoryLimitBytes { get; init; }
    public double CoreDnsMemoryHeadroom { get; init; } = 0.25;
    public long CoreDnsSyncWaitTicks { get; init; } = SimTime.FromSeconds(5);
    public long LivenessInitialDelayTicks { get; init; } = SimTime.FromSeconds(60);
    public long LivenessPeriodTicks { get; init; } = SimTime.FromSeconds(10);
    public int LivenessFailureThreshold { get; init; } = 5;
    public long RecordTtlTicks { get; init; } = SimTime.FromSeconds(30);
    public long ServfailTtlTicks { get; init; } = SimTime.FromSeconds(5);
    public bool NodeLocalCache { get; init; }
    public long NodeCacheSuccessTtlTicks { get; init; } = SimTime.FromSeconds(30);
    public bool ServeStale { get; init; }
    public long ServeStaleForTicks { get; init; } = SimTime.FromSeconds(3600);
    public long ClientCacheTtlTicks { get; init; }
    public long ClientNegativeTtlTicks { get; init; }
    public int ClientRetries { get; init; } = 1;

    /// <summary>The products find each other through the API server (a discovery client), not DNS.</summary>
    public bool ApiDiscovery { get; init; }

    public IReadOnlyList<ProductConfig> Products { get; init; } = Array.Empty<ProductConfig>();

    /// <summary>A node cache keeps an answer for the record's TTL, capped by its own maximum (the cache plugin's rule).</summary>
    public long NodeCacheLifetimeTicks => Math.Min(RecordTtlTicks, NodeCacheSuccessTtlTicks);
}
