using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.Cluster;

/// <summary>
/// CoreDNS replicas serving cluster names with the `kubernetes` plugin (docs/sources.md §5). Each replica's container
/// runs two informers (Services, EndpointSlices) as the kube-system/coredns service account
/// (kube-system-service-accounts → workload-high). It answers from its informer store: a replica that has
/// synced keeps answering from a stale view while its watch is broken (entries never expire); a replica
/// whose container started while the API server could not serve its LISTs waits 5 s, then answers SERVFAIL
/// for cluster names, and its readiness probe (/ready) never passes until it syncs. The replicas running
/// when the run starts were synced before it.
///
/// Load: every query a replica receives is counted; past its capacity it drops the excess (a dropped query
/// is a failed lookup) and its /health liveness probe times out; after failureThreshold consecutive
/// failures (probes every 10 s after a 60 s initial delay) the kubelet restarts the container, which
/// starts with empty informers and must LIST Services and EndpointSlices again through the API server.
/// Replicas are also lost with their node (eviction) and replaced through the scheduler.
/// Memory (coredns/deployment kubernetes/Scaling_CoreDNS.md, default settings): (pods + services) × 0.000858 +
/// 49.1 MB once synced; while an informer that had synced relists, the list it decodes is held next to the old
/// store until it replaces it (client-go reflector: another (pods + services) × 0.000858 MB). Over the memory
/// limit, the container is OOM-killed and restarted like a liveness failure. The limit, unless the scenario
/// sets one, is what the guide tells operators to set: its estimate for the cluster plus some headroom, never
/// below the stock manifest's 170Mi. A relist adds the whole store at once, so in a large cluster, where the
/// store is most of the estimate, any headroom short of ~70% is overrun; in a small one it is noise.
/// A container that dies is started again by the kubelet after its CrashLoopBackOff (none for the first crash, then
/// 10 s doubling to 5 min, starting over after 10 min of running or with a new pod: Etcd.CrashLoopDelay) and 5 s to
/// start (LeaderElector.ProcessStartTicks: the image is on the node).
/// Left out: CoreDNS's own `cache` plugin (a restarted replica's cache is empty anyway, and a synced one
/// answers from its informer).
/// </summary>
public sealed class CoreDns : IEventHandler
{
    private const int ContainerStartKind = 0, ProbeKind = 1;

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly DataPlane _dp;
    private readonly DataPlaneConfig _cfg;
    private readonly int _firstPod, _replicas;
    private readonly ApiClient[] _clients;
    private readonly InformerCalls _svcCalls, _epsCalls;
    private readonly Informer?[] _services, _slices;
    private readonly bool[] _up, _warm;
    private readonly long[] _startedAt;
    private readonly long[] _crashDelay, _lastCrashAt;   // each replica's CrashLoopBackOff (Etcd.CrashLoopDelay)
    private readonly int[] _probeFailures, _generation;
    private readonly double[] _queriesThisSecond, _queriesThisPeriod, _offeredQps, _answeredShare;
    private readonly double[] _offeredOverPeriod;
    private readonly double[] _bucketQueries, _bucketNoError, _bucketServfail;   // the 10 s bucket's, per replica
    private long _memoryLimit;

    public CoreDns(Simulation sim, ApiServerSet api, DataPlane dp, DataPlaneConfig cfg, int firstPod, int replicas)
    {
        _sim = sim;
        _api = api;
        _dp = dp;
        _cfg = cfg;
        _firstPod = firstPod;
        _replicas = replicas;
        var id = Identity.KubeSystem("coredns");
        _svcCalls = api.DefineInformer("coredns services", id.User, id.Groups, "services", null);
        _epsCalls = api.DefineInformer("coredns endpointslices", id.User, id.Groups, "endpointslices", null);
        _clients = new ApiClient[replicas];
        for (int r = 0; r < replicas; r++) _clients[r] = api.CreateClient(5, 10); // docs/sources.md §3: client-go defaults
        _services = new Informer?[replicas];
        _slices = new Informer?[replicas];
        _up = new bool[replicas];
        _warm = new bool[replicas];
        _startedAt = new long[replicas];
        _crashDelay = new long[replicas];
        _lastCrashAt = new long[replicas];
        Array.Fill(_lastCrashAt, -1);
        _probeFailures = new int[replicas];
        _generation = new int[replicas];
        _queriesThisSecond = new double[replicas];
        _queriesThisPeriod = new double[replicas];
        _offeredQps = new double[replicas];
        _offeredOverPeriod = new double[replicas];
        _answeredShare = new double[replicas];
        _bucketQueries = new double[replicas];
        _bucketNoError = new double[replicas];
        _bucketServfail = new double[replicas];
        Array.Fill(_answeredShare, 1.0);
        _memoryLimit = cfg.CoreDnsMemoryLimitBytes;
    }

    private const double MiB = 1 << 20;
    private const double StockMemoryLimit = 170 * MiB;         // coredns/deployment and kubeadm manifests: limits.memory 170Mi

    /// <summary>The memory limit of each replica (0 = none).</summary>
    public long MemoryLimitBytes => _memoryLimit;

    /// <summary>Scaling_CoreDNS.md (default settings): the informer stores take (pods + services) × 0.000858 MB.</summary>
    private double StoreBytes()
    {
        double objects = (_api.Resources.Find("pods")?.Count ?? 0) + (_api.Resources.Find("services")?.Count ?? 0);
        return objects * 0.000858 * MiB;
    }

    /// <summary>Scaling_CoreDNS.md's estimate for the cluster now: the stores plus 49.1 MB (a full answer cache and buffers).</summary>
    public double GuideEstimateBytes() => StoreBytes() + 49.1 * MiB;

    public int Replicas => _replicas;
    public long OomKills { get; private set; }

    /// <summary>Memory of replica <paramref name="r"/> now, by the CoreDNS scaling guide's formula.</summary>
    public double MemoryBytes(int r)
    {
        if (!_up[r]) return 0;
        double perStore = StoreBytes();
        double mem = 49.1 * MiB;                                   // Scaling_CoreDNS.md: + 49.1 MB (answer cache, buffers)
        if (_services[r]!.HasSynced || _slices[r]!.HasSynced) mem += perStore;
        if ((_services[r]!.HasSynced && _services[r]!.IsListing) || (_slices[r]!.HasSynced && _slices[r]!.IsListing))
            mem += perStore;                                       // the relist's decoded answer next to the store
        return mem;
    }
    public long Restarts { get; private set; }
    public double QueriesPerSecond { get; private set; }
    public double PeakQueriesPerSecond { get; private set; }

    /// <summary>Replica of tracked pod <paramref name="pod"/>, or −1.</summary>
    public int ReplicaOf(int pod) => pod >= _firstPod && pod < _firstPod + _replicas ? pod - _firstPod : -1;

    /// <summary>The replica's container runs and its informers have synced (or it was synced before the run): it answers cluster names.</summary>
    public bool Answering(int r) => _up[r] && _services[r]!.HasSynced && _slices[r]!.HasSynced;

    /// <summary>Queries replica <paramref name="r"/> received in the last whole second.</summary>
    public double OfferedQps(int r) => _offeredQps[r];

    /// <summary>Share of the queries the replica received last second that it answered (1 under capacity).</summary>
    public double AnsweredShare(int r) => _answeredShare[r];

    public int AnsweringCount
    {
        get
        {
            int n = 0;
            for (int r = 0; r < _replicas; r++) if (Answering(r)) n++;
            return n;
        }
    }

    /// <summary>The replicas already running when the run starts: synced, answering.</summary>
    public void StartWarm()
    {
        if (_memoryLimit == DataPlaneConfig.CoreDnsMemoryLimitFromGuide)
            _memoryLimit = (long)Math.Max(StockMemoryLimit, (1 + _cfg.CoreDnsMemoryHeadroom) * GuideEstimateBytes());
        for (int r = 0; r < _replicas; r++)
        {
            _warm[r] = true;
            StartContainer(r);
        }
        _sim.Schedule(_cfg.LivenessPeriodTicks, this, ProbeKind);
    }

    /// <summary>A replica's pod is Running on a node: its container starts (cold).</summary>
    public void OnPodRunning(int pod)
    {
        int r = ReplicaOf(pod);
        if (r < 0) return;
        _warm[r] = false;
        (_crashDelay[r], _lastCrashAt[r]) = (0, -1);   // a new pod: the kubelet's back-off is per pod
        StartContainer(r);
    }

    /// <summary>The replica's pod was deleted: its container is gone.</summary>
    public void OnPodGone(int pod)
    {
        int r = ReplicaOf(pod);
        if (r < 0) return;
        StopContainer(r);
    }

    private void StartContainer(int r)
    {
        _up[r] = true;
        _startedAt[r] = _sim.Now;
        _probeFailures[r] = 0;
        int g = ++_generation[r];
        var rng = _sim.Random.Stream($"{_api.Cluster}/coredns/{r}", g);
        _services[r] = new Informer(_sim, _api, _clients[r], _svcCalls, rng);
        _slices[r] = new Informer(_sim, _api, _clients[r], _epsCalls, rng);
        if (_warm[r])
        {
            // Running before the run started: synced long ago, only the watches are re-opened.
            _services[r]!.StartSynced((long)(rng.NextDouble() * SimTime.TicksPerSecond));
            _slices[r]!.StartSynced((long)(rng.NextDouble() * SimTime.TicksPerSecond));
            return;
        }
        _services[r]!.Start(0);
        _slices[r]!.Start(0);
    }

    private void StopContainer(int r)
    {
        _up[r] = false;
        _warm[r] = false;
        _services[r]?.Stop();
        _slices[r]?.Stop();
        _dp.Lifecycle.SetPodReady(_firstPod + r, false);
    }

    /// <summary>Counts one query arriving at replica <paramref name="r"/>.</summary>
    public void Count(int r, double queries)
    {
        _queriesThisSecond[r] += queries;
    }

    /// <summary>Once a second: offered load, the share answered, readiness of replicas that synced.</summary>
    public void Tick()
    {
        double total = 0;
        for (int r = 0; r < _replicas; r++)
        {
            double q = _queriesThisSecond[r];
            _queriesThisSecond[r] = 0;
            _queriesThisPeriod[r] += q;
            _offeredQps[r] = q;
            _answeredShare[r] = q > _cfg.CoreDnsCapacityQps ? _cfg.CoreDnsCapacityQps / q : 1.0;
            total += q;
            if (_up[r])
            {
                // What its metrics plugin would count: every query received; a response for each one not dropped.
                _bucketQueries[r] += q;
                double answered = Math.Min(q, _cfg.CoreDnsCapacityQps);
                if (Answering(r)) _bucketNoError[r] += answered;
                else _bucketServfail[r] += answered;
            }
            int pod = _firstPod + r;
            if (_memoryLimit > 0 && _up[r] && MemoryBytes(r) > _memoryLimit)
            {
                OomKills++;
                RestartContainer(r, $"OOM-killed ({MemoryBytes(r) / MiB:F0} MiB over its {_memoryLimit / MiB:F0} MiB limit)");
                continue;
            }
            // /ready passes once the kubernetes plugin has synced; the kubelet writes it as the pod's Ready condition.
            if (_up[r] && Answering(r) && !_dp.Pods.WantReady[pod]) _dp.Lifecycle.SetPodReady(pod, true);
        }
        QueriesPerSecond = total;
        PeakQueriesPerSecond = Math.Max(PeakQueriesPerSecond, total);
    }

    /// <summary>The 10 s bucket's queries and responses per replica, and each replica's memory now; starts the next bucket.</summary>
    public CoreDnsBucket TakeBucket()
    {
        var memory = new double[_replicas];
        for (int r = 0; r < _replicas; r++) memory[r] = MemoryBytes(r);
        var bucket = new CoreDnsBucket((double[])_bucketQueries.Clone(), (double[])_bucketNoError.Clone(), (double[])_bucketServfail.Clone(), memory);
        Array.Clear(_bucketQueries);
        Array.Clear(_bucketNoError);
        Array.Clear(_bucketServfail);
        return bucket;
    }

    public void OnEvent(int kind, long arg)
    {
        if (kind == ProbeKind)
        {
            Probe();
            _sim.Schedule(_cfg.LivenessPeriodTicks, this, ProbeKind);
            return;
        }
        int r = (int)(arg & 0xFFFF);
        int generation = (int)(arg >> 16);
        if (kind == ContainerStartKind && generation == _generation[r] && !_up[r] && _dp.Pods.Phase[_firstPod + r] == PodPhase.Running)
            StartContainer(r);
    }

    /// <summary>Liveness: /health times out while the replica is over capacity; enough failures in a row and the kubelet restarts it.</summary>
    private void Probe()
    {
        double periodSeconds = SimTime.ToSeconds(_cfg.LivenessPeriodTicks);
        for (int r = 0; r < _replicas; r++)
        {
            double offered = _queriesThisPeriod[r] / periodSeconds;
            _queriesThisPeriod[r] = 0;
            _offeredOverPeriod[r] = offered;
            if (!_up[r] || _sim.Now - _startedAt[r] < _cfg.LivenessInitialDelayTicks) continue;
            if (offered > _cfg.CoreDnsCapacityQps) _probeFailures[r]++;
            else _probeFailures[r] = 0;
            if (_probeFailures[r] < _cfg.LivenessFailureThreshold) continue;
            RestartContainer(r, $"failed liveness {_probeFailures[r]} times ({offered:F0} queries/s offered, capacity {_cfg.CoreDnsCapacityQps:F0})");
        }
    }

    /// <summary>The kubelet restarts the replica's container (liveness failure, OOM kill, crash): it comes back after the restart delay with empty informers.</summary>
    public void RestartContainer(int r, string why)
    {
        if (!_up[r]) return;
        Restarts++;
        _dp.Note("coredns-restart", $"coredns-{r} container restarted: {why}");
        StopContainer(r);
        long delay = LeaderElector.ProcessStartTicks + Etcd.CrashLoopDelay(_sim.Now, _startedAt[r], ref _crashDelay[r], ref _lastCrashAt[r]);
        _sim.Schedule(delay, this, ContainerStartKind, ((long)_generation[r] << 16) | (uint)r);
    }
}
