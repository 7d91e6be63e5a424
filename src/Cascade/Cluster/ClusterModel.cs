using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.Cluster;

/// <summary>One Kubernetes cluster in a simulation: its control plane and the clients that load it.</summary>
public sealed class ClusterModel
{
    public ClusterModel(string name, int nodes, ApiServerSet api)
    {
        Name = name;
        Nodes = nodes;
        Api = api;
    }

    public string Name { get; }
    public int Nodes { get; }
    public ApiServerSet Api { get; }
    public Kubelets? Kubelets { get; set; }
    public Controllers? Controllers { get; set; }
    public DataPlane? DataPlane { get; set; }
    public List<(Workload Workload, long StartAt)> Workloads { get; } = new();

    /// <summary>Schedules everything to start; workloads start at their own start times.</summary>
    public void Start(Simulation sim)
    {
        Kubelets?.Start();
        Controllers?.Start();
        DataPlane?.Start();
        foreach (var (w, at) in Workloads)
        {
            if (at <= sim.Now) w.Start();
            else sim.Schedule(at - sim.Now, new StartAction(w), 0);
        }
    }

    private sealed class StartAction(Workload w) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => w.Start();
    }
}
