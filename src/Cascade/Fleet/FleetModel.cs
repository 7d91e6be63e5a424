using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.Fleet;

/// <summary>
/// The clusters of one simulation and what couples them: the rollout that walks through them, the alerts
/// that watch them, and the people who act on them. All clusters share one event kernel, so their
/// interleaving is fixed by simulated time alone.
/// </summary>
public sealed class FleetModel
{
    public FleetModel(Simulation sim, Timeline timeline)
    {
        Sim = sim;
        Timeline = timeline;
    }

    public Simulation Sim { get; }
    public Timeline Timeline { get; }
    public List<ClusterModel> Clusters { get; } = new();
    public Rollout? Rollout { get; set; }
    public Alerts? Alerts { get; set; }
    public Remediation? Remediation { get; set; }

    /// <summary>When the first alert fired (the incident's detection), ticks; null before.</summary>
    public long? DetectedAt => Alerts?.FirstFiredAt;

    public ClusterModel? Find(string name)
    {
        foreach (var c in Clusters) if (c.Name == name) return c;
        return null;
    }

    public void Start()
    {
        foreach (var c in Clusters) c.Start(Sim);
        Rollout?.Start();
        Alerts?.Start();
        Remediation?.Start();
    }

    public void Log(string cluster, string kind, string message) =>
        Timeline.Add(SimTime.ToSeconds(Sim.Now), cluster, kind, message);
}
