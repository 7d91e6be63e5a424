using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>A product resolved against its cluster: its Service index is its position in the list.</summary>
public sealed record ProductConfig(string Name, int Replicas, double RequestRatePerSecond, int[] Calls);

/// <summary>The resolved settings of a cluster's data plane, in model units (ticks). Every value comes from the scenario schema (Scenarios/Schema), which holds the defaults and their sources; none is written here twice.</summary>
public sealed class DataPlaneConfig
{
    public required int Zones { get; init; }
    public required int PodsPerNode { get; init; }

    public required bool NodeLifecycle { get; init; }
    public required long MonitorPeriodTicks { get; init; }
    public required long GracePeriodTicks { get; init; }
    public required double EvictionRate { get; init; }
    public required double SecondaryEvictionRate { get; init; }
    public required double UnhealthyZoneThreshold { get; init; }
    public required int LargeClusterSize { get; init; }
    public required long TolerationTicks { get; init; }

    public required bool Scheduler { get; init; }
    public required double SchedulerQps { get; init; }
    public required int SchedulerBurst { get; init; }
    public required int MaxBindingsInFlight { get; init; }
    public required long PodStartupTicks { get; init; }

    public required int EndpointSliceWorkers { get; init; }
    public required bool KubeProxy { get; init; }

    public required bool Dns { get; init; }
    public required int CoreDnsReplicas { get; init; }
    public required double CoreDnsCapacityQps { get; init; }
    /// <summary>Sentinel for <see cref="CoreDnsMemoryLimitBytes"/>: sized from the CoreDNS scaling guide when the replicas start.</summary>
    public const long CoreDnsMemoryLimitFromGuide = -1;

    /// <summary>0: no memory limit; <see cref="CoreDnsMemoryLimitFromGuide"/>: the guide's estimate plus <see cref="CoreDnsMemoryHeadroom"/>, at least 170Mi.</summary>
    public long CoreDnsMemoryLimitBytes { get; init; }
    public required double CoreDnsMemoryHeadroom { get; init; }
    public required long CoreDnsSyncWaitTicks { get; init; }
    public required long LivenessInitialDelayTicks { get; init; }
    public required long LivenessPeriodTicks { get; init; }
    public required int LivenessFailureThreshold { get; init; }
    public required long RecordTtlTicks { get; init; }
    public required long ServfailTtlTicks { get; init; }
    public bool NodeLocalCache { get; init; }
    public required long NodeCacheSuccessTtlTicks { get; init; }
    public bool ServeStale { get; init; }
    public required long ServeStaleForTicks { get; init; }
    public long ClientCacheTtlTicks { get; init; }
    public long ClientNegativeTtlTicks { get; init; }
    public required int ClientRetries { get; init; }

    /// <summary>The products find each other through the API server (a discovery client), not DNS.</summary>
    public bool ApiDiscovery { get; init; }

    public IReadOnlyList<ProductConfig> Products { get; init; } = Array.Empty<ProductConfig>();

    /// <summary>A node cache keeps an answer for the record's TTL, capped by its own maximum (the cache plugin's rule).</summary>
    public long NodeCacheLifetimeTicks => Math.Min(RecordTtlTicks, NodeCacheSuccessTtlTicks);
}
