using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

public sealed class ClusterSpec : IValidatable
{
    public string Name { get; set; } = "cluster";

    /// <summary>In a fleet: this many clusters like this one, named NAME-1 … NAME-N.</summary>
    [Range(1, 1000)] public int Count { get; set; } = 1;

    [Range(1, 100_000)] public int Nodes { get; set; } = 100;

    /// <summary>docs/sources.md §2.6: the scalability envelope is 150,000 pods on 5,000 nodes, 30 per node.</summary>
    [Range(0, 1000)] public int PodsPerNode { get; set; } = 30;

    [Range(1, 64)] public int Zones { get; set; } = 3;

    /// <summary>The control plane's minor release ("1.30"); it sets every version-dependent default (docs/model.md, "What changes with the Kubernetes version").</summary>
    public string KubernetesVersion { get; set; } = Cascade.ControlPlane.KubernetesVersion.Newest;

    /// <summary>Stored objects per resource (e.g. `pods: {count: 120000, bytesPerObject: 8Ki}`); counts not given are derived from nodes and pods per node.</summary>
    public OrderedDictionary<string, ObjectsSpec> Objects { get; set; } = new();

    public ApiServerSpec ApiServer { get; set; } = new();
    public EtcdSpec Etcd { get; set; } = new();
    public KubeletSpec Kubelets { get; set; } = new();
    public ControllersSpec Controllers { get; set; } = new();

    /// <summary>Data plane (docs/scenario-format.md, "Data plane"): cluster DNS, node lifecycle, scheduler, endpoints.</summary>
    public DnsSpec Dns { get; set; } = new();
    public NodeLifecycleSpec NodeLifecycle { get; set; } = new();
    public SchedulerSpec Scheduler { get; set; } = new();
    public EndpointsSpec Endpoints { get; set; } = new();

    /// <summary>A version the model covers, and an APF file only on a control plane with API Priority and Fairness.</summary>
    public void Validate(ValidationContext ctx)
    {
        if (Cascade.ControlPlane.KubernetesVersion.ParseMinor(KubernetesVersion) is not { } minor)
        {
            ctx.Fail(nameof(KubernetesVersion), $"kubernetesVersion '{KubernetesVersion}' is not one the model covers " +
                $"(1.{Cascade.ControlPlane.KubernetesVersion.OldestMinor} to 1.{Cascade.ControlPlane.KubernetesVersion.NewestMinor})");
            return;
        }
        if (ApiServer.Apf.File is not null && !(ApiServer.Apf.Enabled ?? Cascade.ControlPlane.KubernetesVersion.Defaults(minor).Apf))
            ctx.Fail(nameof(KubernetesVersion), $"apiServer.apf.file needs API Priority and Fairness, which kubernetesVersion {KubernetesVersion} does not have (1.20+)");
    }

    /// <summary>A copy under another name (the other settings are shared: they are read, never changed, after loading).</summary>
    public ClusterSpec CopyNamed(string name)
    {
        var copy = (ClusterSpec)MemberwiseClone();
        copy.Name = name;
        copy.Count = 1;
        return copy;
    }
}

public sealed class ObjectsSpec
{
    [Range(0, 1e9)] public long? Count { get; set; }

    /// <summary>Size of one object as stored in etcd (protobuf); at most 1Gi, so that a billion of them still add up in a long (etcd itself refuses requests above 1.5Mi by default).</summary>
    [Range(0, 1 << 30)] public Quantity? BytesPerObject { get; set; }
}

public sealed class ApiServerSpec
{
    [Range(1, 64)] public int Replicas { get; set; } = 3;

    /// <summary>docs/sources.md §2.1: --max-requests-inflight 400.</summary>
    [Range(1, 100_000)] public int MaxRequestsInflight { get; set; } = 400;

    /// <summary>docs/sources.md §2.1: --max-mutating-requests-inflight 200.</summary>
    [Range(0, 100_000)] public int MaxMutatingRequestsInflight { get; set; } = 200;

    /// <summary>
    /// kube-apiserver --goaway-chance, default 0 (apiserver pkg/server/options/server_run_options.go; at most 0.02):
    /// the share of requests after which the replica closes the client's HTTP/2 connection (GOAWAY), so the
    /// client's next request goes through the load balancer again (server/filters/goaway.go).
    /// </summary>
    [Range(0, 0.02)] public double GoawayChance { get; set; }

    /// <summary>
    /// How the simulator serves a node's Lease renewal while the control plane is quiet (nothing queued, at most half of
    /// every level's seats, of every replica's cores and of etcd's cores busy): in closed form, without its own events
    /// (docs/model.md, "Closed-form Lease renewals"). False: every renewal goes through the request path event by event.
    /// </summary>
    public bool ClosedFormLeases { get; set; } = true;

    /// <summary>Cores per replica (assumption: a large control-plane VM; docs/model.md).</summary>
    [Range(0.1, 1024)] public double CpuCores { get; set; } = 32;

    /// <summary>Memory limit per replica (assumption: docs/model.md).</summary>
    public Quantity Memory { get; set; } = new(128.0 * 1024 * 1024 * 1024);

    /// <summary>docs/sources.md §2.1: --request-timeout 60 s.</summary>
    public Duration RequestTimeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>Time from an OOM kill until the replica serves again (kubelet restart back-off plus start-up).</summary>
    [ZeroAllowed] public Duration RestartTime { get; set; } = Duration.FromSeconds(30);

    /// <summary>ConsistentListFromCache: RV="" lists served from the watch cache. Default: by kubernetesVersion (1.31+).</summary>
    public bool? ConsistentListFromCache { get; set; }

    /// <summary>ResilientWatchCacheInitialization: a cold cache answers 429 instead of blocking or sending RV="0" LISTs to etcd. Default: by kubernetesVersion (1.31+).</summary>
    public bool? ResilientWatchCacheInitialization { get; set; }

    /// <summary>Streaming LIST response encoding. Default: by kubernetesVersion (1.33+).</summary>
    public bool? StreamingListEncoding { get; set; }

    /// <summary>Informers start with a streaming WATCH instead of a LIST (WatchList). Default: by kubernetesVersion (1.35+).</summary>
    public bool? WatchList { get; set; }

    /// <summary>The kubelet's liveness probe of each replica (kubeadm's static pod manifest).</summary>
    public LivenessSpec Liveness { get; set; } = new();

    public ApiServerCostSpec Cost { get; set; } = new();

    public ApfSpec Apf { get; set; } = new();
}

/// <summary>The per-request cost model; defaults calibrated against docs/sources.md §2.6 (docs/model.md shows the arithmetic).</summary>
public sealed class ApiServerCostSpec
{
    /// <summary>CPU per request regardless of size: authn/authz, admission, routing, response headers.</summary>
    [ZeroAllowed] public Duration BaseCpu { get; set; } = Duration.FromSeconds(0.001);

    /// <summary>Extra CPU of a mutating request (admission, validation, conversion).</summary>
    [ZeroAllowed] public Duration MutatingCpu { get; set; } = Duration.FromSeconds(0.001);

    /// <summary>Decoding, converting and filtering objects read from etcd: stored bytes per CPU-second (docs/model.md, "Cost model and its calibration").</summary>
    public Quantity DecodeBytesPerSecond { get; set; } = new(130e6);

    /// <summary>Encoding objects returned to the client (JSON is ~2× the protobuf size in etcd): stored bytes per CPU-second.</summary>
    public Quantity EncodeBytesPerSecond { get; set; } = new(150e6);

    /// <summary>Scanning the watch cache, per object visited (in-memory filter).</summary>
    [ZeroAllowed] public Duration CacheScanPerObject { get; set; } = Duration.FromSeconds(1e-6);

    /// <summary>KEP-3157 (docs/model.md): a LIST from etcd holds ≈ 5× the etcd response in memory while it runs.</summary>
    public double EtcdListMemoryFactor { get; set; } = 5;

    /// <summary>The same with streaming encoding (1.33+): the encoded copy is not held whole (assumption: one copy less, 4×).</summary>
    public double StreamedEtcdListMemoryFactor { get; set; } = 4;

    /// <summary>A LIST from the watch cache, per byte returned: 10 concurrent 1 GB LISTs held 70–80 GB (kubernetes.io blog 2025-05-09): 7×.</summary>
    public double CacheListMemoryFactor { get; set; } = 7;

    /// <summary>The same with streaming encoding (1.33+): 3 GB for those 10 LISTs (same source): 0.3×.</summary>
    public double StreamedCacheListMemoryFactor { get; set; } = 0.3;

    /// <summary>Sending one watch event to one watcher, besides its bytes (assumption: docs/model.md, "Watch events").</summary>
    [ZeroAllowed] public Duration WatchSendPerWatcher { get; set; } = Duration.FromSeconds(2e-6);

    /// <summary>Event bytes sent to watchers per CPU-second: TLS and copies (assumption: docs/model.md, "Watch events").</summary>
    public Quantity WatchSendBytesPerSecond { get; set; } = new(1e9);

    /// <summary>Resident memory of the watch cache per stored byte (objects are kept decoded: assumption ≈ 2×).</summary>
    public double WatchCacheMemoryFactor { get; set; } = 2;

    /// <summary>Resident memory of a replica besides its watch cache.</summary>
    public Quantity BaseMemory { get; set; } = new(2.0 * 1024 * 1024 * 1024);
}

public sealed class LivenessSpec
{
    /// <summary>kubeadm's kube-apiserver manifest: /livez every 10 s.</summary>
    public Duration Period { get; set; } = Duration.FromSeconds(10);

    /// <summary>kubeadm: timeoutSeconds 15.</summary>
    public Duration Timeout { get; set; } = Duration.FromSeconds(15);

    /// <summary>kubeadm: failureThreshold 8; 0 turns the probe off.</summary>
    [Range(0, 1000)] public int FailureThreshold { get; set; } = 8;
}

public sealed class ApfSpec : IValidatable
{
    /// <summary>API Priority and Fairness on; off, the max-in-flight filter limits reads and writes. Default: by kubernetesVersion (1.20+).</summary>
    public bool? Enabled { get; set; }

    /// <summary>FlowSchema and PriorityLevelConfiguration objects (flowcontrol.apiserver.k8s.io/v1) to apply on top of the defaults.</summary>
    public string? File { get; set; }

    /// <summary>Keep Kubernetes' suggested objects for names the file does not define (the mandatory ones always stay).</summary>
    public bool KeepDefaults { get; set; } = true;

    /// <summary>
    /// FlowSchema and PriorityLevelConfiguration objects a mitigation adds after the file's, as YAML documents. Kept in
    /// memory, not bound from a scenario: a mitigation writes no file outside the run's output.
    /// </summary>
    internal string? MitigationObjects { get; set; }

    /// <summary>The file is there when the scenario is loaded, rather than missed once the run has started.</summary>
    public void Validate(ValidationContext ctx)
    {
        if (File is not { } file || ctx.BaseDirectory is not { } dir) return;
        var path = Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
        if (Directory.Exists(path)) ctx.Fail(nameof(File), $"'{path}' is a directory, not an APF file");
        if (!System.IO.File.Exists(path)) ctx.Fail(nameof(File), $"APF file '{path}' not found");
    }
}

public sealed class EtcdSpec
{
    /// <summary>Cores of the etcd member serving ranges. etcd's hardware guide (etcd.io, op-guide/hardware) sizes a
    /// "heavy" cluster (> 5,000 clients, > 15,000 requests/s) at 8–16 vCPUs; a 5,000-node cluster is heavy: 16.</summary>
    [Range(0.1, 1024)] public double CpuCores { get; set; } = 16;

    /// <summary>Response bytes one core ranges per second besides the per-key cost, measured on a real etcd (docs/etcd-calibration.md): 713 MB/s.</summary>
    public Quantity RangeBytesPerSecond { get; set; } = new(713e6);

    /// <summary>Keys one core ranges per second besides the per-byte cost (docs/etcd-calibration.md: 5.0 µs a key).</summary>
    public Quantity RangeKeysPerSecond { get; set; } = new(1 / 5.0e-6);

    /// <summary>Fixed CPU of one range; the calibration's fit puts it at 0 (docs/etcd-calibration.md).</summary>
    [ZeroAllowed] public Duration RequestLatency { get; set; }

    /// <summary>A write commits after a raft round trip and fsync (assumption: 2–5 ms on SSDs).</summary>
    [ZeroAllowed] public Duration WriteLatency { get; set; } = Duration.FromSeconds(0.003);

    /// <summary>Memory limit of the etcd member; 0 = none. etcd's hardware guide: "for heavy deployments … 16GB to 64GB".</summary>
    public Quantity Memory { get; set; } = new(64.0 * 1024 * 1024 * 1024);

    /// <summary>etcd's memory besides ranges in flight (assumption: key index, raft log, watchers).</summary>
    public Quantity BaseMemory { get; set; } = new(1.0 * 1024 * 1024 * 1024);

    /// <summary>Memory a range holds per byte it has read: 2.65 measured (docs/etcd-calibration.md; kubernetes#107325: a range allocates its response).</summary>
    [Range(0, 100)] public double RangeMemoryFactor { get; set; } = 2.65;

    /// <summary>From an OOM kill to serving again, before any CrashLoopBackOff (assumption).</summary>
    [ZeroAllowed] public Duration RestartTime { get; set; } = Duration.FromSeconds(30);

    /// <summary>Members of the etcd cluster (what a `killEtcd` fault counts against): 3, one per control-plane node as kubeadm stacks them.</summary>
    [Range(1, 7)] public int Members { get; set; } = 3;

    /// <summary>etcd --election-timeout (default 1000 ms, etcd embed/config.go): a leader's death stalls etcd for 1–2 of these.</summary>
    [ZeroAllowed] public Duration ElectionTimeout { get; set; } = Duration.FromSeconds(1);
}

public sealed class KubeletSpec
{
    public bool Enabled { get; set; } = true;

    /// <summary>docs/sources.md §4: Lease renewed every 10 s (0.25 × nodeLeaseDurationSeconds 40).</summary>
    public Duration LeaseRenewInterval { get; set; } = Duration.FromSeconds(10);

    /// <summary>docs/sources.md §3: the heartbeat client has a 10 s timeout.</summary>
    public Duration LeaseTimeout { get; set; } = Duration.FromSeconds(10);

    /// <summary>docs/sources.md §4: node status forced every 5 min.</summary>
    public Duration NodeStatusInterval { get; set; } = Duration.FromSeconds(300);

    /// <summary>Each kubelet watches its own pods (fieldSelector spec.nodeName).</summary>
    public bool WatchPods { get; set; } = true;
}

public sealed class ControllersSpec
{
    public bool Enabled { get; set; } = true;

    /// <summary>Steady write rate of kube-controller-manager (status updates, endpoints) in requests/s; bounded by its 20 QPS client (docs/sources.md §3).</summary>
    [Range(0, 10_000)] public double WriteRate { get; set; } = 5;
}
