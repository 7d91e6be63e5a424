using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.Cluster;

// Stands for: what depends on the control plane in one cluster, carried down to user-visible errors
// (docs/sources.md §4–§6): kubelets' pod status, the node lifecycle controller, kube-scheduler and the ReplicaSet
// controller, the EndpointSlice controller and kube-proxy, CoreDNS behind the kube-dns Service and the DNS
// caches, and the products users call. Each of those is its own file; this one builds them for the cluster,
// passes the node events of the cluster (added, registered, lost, partitioned, removed) to the ones they touch,
// ticks them once a second in a fixed order, and closes each 10 s bucket into a DataPlaneSample.
// The pods' life is PodLifecycle's, a lookup through kube-dns KubeDnsService's, what users see of the products
// ProductMeasurement's.
// Keeps: one clock for the data plane (kube-proxy, EndpointSlices, the scheduler, running pods, DNS load,
// CoreDNS, the products, in that order each second). Leaves out: everything finer than a second here; the
// components keep their own timers where a second is too coarse.

/// <summary>One cluster's data plane: its components, built and ticked together, and its time series.</summary>
public sealed class DataPlane : IEventHandler
{
    private const int TickKind = 0;
    private static readonly long TickTicks = SimTime.TicksPerSecond;
    private const int BucketTicks = (int)ApiServerMetrics.BucketSeconds; // seconds a time-series bucket spans (one-second ticks)

    private readonly Simulation _sim;
    private readonly DataPlaneConfig _cfg;
    private readonly Timeline _timeline;
    private readonly int[][] _callsOfService;
    private readonly int[] _running;
    private readonly ProductMeasurement _products;
    private readonly List<DataPlaneSample> _samples = new();
    private int _ticks;

    /// <summary><paramref name="nodes"/> nodes at the start, in arrays of <paramref name="slots"/> (the most the scenario reaches; default the same).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public DataPlane(Simulation sim, ApiServerSet api, int nodes, DataPlaneConfig cfg, Kubelets? kubelets, Controllers? controllers, Timeline timeline, int slots = 0)
    {
        _sim = sim;
        _cfg = cfg;
        Api = api;
        ActiveNodes = nodes;
        nodes = Math.Max(nodes, slots);
        Nodes = nodes;
        _timeline = timeline;
        var products = cfg.Products;
        Services = new ServiceTable(products, cfg.Dns ? cfg.CoreDnsReplicas : 0);
        Pods = new PodTable(Services.TotalPods, nodes);
        _callsOfService = new int[Services.Count][];
        for (int s = 0; s < Services.Count; s++) _callsOfService[s] = s < products.Count ? products[s].Calls : Array.Empty<int>();
        _running = new int[products.Count];
        _products = new ProductMeasurement(this, products);

        Lifecycle = new PodLifecycle(sim, this, cfg, kubelets);
        Lifecycle.PlacePods(sim.Random.Stream($"{api.Cluster}/dataplane"), ActiveNodes);
        kubelets?.AttachPods(Pods, Lifecycle);
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
            ReplicaSets = new ReplicaSetController(sim, api, this, Scheduler, replicaSetClient, controllers?.ManagerPods);
        }
        if (cfg.Dns)
            CoreDns = new CoreDns(sim, api, this, cfg, Services.FirstPod[Services.KubeDns], cfg.CoreDnsReplicas);
        KubeDns = new KubeDnsService(sim, this);
        Caches = new DnsCaches(sim, this, cfg, nodes, Pods.Count, Services);
    }

    public ApiServerSet Api { get; }

    /// <summary>Node slots: the most nodes the scenario can reach.</summary>
    public int Nodes { get; }

    /// <summary>Nodes 0.. of the cluster now (the scheduler places pods among them).</summary>
    public int ActiveNodes { get; private set; }
    public PodTable Pods { get; }

    /// <summary>The tracked pods' life: placement, creation, binding, start, readiness, deletion.</summary>
    public PodLifecycle Lifecycle { get; }
    public ServiceTable Services { get; }
    public EndpointSliceController Endpoints { get; }
    public KubeProxies KubeProxies { get; }
    public NodeLifecycleController? NodeLifecycle { get; }
    public KubeScheduler? Scheduler { get; }

    /// <summary>The ReplicaSet controller replacing deleted pods (with the scheduler: the pods it creates need binding).</summary>
    public ReplicaSetController? ReplicaSets { get; }
    public CoreDns? CoreDns { get; }

    /// <summary>The kube-dns Service as each node reaches it (a lookup's way to a CoreDNS replica).</summary>
    public KubeDnsService KubeDns { get; }
    public DnsCaches Caches { get; }
    public IReadOnlyList<ProductConfig> Products => _cfg.Products;

    /// <summary>From binding to running: the kubelet pulls and starts the pod's containers.</summary>
    public long PodStartupTicks => _cfg.PodStartupTicks;
    public IReadOnlyList<DataPlaneSample> Samples => _samples;
    public IReadOnlyList<ProductSample> ProductSamples(int product) => _products.Samples(product);

    /// <summary>The data plane's time series so far as plain samples (CoreDNS's replicas, 0 without it; each product's, in order).</summary>
    public DataPlaneSamples ToSamples()
    {
        var products = new ProductSamples[_cfg.Products.Count];
        for (int p = 0; p < products.Length; p++) products[p] = new ProductSamples(_cfg.Products[p].Name, _products.Samples(p));
        return new DataPlaneSamples(CoreDns?.Replicas ?? 0, _samples, products);
    }

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
        Lifecycle.OnContainersGone(keep, Nodes, deleteOrphans: true);
    }

    /// <summary>
    /// Nodes [<paramref name="first"/>, <paramref name="end"/>) died abruptly: their containers are gone, but the
    /// Node objects stay, so their pods are still listed — and still endpoints — until the node lifecycle
    /// controller finds the Leases stale, marks them not ready and, after the toleration, evicts them.
    /// </summary>
    public void OnNodesLost(int first, int end) => Lifecycle.OnContainersGone(first, end, deleteOrphans: false);

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

    /// <summary>Simulated time now (ticks).</summary>
    internal long Now => _sim.Now;

    /// <summary>What users see of the products (for tests).</summary>
    internal ProductMeasurement Measurement => _products;

    public void Note(string kind, string message) => _timeline.Add(SimTime.ToSeconds(_sim.Now), Api.Cluster, kind, message);

    // ---------------------------------------------------------------- the clock

    public void OnEvent(int kind, long arg)
    {
        KubeProxies.Tick(Pods);
        Endpoints.Tick();
        ReplicaSets?.Tick();
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
