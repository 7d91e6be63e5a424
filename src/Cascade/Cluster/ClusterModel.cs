using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.Cluster;

/// <summary>One Kubernetes cluster in a simulation: its control plane and the clients that load it.</summary>
public class ClusterModel : INodeRegistrationListener
{
    private const int ReplicaSetBurst = 500;        // pkg/controller/replicaset/replica_set.go BurstReplicas
    private const int JobBurst = 500;               // pkg/controller/job/job_controller.go MaxPodCreateDeletePerSync
    private const int DaemonSetBurst = 250;         // pkg/controller/daemon/daemon_controller.go BurstReplicas

    private ApiClient? _replicaSetClient, _jobClient, _daemonSetClient;
    private PodWave?[]? _daemonSets;
    private int _registering, _growthAdded;
    private long _growthStartedAt;

    /// <param name="nodeSlots">The most nodes the scenario can reach (its scale-ups); default <paramref name="nodes"/>.</param>
    public ClusterModel(Simulation sim, string name, int nodes, ApiServerSet api, Timeline timeline, int nodeSlots = 0)
    {
        Sim = sim;
        Timeline = timeline;
        Name = name;
        Nodes = nodes;
        NodeSlots = Math.Max(nodes, nodeSlots);
        ActiveNodes = nodes;
        Api = api;
    }

    /// <summary>This cluster's own event kernel: clusters run side by side between the fleet's synchronisation points.</summary>
    public Simulation Sim { get; }

    /// <summary>What the fleet read off this cluster at moments it has run past (SignalReader, FleetModel's lookahead).</summary>
    internal SignalReadings Readings { get; } = new();

    /// <summary>What happened in this cluster (merged with the fleet's at the end of the run).</summary>
    public Timeline Timeline { get; }

    public string Name { get; }

    public void Log(string kind, string message) => Timeline.Add(SimTime.ToSeconds(Sim.Now), Name, kind, message);
    /// <summary>Nodes at the start.</summary>
    public int Nodes { get; }

    /// <summary>The most nodes the scenario can reach: kubelets, DaemonSet pods and node arrays are sized to it.</summary>
    public int NodeSlots { get; }
    public ApiServerSet Api { get; }
    public Kubelets? Kubelets { get; set; }
    public Controllers? Controllers { get; set; }
    public DataPlane? DataPlane { get; set; }
    public List<DeployedWorkload> Workloads { get; } = new();

    /// <summary>Services backed by workloads' pods: their Endpoints and EndpointSlice writes.</summary>
    public List<ServiceEndpoints> Services { get; } = new();

    /// <summary>The cluster's time series so far as plain samples, with the names their arrays are indexed by: what the writers of Results read.</summary>
    public ClusterSamples ToSamples()
    {
        var levels = new string[Api.Levels];
        for (int l = 0; l < levels.Length; l++) levels[l] = Api.LevelName(l);
        return new ClusterSamples(Name, levels, Api.ReplicaSlots, Api.Metrics.Samples, DataPlane?.ToSamples())
        {
            ApiServerMemoryLimitBytes = Api.Config.MemoryBytes,
        };
    }

    /// <summary>Nodes the node lifecycle controller holds NotReady/Unknown now (0 without a data plane).</summary>
    public virtual double NodesNotReady => DataPlane?.NodeLifecycle?.NotReady ?? 0;

    /// <summary>Error rate of the products this cluster serves, over the last bucket (0 without products).</summary>
    public virtual double ProductErrorRate => DataPlane?.LastErrorRate ?? 0;

    /// <summary>Moves this share of the cluster's product traffic to other clusters (no-op without products).</summary>
    public virtual void ShiftTrafficAway(double fraction) => DataPlane?.ShiftTrafficAway(fraction);

    /// <summary>Removes nodes <paramref name="keep"/>.. (scale-down): their kubelets and per-node pods stop, and their pods leave the object counts.</summary>
    public virtual int RemoveNodesFrom(int keep)
    {
        int removed = 0, before = ActiveNodes;
        for (int n = keep; n < NodeSlots; n++)
        {
            if (n >= before && Kubelets is null) break;
            if (Kubelets is { } k)
            {
                if (k.NodeRemoved(n)) continue;
                k.RemoveNode(n);
            }
            foreach (var d in Workloads)
                if (d.PerNode && n < d.Workload.Pods) d.Workload.StopPod(n);
            removed++;
        }
        ActiveNodes = Math.Min(ActiveNodes, keep);
        DataPlane?.OnNodesRemoved(keep);
        var pods = Api.Resources.Find("pods");
        if (pods is not null && before > 0) pods.Count = (long)Math.Round(pods.Count * (keep / (double)before));
        // With kubelets, each removed node's Node and Lease objects went with it; without, the count is set.
        var nodes = Api.Resources.Find("nodes");
        if (nodes is not null && Kubelets is null) nodes.Count = keep;
        return removed;
    }

    /// <summary>
    /// The last <paramref name="count"/> nodes still in the cluster lose their network to the control plane for
    /// <paramref name="durationTicks"/>: kubelets, kube-proxies and per-node pods keep running, but their requests
    /// get no answer and their watches end; after it heals they reach the API servers again. Returns the first node hit.
    /// </summary>
    public int PartitionNodes(int count, long durationTicks)
    {
        var (first, end) = LastNodes(count);
        SetPartitioned(first, end, true);
        Sim.Schedule(durationTicks, new Heal(this, first, end), 0);
        return first;
    }

    private sealed class Heal(ClusterModel cluster, int first, int end) : IEventHandler
    {
        public void OnEvent(int kind, long arg)
        {
            cluster.SetPartitioned(first, end, false);
            cluster.Log("fault", $"partition healed: nodes {first}–{end - 1} reach the control plane again");
        }
    }

    // Nodes a network block of the admin API cuts off (blockApiAccess from: nodes): [_blockedFirst, _blockedEnd), lifted from the first on.
    private int _blockedFirst, _blockedEnd;

    /// <summary>Nodes still cut off by a network block of the admin API (nodes scaled away since are not counted).</summary>
    public int BlockedNodes => Math.Max(0, Math.Min(_blockedEnd, ActiveNodes) - _blockedFirst);

    /// <summary>
    /// A network block in front of the API servers cuts off every node in the cluster, as a partition does with no
    /// end: kubelets, kube-proxies and per-node pods keep running on what they last saw. Returns the nodes cut off.
    /// </summary>
    public int BlockNodes()
    {
        if (BlockedNodes > 0) SetPartitioned(_blockedFirst, _blockedEnd, false);
        (_blockedFirst, _blockedEnd) = (0, ActiveNodes);
        SetPartitioned(_blockedFirst, _blockedEnd, true);
        return BlockedNodes;
    }

    /// <summary>Lets the next <paramref name="count"/> blocked nodes reach the API servers again; returns how many.</summary>
    public int UnblockNodes(int count)
    {
        int let = Math.Min(BlockedNodes, Math.Max(0, count));
        SetPartitioned(_blockedFirst, _blockedFirst + let, false);
        _blockedFirst += let;
        return let;
    }

    private void SetPartitioned(int first, int end, bool partitioned)
    {
        for (int n = first; n < end; n++)
        {
            if (Kubelets is { } k && !k.NodeRemoved(n)) k.SetPartitioned(n, partitioned);
            // Every DaemonSet slot of the node, running or not: a pod its controller creates there later is cut off too.
            foreach (var d in Workloads)
                if (d.PerNode && n < d.Workload.Pods) d.Workload.SetPodPartitioned(n, partitioned);
        }
        DataPlane?.OnNodesPartitioned(first, end, partitioned);
    }

    /// <summary>
    /// The last <paramref name="count"/> nodes still in the cluster die abruptly (a zone or a rack lost): their
    /// kubelets and containers stop, but their Node and pod objects stay until the node lifecycle controller
    /// acts on the stale Leases. Returns how many were lost.
    /// </summary>
    public int LoseNodes(int count)
    {
        var (first, end) = LastNodes(count);
        int lost = 0;
        for (int n = first; n < end; n++)
        {
            if (Kubelets is { } k)
            {
                if (k.NodeRemoved(n)) continue;
                k.NodeDied(n);
            }
            foreach (var d in Workloads)
                if (d.PerNode && n < d.Workload.Pods) d.Workload.StopPod(n);
            lost++;
        }
        DataPlane?.OnNodesLost(first, end);
        return lost;
    }

    private (int First, int End) LastNodes(int count)
    {
        int end = ActiveNodes;
        return (Math.Max(0, end - count), end);
    }

    /// <summary>Nodes in the cluster now (scale-ups add some, scale-downs remove some).</summary>
    public int ActiveNodes { get; private set; }

    /// <summary>
    /// Adds nodes up to <paramref name="target"/> (at most <see cref="NodeSlots"/>), all at once: each machine boots
    /// and its kubelet registers (Node, then Lease) and starts its pod informer; once registered, the node is judged
    /// by the node lifecycle controller, its kube-proxy lists and watches, and each DaemonSet gets a pod on it.
    /// Returns the nodes added.
    /// </summary>
    public virtual int AddNodes(int target)
    {
        target = Math.Min(target, NodeSlots);
        int from = ActiveNodes;
        if (target <= from) return 0;
        ActiveNodes = target;
        DataPlane?.OnNodesAdded(target);
        _registering += target - from;
        _growthAdded = target - from;
        _growthStartedAt = Sim.Now;
        for (int n = from; n < target; n++)
        {
            if (Kubelets is { } k) k.AddNode(n);
            else
            {
                Api.Resources.GetOrAdd("nodes").Count++;
                OnNodeRegistered(n);
            }
        }
        return target - from;
    }

    /// <summary>An added node's Node object landed: the controllers and DaemonSets see it.</summary>
    public void OnNodeRegistered(int node)
    {
        DataPlane?.OnNodeRegistered(node);
        for (int d = 0; d < Workloads.Count; d++)
            if (Workloads[d].PerNode) DaemonSet(d).WantOn(node);
        if (_registering > 0 && --_registering == 0)
            Log("nodes", $"{_growthAdded:N0} added nodes registered in {SimTime.ToSeconds(Sim.Now - _growthStartedAt):F1} s; {ActiveNodes:N0} nodes");
    }

    /// <summary>
    /// A rollout applies the workload now: its controller creates its pods through the API server — the DaemonSet
    /// controller one per node, the ReplicaSet controller its replicas — at the controller's client rate and in
    /// slow-start batches; each pod starts its calls and informers once bound and started. A large DaemonSet
    /// takes minutes to be everywhere, and longer when the API server it loads slows its own creation.
    /// </summary>
    public void Deploy(DeployedWorkload d)
    {
        var w = d.Workload;
        if (w.Running) return;
        w.StopAllPods();
        w.Start();
        if (!d.PerNode)
        {
            ScaleWorkload(d, w.Pods);
            return;
        }
        int index = Workloads.IndexOf(d);
        for (int n = 0; n < Math.Min(ActiveNodes, w.Pods); n++)
            if (Kubelets is null || !Kubelets.NodeRemoved(n)) DaemonSet(index).WantOn(n);
    }

    /// <summary>The DaemonSet controller's wave for a per-node workload once it was rolled out (for the tests: its counts).</summary>
    internal PodWave? DaemonSetWave(DeployedWorkload d) => _daemonSets?[Workloads.IndexOf(d)];

    private PodWave DaemonSet(int d)
    {
        _daemonSets ??= new PodWave?[Workloads.Count];
        _daemonSetClient ??= Api.ControllerManagerClient(); // docs/model.md "Growth and churn"
        var w = Workloads[d].Workload;
        return _daemonSets[d] ??= new PodWave(this, "daemonset-controller", $"daemonset {w.Name}", _daemonSetClient, DaemonSetBurst, w, daemonSet: true);
    }

    /// <summary>
    /// Scales a Deployment to <paramref name="replicas"/>: the ReplicaSet controller creates (slow start) or deletes the
    /// difference through the API server; created pods are bound by the scheduler and started by their kubelets.
    /// </summary>
    public PodWave? ScaleWorkload(DeployedWorkload d, int replicas)
    {
        var w = d.Workload;
        int from = w.Replicas;
        replicas = Math.Min(replicas, w.Pods);
        if (replicas == from) return null;
        _replicaSetClient ??= DataPlane?.ReplicaSets?.Client ?? Api.ControllerManagerClient();
        var wave = new PodWave(this, "replicaset-controller", $"scaled {w.Name} from {from:N0} to {replicas:N0}", _replicaSetClient, ReplicaSetBurst, w, daemonSet: false);
        if (replicas > from) wave.Want(replicas - from);
        else wave.Delete(from - replicas);
        return wave;
    }

    /// <summary>Starts a Job of <paramref name="pods"/> pods run at once: the Job controller creates them (slow start), the scheduler binds them.</summary>
    public PodWave RunJob(string name, int pods)
    {
        _jobClient ??= Api.ControllerManagerClient();
        var wave = new PodWave(this, "job-controller", $"job {name} of {pods:N0} pods", _jobClient, JobBurst, null, daemonSet: false);
        wave.Want(pods);
        return wave;
    }

    /// <summary>After a successful `kubectl delete`, the garbage collector deletes the workload's pods through the API server.</summary>
    public void DeletePodsThroughApi(string workload)
    {
        var w = FindWorkload(workload);
        if (w is null) return;
        int d = Workloads.IndexOf(w);
        if (_daemonSets is { } sets && sets[d] is { } wave) wave.End(); // its controller stops creating pods
        var deleter = new GarbageCollector(this, w.Workload);
        deleter.Start();
    }

    public DeployedWorkload? FindWorkload(string name)
    {
        foreach (var w in Workloads) if (w.Workload.Name == name) return w;
        return null;
    }

    /// <summary>Schedules everything to start; workloads start at their own start times.</summary>
    public void Start()
    {
        var sim = Sim;
        if (Kubelets is { } k) k.Listener = this;
        Kubelets?.Start();
        Controllers?.Start();
        DataPlane?.Start();
        foreach (var s in Services) s.Start();
        foreach (var d in Workloads)
        {
            if (d.StartAt is not { } at) continue; // started by a rollout
            if (at <= sim.Now) d.Workload.Start(d.RunningBefore);
            else sim.Schedule(at - sim.Now, new StartAction(d.Workload), 0);
        }
    }

    private sealed class StartAction(Workload w) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => w.Start();
    }
}

/// <summary>A workload in a cluster, with its start time (null: a rollout starts it) and its pods' own resource use.</summary>
public sealed class DeployedWorkload
{
    private readonly Simulation _sim;
    private long _sampledAt;
    private double _cpuPerPod;

    public DeployedWorkload(Simulation sim, Workload workload, long? startAt, double baseCpu, double baseMemoryBytes, double decodeBytesPerSecond, bool perNode)
    {
        PerNode = perNode;
        _sim = sim;
        Workload = workload;
        StartAt = startAt;
        BaseCpu = baseCpu;
        BaseMemoryBytes = baseMemoryBytes;
        DecodeBytesPerSecond = decodeBytesPerSecond;
        _cpuPerPod = baseCpu;
    }

    public Workload Workload { get; }
    public long? StartAt { get; }

    /// <summary>Running before the run began: its informers synced long ago.</summary>
    public bool RunningBefore { get; init; }
    public bool PerNode { get; }
    public double BaseCpu { get; }
    public double BaseMemoryBytes { get; }
    public double DecodeBytesPerSecond { get; }

    /// <summary>Cores per pod: at rest plus decoding what it received since the last reading.</summary>
    public double CpuPerPod
    {
        get
        {
            double seconds = SimTime.ToSeconds(_sim.Now - _sampledAt);
            if (seconds >= 1)
            {
                double bytes = Workload.TakeBytesReceived();
                int pods = Math.Max(1, Workload.PodsRunning);
                _cpuPerPod = BaseCpu + bytes / pods / DecodeBytesPerSecond / seconds;
                _sampledAt = _sim.Now;
            }
            return _cpuPerPod;
        }
    }

    /// <summary>Bytes per pod: at rest plus its largest response held decoded (≈ 2× its size).</summary>
    public double MemoryPerPodBytes => BaseMemoryBytes + 2.0 * Workload.LargestResponseBytes;
}
