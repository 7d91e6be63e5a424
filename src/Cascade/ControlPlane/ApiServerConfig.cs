using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>The resolved settings of a cluster's API servers and etcd, in model units (ticks, bytes, cores). Every value comes from the scenario schema (ClusterSpec), which holds the defaults and their sources; none is written here twice.</summary>
public sealed class ApiServerConfig
{
    public required int Replicas { get; init; }

    /// <summary>Most replicas the run may reach (remediation can add some); sizes the per-replica metrics.</summary>
    public int MaxReplicas { get; init; }
    public required int SeatsPerReplica { get; init; }

    /// <summary>kube-apiserver --goaway-chance: the share of answers that close their connection.</summary>
    public double GoawayChance { get; init; }

    /// <summary>Serve Lease renewals in closed form while the control plane is quiet (docs/model.md, "Closed-form Lease renewals").</summary>
    public bool ClosedFormLeases { get; init; }
    public required double CpuCores { get; init; }
    public required long MemoryBytes { get; init; }
    public required long BaseMemoryBytes { get; init; }
    public required long RequestTimeoutTicks { get; init; }
    public required long RestartTicks { get; init; }

    /// <summary>Version-dependent behaviour (feature gates) of this cluster.</summary>
    public required KubernetesFeatures Features { get; init; }

    public required long BaseCpuTicks { get; init; }
    public required long MutatingCpuTicks { get; init; }

    /// <summary>Stored (protobuf) bytes read from etcd that one core decodes, converts and filters per second (docs/model.md, "Cost model and its calibration").</summary>
    public required double DecodeBytesPerSecond { get; init; }
    public required double EncodeBytesPerSecond { get; init; }
    public required double CacheScanTicksPerObject { get; init; }

    /// <summary>Memory a LIST from etcd holds per byte read: buffered (KEP-3157: ≈ 5×) and with streaming encoding.</summary>
    public required double EtcdListMemoryFactor { get; init; }
    public required double StreamedEtcdListMemoryFactor { get; init; }

    /// <summary>Memory a LIST from the cache holds per byte returned: buffered and streamed (kubernetes.io blog 2025-05-09).</summary>
    public required double CacheListMemoryFactor { get; init; }
    public required double StreamedCacheListMemoryFactor { get; init; }
    public required double WatchCacheMemoryFactor { get; init; }

    /// <summary>
    /// Sending one watch event to one watcher: a fixed part (channel hand-off, goroutine wake-up, an HTTP/2 frame
    /// write) and the bytes (TLS encryption and copies). Assumptions, docs/model.md "Watch events".
    /// </summary>
    public required long WatchSendTicks { get; init; }
    public required double WatchSendBytesPerSecond { get; init; }

    /// <summary>The kubelet's liveness probe of kube-apiserver (/livez): period, timeout, failures before a restart.</summary>
    public required long LivenessPeriodTicks { get; init; }
    public required long LivenessTimeoutTicks { get; init; }
    public required int LivenessFailureThreshold { get; init; }

    public required EtcdConfig Etcd { get; init; }

    public required ApfConfiguration Apf { get; init; }

    /// <summary>docs/model.md (APF): queue-wait limit is a quarter of the request's deadline, at most 1 min.</summary>
    public long QueueWaitLimitTicks => Math.Min(RequestTimeoutTicks / 4, SimTime.TicksPerMinute);

    public double EtcdListMemory => Features.StreamingListEncoding ? StreamedEtcdListMemoryFactor : EtcdListMemoryFactor;
    public double CacheListMemory => Features.StreamingListEncoding ? StreamedCacheListMemoryFactor : CacheListMemoryFactor;
}
