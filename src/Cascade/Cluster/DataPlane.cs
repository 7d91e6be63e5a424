using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>One 10 s bucket of one product: user requests, the ones that failed, and why.</summary>
public sealed record ProductSample(double TimeSeconds, double Requests, double Errors, double DnsFailure, double RouteFailure)
{
    public double ErrorRate => Requests > 0 ? Errors / Requests : 0;
}

/// <summary>One 10 s bucket of a cluster's data plane, sampled at its end.</summary>
public sealed record DataPlaneSample(double TimeSeconds, int NodesNotReady, int NodesTainted, int PendingPods,
    int CoreDnsAnswering, double CoreDnsQps, int FailingCacheEntries, int KubeProxiesWatching, CoreDnsBucket? CoreDns = null);

/// <summary>
/// One 10 s bucket of CoreDNS's own metrics, per replica: queries received, answered NOERROR (synced) or SERVFAIL
/// (not synced); the rest were dropped past capacity. Queries are a rate the model integrates, so counts are fractional.
/// Memory is the replica's at the bucket's end (0 while it is not running).
/// </summary>
public sealed record CoreDnsBucket(double[] Queries, double[] NoError, double[] ServFail, double[] MemoryBytes);

/// <summary>
/// What depends on the control plane in one cluster, carried down to user-visible errors (docs/sources.md §4–§6):
/// kubelets' pod status, the node lifecycle controller, the scheduler and ReplicaSets, EndpointSlices and
/// kube-proxy, CoreDNS and the DNS caches, and the products users call. This class places the tracked pods,
/// carries a pod through its life (created → bound → starting → running → deleted) between those
/// components, and ticks them once a second; what users see of the products is measured by
/// <see cref="ProductMeasurement"/>.
/// </summary>
public sealed class DataPlane : IEventHandler, IPodStatusListener
{
    private const int TickKind = 0, PodRunningKind = 1;
    private static readonly long TickTicks = SimTime.TicksPerSecond;
    private const int BucketTicks = (int)ApiServerMetrics.BucketSeconds; // seconds a time-series bucket spans (one-second ticks)

    private readonly Simulation _sim;
    private readonly DataPlaneConfig _cfg;
    private readonly Kubelets? _kubelets;
    private readonly Timeline _timeline;
    private readonly RandomStream _rng;
    private readonly int[][] _callsOfService;
    private readonly int[] _running;
    private readonly ProductMeasurement _products;
    private readonly List<DataPlaneSample> _samples = new();
    private int _ticks;

    /// <summary><paramref name="nodes"/> nodes at the start, in arrays of <paramref name="slots"/> (the most the scenario reaches; default the same).</summary>
    public DataPlane(Simulation sim, ApiServerSet api, int nodes, DataPlaneConfig cfg, Kubelets? kubelets, Controllers? controllers, Timeline timeline, int slots = 0)
    {
        _sim = sim;
        _cfg = cfg;
        Api = api;
        ActiveNodes = nodes;
        nodes = Math.Max(nodes, slots);
        Nodes = nodes;
        _kubelets = kubelets;
        _timeline = timeline;
        _rng = sim.Random.Stream($"{api.Cluster}/dataplane");
        var products = cfg.Products;
        Services = new ServiceTable(products, cfg.Dns ? cfg.CoreDnsReplicas : 0);
        Pods = new PodTable(Services.TotalPods, nodes);
        _callsOfService = new int[Services.Count][];
        for (int s = 0; s < Services.Count; s++) _callsOfService[s] = s < products.Count ? products[s].Calls : Array.Empty<int>();
        _running = new int[products.Count];
        _products = new ProductMeasurement(this, products);

        PlacePods();
        kubelets?.AttachPods(Pods, this);
        Endpoints = new EndpointSliceController(sim, api, Pods, Services, controllers?.ManagerPods, cfg.EndpointSliceWorkers);
        KubeProxies = new KubeProxies(sim, api, ActiveNodes, cfg.KubeProxy, nodes);
        Endpoints.Watchers = KubeProxies;
        if (cfg.NodeLifecycle && kubelets is not null)
        {
            NodeLifecycle = new NodeLifecycleController(sim, api, this, cfg, kubelets, controllers);
            if (controllers is not null) controllers.ManagerStartedLeading = NodeLifecycle.OnLeaderStarted;
        }
        if (cfg.Scheduler)
        {
            Scheduler = new KubeScheduler(sim, api, this, cfg, controllers?.SchedulerPods, controllers?.SchedulerClient, out var replicaSetClient);
            ReplicaSets = new ReplicaSetController(sim, api, this, Scheduler, replicaSetClient);
        }
        if (cfg.Dns)
            CoreDns = new CoreDns(sim, api, this, cfg, Services.FirstPod[Services.KubeDns], cfg.CoreDnsReplicas);
        Caches = new DnsCaches(sim, this, cfg, nodes, Pods.Count, Services);
    }

    public ApiServerSet Api { get; }

    /// <summary>Node slots: the most nodes the scenario can reach.</summary>
    public int Nodes { get; }

    /// <summary>Nodes 0.. of the cluster now (the scheduler places pods among them).</summary>
    public int ActiveNodes { get; private set; }
    public PodTable Pods { get; }
    public ServiceTable Services { get; }
    public EndpointSliceController Endpoints { get; }
    public KubeProxies KubeProxies { get; }
    public NodeLifecycleController? NodeLifecycle { get; }
    public KubeScheduler? Scheduler { get; }

    /// <summary>The ReplicaSet controller replacing deleted pods (with the scheduler: the pods it creates need binding).</summary>
    public ReplicaSetController? ReplicaSets { get; }
    public CoreDns? CoreDns { get; }
    public DnsCaches Caches { get; }
    public IReadOnlyList<ProductConfig> Products => _cfg.Products;

    /// <summary>From binding to running: the kubelet pulls and starts the pod's containers.</summary>
    public long PodStartupTicks => _cfg.PodStartupTicks;
    public IReadOnlyList<DataPlaneSample> Samples => _samples;
    public IReadOnlyList<ProductSample> ProductSamples(int product) => _products.Samples(product);

    /// <summary>Error rate of the cluster's product requests over the last 10 s bucket (request-weighted).</summary>
    public double LastErrorRate => _products.LastErrorRate;

    /// <summary>Moves <paramref name="fraction"/> of the cluster's remaining product traffic elsewhere (a traffic shift).</summary>
    public void ShiftTrafficAway(double fraction) => _products.ShiftTrafficAway(fraction);

    /// <summary>
    /// Nodes <paramref name="keep"/>.. were deleted (a scale-down): their containers are gone at once; the pod
    /// garbage collector deletes their pods through the API server, which frees their ReplicaSets to replace them.
    /// </summary>
    public void OnNodesRemoved(int keep)
    {
        ActiveNodes = Math.Min(ActiveNodes, keep);
        for (int n = keep; n < Nodes; n++)
        {
            Pods.OtherPods[n] = 0;
            KubeProxies.RemoveNode(n);
        }
        NodeLifecycle?.OnNodesRemoved(keep);
        ContainersGone(keep, Nodes, deleteOrphans: true);
    }

    /// <summary>
    /// Nodes [<paramref name="first"/>, <paramref name="end"/>) died abruptly: their containers are gone, but the
    /// Node objects stay, so their pods are still listed — and still endpoints — until the node lifecycle
    /// controller finds the Leases stale, marks them not ready and, after the toleration, evicts them.
    /// </summary>
    public void OnNodesLost(int first, int end) => ContainersGone(first, end, deleteOrphans: false);

    private void ContainersGone(int first, int end, bool deleteOrphans)
    {
        for (int pod = 0; pod < Pods.Count; pod++)
        {
            int node = Pods.Node[pod];
            if (node < first || node >= end || Pods.Phase[pod] == PodPhase.Gone) continue;
            if (Pods.Phase[pod] == PodPhase.Running && Pods.Service[pod] < _cfg.Products.Count)
                Caches.OnPodRunning(pod, node, running: false, warm: false);
            Pods.Phase[pod] = PodPhase.Lost;
            Pods.Changed();
            CoreDns?.OnPodGone(pod);
            if (deleteOrphans) NodeLifecycle?.DeleteOrphan(pod);
        }
    }

    /// <summary>Nodes [<paramref name="first"/>, <paramref name="end"/>) are cut off from the control plane, or joined again.</summary>
    public void OnNodesPartitioned(int first, int end, bool partitioned)
    {
        for (int n = first; n < end; n++) KubeProxies.SetPartitioned(n, partitioned);
        Caches.OnNodesPartitioned(first, end, partitioned);
    }

    /// <summary>Nodes up to <paramref name="count"/> were added: the scheduler may pick them once they register.</summary>
    public void OnNodesAdded(int count) => ActiveNodes = Math.Max(ActiveNodes, count);

    /// <summary>Node <paramref name="n"/> registered: it is judged by the node lifecycle controller, its kube-proxy lists and watches; it runs no pods yet.</summary>
    public void OnNodeRegistered(int n)
    {
        Pods.OtherPods[n] = 0;
        NodeLifecycle?.OnNodeAdded(n);
        KubeProxies.AddNode(n);
    }

    /// <summary>First time a lookup sent to CoreDNS went unanswered (SERVFAIL, dropped, or no endpoint), in seconds.</summary>
    public double? DnsFailureAtSeconds { get; private set; }

    private void PlacePods()
    {
        // Each Deployment's replicas land on nodes drawn at random (the spread of a scheduler with many fits).
        for (int s = 0; s < Services.Count; s++)
            for (int i = 0; i < Services.Replicas[s]; i++)
            {
                int pod = Services.FirstPod[s] + i;
                Pods.Service[pod] = s;
                Pods.Node[pod] = _rng.NextInt(ActiveNodes);
                Pods.Phase[pod] = PodPhase.Running;
                Pods.ReadyInApi[pod] = true;
                Pods.WantReady[pod] = true;
            }
        Array.Fill(Pods.OtherPods, _cfg.PodsPerNode, 0, ActiveNodes);
        for (int pod = 0; pod < Pods.Count; pod++)
            if (Pods.OtherPods[Pods.Node[pod]] > 0) Pods.OtherPods[Pods.Node[pod]]--;
    }

    public int[] CallsOf(int pod) => _callsOfService[Pods.Service[pod]];

    public int RunningPods(int product) => _running[product];

    public void Start()
    {
        Endpoints.PublishInitial();
        KubeProxies.Start();
        NodeLifecycle?.Start();
        CoreDns?.StartWarm();
        for (int pod = 0; pod < Pods.Count; pod++)
            if (Pods.Service[pod] < _cfg.Products.Count) Caches.OnPodRunning(pod, Pods.Node[pod], running: true, warm: true);
        Caches.StartWarm();
        _sim.Schedule(TickTicks, this, TickKind);
    }

    public void Note(string kind, string message) => _timeline.Add(SimTime.ToSeconds(_sim.Now), Api.Cluster, kind, message);

    // ---------------------------------------------------------------- a pod's life

    public void SetPodReady(int pod, bool ready)
    {
        if (Pods.Node[pod] < 0) return;
        if (_kubelets is not null)
        {
            _kubelets.SetPodReady(pod, ready);
            return;
        }
        Pods.WantReady[pod] = ready;
        if (Pods.ReadyInApi[pod] == ready) return;
        Pods.ReadyInApi[pod] = ready;
        OnPodStatusWritten(pod);
    }

    public void OnPodStatusWritten(int pod) => Endpoints.OnPodChanged(Pods.Service[pod]);

    /// <summary>The pod's deletion landed: its containers stop, its endpoint goes, its ReplicaSet replaces it.</summary>
    public void OnPodDeleted(int pod)
    {
        if (Pods.Phase[pod] == PodPhase.Running && Pods.Node[pod] >= 0 && Pods.Service[pod] < _cfg.Products.Count)
            Caches.OnPodRunning(pod, Pods.Node[pod], running: false, warm: false);
        Pods.Phase[pod] = PodPhase.Gone;
        Pods.ReadyInApi[pod] = false;
        Pods.WantReady[pod] = false;
        Pods.Changed();
        CoreDns?.OnPodGone(pod);
        Endpoints.OnPodChanged(Pods.Service[pod]);
        ReplicaSets?.Recreate(pod);
    }

    public void OnOtherPodDeleted(int node)
    {
        Pods.OtherPods[node]--;
        ReplicaSets?.RecreateOther();
    }

    /// <summary>The replacement pod exists in the API server: a new incarnation, pending.</summary>
    public void OnPodCreated(int pod)
    {
        Pods.Incarnation[pod]++;
        Pods.Phase[pod] = PodPhase.Pending;
        Pods.Node[pod] = -1;
        Pods.ReadyInApi[pod] = false;
        Pods.WantReady[pod] = false;
        Pods.StatusInFlight[pod] = false;
        Pods.Changed();
    }

    public void OnPodBound(int pod, int node)
    {
        Pods.Node[pod] = node;
        Pods.Phase[pod] = PodPhase.Starting;
        Pods.Changed();
        _sim.Schedule(_cfg.PodStartupTicks, this, PodRunningKind, ((long)Pods.Incarnation[pod] << 32) | (uint)pod);
    }

    public void OnOtherPodBound(int node)
    {
        Pods.OtherPods[node]++;
        _kubelets?.PatchOtherPodStatus(node);
    }

    /// <summary>The node lifecycle controller sees the node again: its kubelet re-asserts its pods' readiness.</summary>
    public void OnNodeReadyAgain(int node)
    {
        if (_kubelets is null) return;
        for (int pod = 0; pod < Pods.Count; pod++)
            if (Pods.Node[pod] == node && Pods.Phase[pod] == PodPhase.Running && Pods.WantReady[pod] && !Pods.ReadyInApi[pod])
                _kubelets.SetPodReady(pod, true);
    }

    private void OnPodRunning(int pod, int incarnation)
    {
        if (Pods.Incarnation[pod] != incarnation || Pods.Phase[pod] != PodPhase.Starting) return;
        Pods.Phase[pod] = PodPhase.Running;
        Pods.Changed();
        if (Pods.Service[pod] < _cfg.Products.Count)
        {
            Caches.OnPodRunning(pod, Pods.Node[pod], running: true, warm: false);
            SetPodReady(pod, true);
        }
        else CoreDns?.OnPodRunning(pod);
    }

    // ---------------------------------------------------------------- DNS queries from a node

    /// <summary>
    /// A lookup leaves node <paramref name="node"/> for kube-dns: up to <paramref name="attempts"/> times, kube-proxy's
    /// rules on the node pick one of the CoreDNS endpoints it knows; the query is answered if that pod still
    /// runs, its replica answers cluster names, and it is not dropping load.
    /// </summary>
    public bool Resolve(int node, RandomStream rng, int attempts)
    {
        var core = CoreDns;
        if (core is null) return true;
        int s = Services.KubeDns, first = Services.FirstPod[s];
        int k = Endpoints.View(s, KubeProxies.SeenAt(node));
        int included = 0;
        for (int i = 0; i < core.Replicas; i++) if (Endpoints.Endpoint(s, k, i) >= 0) included++;
        if (included > 0)
        {
            for (int a = 0; a < attempts; a++)
            {
                int pick = rng.NextInt(included), j = -1;
                for (int i = 0; i < core.Replicas; i++)
                    if (Endpoints.Endpoint(s, k, i) >= 0 && pick-- == 0) { j = i; break; }
                int pod = first + j;
                bool alive = Pods.Incarnation[pod] == Endpoints.Endpoint(s, k, j) && Pods.Phase[pod] == PodPhase.Running;
                if (alive) core.Count(j, 1);
                bool ok = alive && core.Answering(j) && rng.NextDouble() < core.AnsweredShare(j);
                Caches.CountUpstream(ok);
                if (ok) return true;
            }
        }
        OnDnsFailure();
        return false;
    }

    /// <summary>Probability that one query from <paramref name="node"/> to kube-dns is answered now.</summary>
    public double AnswerProbability(int node)
    {
        var core = CoreDns;
        if (core is null) return 1;
        int s = Services.KubeDns, first = Services.FirstPod[s];
        int k = Endpoints.View(s, KubeProxies.SeenAt(node));
        int included = 0;
        double good = 0;
        for (int i = 0; i < core.Replicas; i++)
        {
            int inc = Endpoints.Endpoint(s, k, i);
            if (inc < 0) continue;
            included++;
            int pod = first + i;
            if (Pods.Incarnation[pod] == inc && Pods.Phase[pod] == PodPhase.Running && core.Answering(i)) good += core.AnsweredShare(i);
        }
        return included == 0 ? 0 : good / included;
    }

    /// <summary>Queries per second leaving <paramref name="node"/> for kube-dns, spread over the endpoints its kube-proxy knows.</summary>
    public void OfferQueries(int node, double queries)
    {
        var core = CoreDns;
        if (core is null) return;
        int s = Services.KubeDns, first = Services.FirstPod[s];
        int k = Endpoints.View(s, KubeProxies.SeenAt(node));
        int included = 0;
        for (int i = 0; i < core.Replicas; i++) if (Endpoints.Endpoint(s, k, i) >= 0) included++;
        if (included == 0) return;
        for (int i = 0; i < core.Replicas; i++)
        {
            int inc = Endpoints.Endpoint(s, k, i);
            if (inc >= 0 && Pods.Incarnation[first + i] == inc && Pods.Phase[first + i] == PodPhase.Running) core.Count(i, queries / included);
        }
    }

    public void OnDnsFailure()
    {
        if (DnsFailureAtSeconds is not null) return;
        DnsFailureAtSeconds = SimTime.ToSeconds(_sim.Now);
        Note("dns-failure", "a lookup of a cluster name went unanswered by CoreDNS (SERVFAIL, dropped, or no endpoint)");
    }

    // ---------------------------------------------------------------- the clock

    public void OnEvent(int kind, long arg)
    {
        if (kind == PodRunningKind)
        {
            OnPodRunning((int)(arg & 0xFFFFFFFF), (int)(arg >> 32));
            return;
        }
        KubeProxies.Tick(Pods);
        Endpoints.Tick();
        Scheduler?.Tick();
        CountRunning();
        Caches.TickDirectLoad();
        CoreDns?.Tick();
        _products.Sample(SimTime.ToSeconds(TickTicks));
        if (++_ticks % BucketTicks == 0) Flush();
        _sim.Schedule(TickTicks, this, TickKind);
    }

    private void CountRunning()
    {
        Array.Clear(_running);
        for (int pod = 0; pod < Pods.Count; pod++)
        {
            int s = Pods.Service[pod];
            if (s < _running.Length && Pods.Phase[pod] == PodPhase.Running) _running[s]++;
        }
    }

    private void Flush()
    {
        double t = SimTime.ToSeconds(_sim.Now);
        _products.Flush(t, BucketTicks);
        _samples.Add(new DataPlaneSample(t, NodeLifecycle?.NotReady ?? 0, NodeLifecycle?.Tainted ?? 0, Scheduler?.Pending ?? 0,
            CoreDns?.AnsweringCount ?? 0, CoreDns?.QueriesPerSecond ?? 0, Caches.FailingNodeEntries, KubeProxies.Watching, CoreDns?.TakeBucket()));
    }
}
