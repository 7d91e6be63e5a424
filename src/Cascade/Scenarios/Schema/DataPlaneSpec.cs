using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// Cluster DNS: CoreDNS replicas serving cluster names from their informers, node-local caches and client
/// caches in front of them. Defaults are kubeadm's (docs/sources.md §5); docs/scenario-format.md, "Data plane".
/// </summary>
public sealed class DnsSpec
{
    public bool Enabled { get; set; } = true;

    public CoreDnsSpec CoreDns { get; set; } = new();

    /// <summary>docs/sources.md §5: kubeadm's Corefile `ttl 30`: the TTL CoreDNS puts on cluster records.</summary>
    public Duration RecordTtl { get; set; } = Duration.FromSeconds(30);

    /// <summary>docs/sources.md §5: a SERVFAIL is cached 5 s (by CoreDNS' and NodeLocal DNSCache's cache plugin).</summary>
    public Duration ServfailTtl { get; set; } = Duration.FromSeconds(5);

    public NodeLocalCacheSpec NodeLocalCache { get; set; } = new();

    public ClientCacheSpec ClientCache { get; set; } = new();

    /// <summary>Times a client retries a failed lookup (assumption: resolv.conf `attempts:2`, glibc's default, is one retry).</summary>
    [Range(0, 10)] public int ClientRetries { get; set; } = 1;

    /// <summary>
    /// How the products find the Services they call: `dns` (through the caches and CoreDNS) or `api` (a discovery
    /// client reading the Service's endpoints from the API server, as Spring Cloud Kubernetes' DiscoveryClient
    /// does, cached for `clientCache.ttl`; 35 s when that is 0, Spring Cloud LoadBalancer's default).
    /// </summary>
    public Discovery Discovery { get; set; } = Discovery.Dns;
}

/// <summary>How products find the Services they call.</summary>
public enum Discovery { Dns, Api }

public sealed class CoreDnsSpec
{
    /// <summary>docs/sources.md §5 / kubeadm: the coredns Deployment has 2 replicas.</summary>
    [Range(1, 1000)] public int Replicas { get; set; } = 2;

    /// <summary>Queries per second one replica answers; past it queries are dropped and /health times out (assumption: docs/model-dataplane.md).</summary>
    [Range(1, 1e9)] public double CapacityQps { get; set; } = 10_000;

    /// <summary>docs/sources.md §5: a CoreDNS started without the API server waits ≤ 5 s for its informers, then answers SERVFAIL.</summary>
    [ZeroAllowed] public Duration SyncWait { get; set; } = Duration.FromSeconds(5);

    /// <summary>
    /// Memory limit of a replica; 0 = none. Left out, sized as coredns/deployment's Scaling_CoreDNS.md tells
    /// operators to ("estimate the amount of memory … and adjust the memory request/limit accordingly"): the
    /// guide's estimate for the cluster at the start of the run plus <see cref="MemoryHeadroom"/>, and never
    /// below the stock manifest's 170Mi.
    /// </summary>
    public Quantity? MemoryLimit { get; set; }

    /// <summary>Headroom over the scaling guide's estimate when the limit is left out (assumption: the guide gives none).</summary>
    [Range(0, 100)] public double MemoryHeadroom { get; set; } = 0.25;

    /// <summary>docs/sources.md §5: liveness /health initial delay 60 s.</summary>
    [ZeroAllowed] public Duration LivenessInitialDelay { get; set; } = Duration.FromSeconds(60);

    /// <summary>Liveness probe period (kubeadm's coredns manifest: periodSeconds 10).</summary>
    public Duration LivenessPeriod { get; set; } = Duration.FromSeconds(10);

    /// <summary>docs/sources.md §5: liveness failureThreshold 5.</summary>
    [Range(1, 100)] public int LivenessFailureThreshold { get; set; } = 5;
}

/// <summary>NodeLocal DNSCache: one cache per node in front of CoreDNS (docs/sources.md §5).</summary>
public sealed class NodeLocalCacheSpec
{
    /// <summary>Off in a stock kubeadm cluster.</summary>
    public bool Enabled { get; set; }

    /// <summary>docs/sources.md §5: cluster.local success TTL 30 s. An entry lives min(recordTtl, successTtl).</summary>
    public Duration SuccessTtl { get; set; } = Duration.FromSeconds(30);

    /// <summary>docs/sources.md §5: `serve_stale` is off by default; when on, an expired answer is served while the upstream fails.</summary>
    public bool ServeStale { get; set; }

    /// <summary>docs/sources.md §5: serve_stale keeps expired answers up to 1 h.</summary>
    [ZeroAllowed] public Duration ServeStaleFor { get; set; } = Duration.FromSeconds(3600);
}

/// <summary>Caching inside the client process (docs/sources.md §5: glibc, musl and Go don't cache; the JVM caches 30 s / 10 s).</summary>
public sealed class ClientCacheSpec
{
    /// <summary>0 = no client cache (glibc, musl, Go).</summary>
    [ZeroAllowed] public Duration Ttl { get; set; }

    /// <summary>How long a failed lookup is remembered by the client (JVM: 10 s).</summary>
    [ZeroAllowed] public Duration NegativeTtl { get; set; }
}

/// <summary>kube-controller-manager's node lifecycle controller (docs/sources.md §4).</summary>
public sealed class NodeLifecycleSpec
{
    public bool Enabled { get; set; } = true;

    /// <summary>docs/sources.md §4: --node-monitor-period 5 s.</summary>
    public Duration MonitorPeriod { get; set; } = Duration.FromSeconds(5);

    /// <summary>--node-monitor-grace-period. Default: by kubernetesVersion, 50 s from 1.32, 40 s before (docs/model.md).</summary>
    public Duration? GracePeriod { get; set; }

    /// <summary>docs/sources.md §4: --node-eviction-rate 0.1 nodes/s per zone.</summary>
    [Range(0, 1000)] public double EvictionRate { get; set; } = 0.1;

    /// <summary>docs/sources.md §4: --secondary-node-eviction-rate 0.01 nodes/s in a partially disrupted zone.</summary>
    [Range(0, 1000)] public double SecondaryEvictionRate { get; set; } = 0.01;

    /// <summary>docs/sources.md §4: --unhealthy-zone-threshold 0.55.</summary>
    [Range(0, 1)] public double UnhealthyZoneThreshold { get; set; } = 0.55;

    /// <summary>docs/sources.md §4: --large-cluster-size-threshold 50 (smaller zones stop evicting when partially disrupted).</summary>
    [Range(0, 1_000_000)] public int LargeClusterSize { get; set; } = 50;

    /// <summary>docs/sources.md §4: pods tolerate not-ready/unreachable NoExecute taints for 300 s.</summary>
    [ZeroAllowed] public Duration TolerationSeconds { get; set; } = Duration.FromSeconds(300);
}

/// <summary>kube-scheduler binding pending pods (docs/sources.md §3: client 50/100).</summary>
public sealed class SchedulerSpec
{
    public bool Enabled { get; set; } = true;

    /// <summary>docs/sources.md §3: kube-scheduler QPS 50.</summary>
    [Range(0.001, 1e6)] public double Qps { get; set; } = 50;

    /// <summary>docs/sources.md §3: kube-scheduler burst 100.</summary>
    [Range(1, 1e6)] public int Burst { get; set; } = 100;

    /// <summary>
    /// Bindings in flight at once; none (the default) for no cap, as upstream: each scheduled pod is bound in a goroutine
    /// of its own (docs/sources.md §3), so only the client's QPS paces them. A number caps them, as a scheduler fork may.
    /// </summary>
    [Range(1, 1_000_000)] public int? MaxBindingsInFlight { get; set; }

    /// <summary>From binding to a Running container on the node: image present, sandbox and container start (assumption).</summary>
    [ZeroAllowed] public Duration PodStartup { get; set; } = Duration.FromSeconds(5);
}

/// <summary>Service routing: the EndpointSlice controller and kube-proxy (docs/sources.md §6).</summary>
public sealed class EndpointsSpec
{
    /// <summary>docs/sources.md §6: EndpointSlice controller 5 workers.</summary>
    [Range(1, 1000)] public int Workers { get; set; } = 5;

    /// <summary>kube-proxy on every node, watching EndpointSlices (kube-system/kube-proxy service account).</summary>
    public bool KubeProxy { get; set; } = true;
}
