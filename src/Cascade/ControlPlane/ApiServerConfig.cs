using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>The resolved settings of a cluster's API servers and etcd, in model units (ticks, bytes, cores). Sources in docs/model.md.</summary>
public sealed class ApiServerConfig
{
    public int Replicas { get; init; } = 3;

    /// <summary>Most replicas the run may reach (remediation can add some); sizes the per-replica metrics.</summary>
    public int MaxReplicas { get; init; }
    public int SeatsPerReplica { get; init; } = 600;

    /// <summary>kube-apiserver --goaway-chance: default 0, off (apiserver pkg/server/options/server_run_options.go).</summary>
    public double GoawayChance { get; init; }
    public double CpuCores { get; init; } = 32;
    public long MemoryBytes { get; init; } = 128L << 30;
    public long BaseMemoryBytes { get; init; } = 2L << 30;
    public long RequestTimeoutTicks { get; init; } = SimTime.FromSeconds(60);
    public long RestartTicks { get; init; } = SimTime.FromSeconds(30);

    /// <summary>Version-dependent behaviour (feature gates) of this cluster.</summary>
    public KubernetesFeatures Features { get; init; } = new();

    public long BaseCpuTicks { get; init; } = SimTime.FromMilliseconds(1);
    public long MutatingCpuTicks { get; init; } = SimTime.FromMilliseconds(1);

    /// <summary>Stored (protobuf) bytes read from etcd that one core decodes, converts and filters per second (docs/model.md, "Cost model and its calibration").</summary>
    public double DecodeBytesPerSecond { get; init; } = 130e6;
    public double EncodeBytesPerSecond { get; init; } = 150e6;
    public double CacheScanTicksPerObject { get; init; } = 1;

    /// <summary>Memory a LIST from etcd holds per byte read: buffered (KEP-3157: ≈ 5×) and with streaming encoding.</summary>
    public double EtcdListMemoryFactor { get; init; } = 5;
    public double StreamedEtcdListMemoryFactor { get; init; } = 4;

    /// <summary>Memory a LIST from the cache holds per byte returned: buffered and streamed (kubernetes.io blog 2025-05-09).</summary>
    public double CacheListMemoryFactor { get; init; } = 7;
    public double StreamedCacheListMemoryFactor { get; init; } = 0.3;
    public double WatchCacheMemoryFactor { get; init; } = 2;

    /// <summary>
    /// Sending one watch event to one watcher: a fixed part (channel hand-off, goroutine wake-up, an HTTP/2 frame
    /// write) and the bytes (TLS encryption and copies). Assumptions, docs/model.md "Watch events".
    /// </summary>
    public long WatchSendTicks { get; init; } = 2;
    public double WatchSendBytesPerSecond { get; init; } = 1e9;

    /// <summary>kubeadm's kube-apiserver liveness probe: /livez every 10 s, 15 s timeout, restarted after 8 failures.</summary>
    public long LivenessPeriodTicks { get; init; } = SimTime.FromSeconds(10);
    public long LivenessTimeoutTicks { get; init; } = SimTime.FromSeconds(15);
    public int LivenessFailureThreshold { get; init; } = 8;

    public EtcdConfig Etcd { get; init; } = new();

    public ApfConfiguration Apf { get; init; } = ApfConfiguration.Default;

    /// <summary>docs/model.md (APF): queue-wait limit is a quarter of the request's deadline, at most 1 min.</summary>
    public long QueueWaitLimitTicks => Math.Min(RequestTimeoutTicks / 4, SimTime.TicksPerMinute);

    public double EtcdListMemory => Features.StreamingListEncoding ? StreamedEtcdListMemoryFactor : EtcdListMemoryFactor;
    public double CacheListMemory => Features.StreamingListEncoding ? StreamedCacheListMemoryFactor : CacheListMemoryFactor;
}
