using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.Cluster;

/// <summary>One Kubernetes cluster in a simulation: its control plane and the clients that load it.</summary>
public class ClusterModel
{
    public ClusterModel(Simulation sim, string name, int nodes, ApiServerSet api, Timeline timeline)
    {
        Sim = sim;
        Timeline = timeline;
        Name = name;
        Nodes = nodes;
        Api = api;
    }

    /// <summary>This cluster's own event kernel: clusters run side by side between the fleet's synchronisation points.</summary>
    public Simulation Sim { get; }

    /// <summary>What happened in this cluster (merged with the fleet's at the end of the run).</summary>
    public Timeline Timeline { get; }

    public string Name { get; }

    public void Log(string kind, string message) => Timeline.Add(SimTime.ToSeconds(Sim.Now), Name, kind, message);
    public int Nodes { get; }
    public ApiServerSet Api { get; }
    public Kubelets? Kubelets { get; set; }
    public Controllers? Controllers { get; set; }
    public DataPlane? DataPlane { get; set; }
    public List<DeployedWorkload> Workloads { get; } = new();

    /// <summary>Services backed by workloads' pods: their Endpoints and EndpointSlice writes.</summary>
    public List<ServiceEndpoints> Services { get; } = new();

    /// <summary>Nodes the node lifecycle controller holds NotReady/Unknown now (0 without a data plane).</summary>
    public virtual double NodesNotReady => DataPlane?.NodeLifecycle?.NotReady ?? 0;

    /// <summary>Error rate of the products this cluster serves, over the last bucket (0 without products).</summary>
    public virtual double ProductErrorRate => DataPlane?.LastErrorRate ?? 0;

    /// <summary>Moves this share of the cluster's product traffic to other clusters (no-op without products).</summary>
    public virtual void ShiftTrafficAway(double fraction) => DataPlane?.ShiftTrafficAway(fraction);

    /// <summary>Removes nodes <paramref name="keep"/>.. (scale-down): their kubelets and per-node pods stop, and their pods leave the object counts.</summary>
    public virtual int RemoveNodesFrom(int keep)
    {
        int removed = 0;
        for (int n = keep; n < Nodes; n++)
        {
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
        if (pods is not null) pods.Count = (long)Math.Round(pods.Count * (keep / (double)Nodes));
        var nodes = Api.Resources.Find("nodes");
        if (nodes is not null) nodes.Count = keep;
        return removed;
    }

    /// <summary>Nodes still in the cluster (scale-downs remove some).</summary>
    public int ActiveNodes { get; private set; } = int.MaxValue;

    /// <summary>After a successful `kubectl delete`, the garbage collector deletes the workload's pods through the API server.</summary>
    public void DeletePodsThroughApi(string workload)
    {
        var w = FindWorkload(workload);
        if (w is null) return;
        var deleter = new PodDeleter(this, w.Workload);
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
        Kubelets?.Start();
        Controllers?.Start();
        DataPlane?.Start();
        foreach (var s in Services) s.Start();
        foreach (var d in Workloads)
        {
            if (d.StartAt is not { } at) continue; // started by a rollout
            if (at <= sim.Now) d.Workload.Start();
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
