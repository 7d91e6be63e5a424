using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>What a fault breaks.</summary>
public enum FaultKind
{
    /// <summary>API server replicas restart: connections drop, requests in flight fail, watches break, each comes back with a cold cache.</summary>
    RestartApiServers,
    /// <summary>API server replicas die (their machine is gone) and come back only after the fault's duration, if one is given.</summary>
    KillApiServers,
    /// <summary>etcd members die: with a quorum left, a leader election and less capacity; without one, etcd is down.</summary>
    KillEtcd,
    /// <summary>CoreDNS replicas restart: each comes back with empty informers and answers SERVFAIL until they sync.</summary>
    RestartCoreDns,
    /// <summary>kube-controller-manager's leader dies: no controller runs until a new leader has the lease, then its informers list.</summary>
    RestartControllerManager,
    /// <summary>kube-scheduler's leader dies: no pod is scheduled until a new leader has the lease, then its informers list.</summary>
    RestartScheduler,
    /// <summary>A workload's pods restart, all at once or rolling with maxUnavailable; each new pod's informers list.</summary>
    RestartPods,
    /// <summary>A share of the nodes loses its network to the control plane for a while; containers keep running.</summary>
    PartitionNodes,
    /// <summary>A share of the nodes dies abruptly; their objects stay until the node lifecycle controller acts.</summary>
    LoseNodes,
}

/// <summary>One fault of the scenario, resolved to model units.</summary>
public sealed record PlannedFault(
    FaultKind Kind,
    string Name,
    IReadOnlyList<string> Clusters,
    Trigger When,
    int Replicas,
    long? DurationTicks,
    string Workload,
    PodBudget MaxUnavailable,
    double Fraction);

/// <summary>
/// Fault injection: each fault fires when its trigger does, on every cluster it names, and acts as its real
/// counterpart fails (docs/model.md, "Faults"). What follows — clients reconnecting, informers relisting,
/// caches warming, leases expiring — is the model's ordinary behaviour, not part of the fault. Each
/// injection is in the timeline.
/// </summary>
public sealed class Faults : IEventHandler
{
    /// <summary>A pod's restart: termination and a new container from a cached image (assumption, docs/model.md "Faults").</summary>
    public static readonly long PodRestartTicks = SimTime.FromSeconds(5);

    /// <summary>A partition lasts this long unless the fault says (assumption).</summary>
    public static readonly long PartitionTicks = SimTime.FromMinutes(5);

    private readonly FleetModel _fleet;
    private readonly PlannedFault[] _faults;
    private readonly TriggeredSteps _steps;

    public Faults(FleetModel fleet, IReadOnlyList<PlannedFault> faults)
    {
        _fleet = fleet;
        _faults = faults.ToArray();
        _steps = new TriggeredSteps(fleet.Sim, _faults.Select(f => f.When).ToList(), this, 0);
    }

    /// <summary>Faults that have fired, per fault, for the report.</summary>
    public IReadOnlyList<PlannedFault> Planned => _faults;

    public void Start() => _steps.Start();
    public void OnDetected() => _steps.OnDetected();
    public void OnRolloutHalted() => _steps.OnRolloutHalted();

    /// <summary>Its steps and what starts them.</summary>
    internal TriggeredSteps Steps => _steps;

    public void OnEvent(int kind, long arg)
    {
        var f = _faults[arg];
        foreach (var c in _fleet.Clusters)
            if (ClusterPattern.Matches(f.Clusters, c.Name))
                _fleet.Log(c.Name, "fault", $"{Label(f)}: {Inject(c, f)}");
    }

    private static string Label(PlannedFault f) => f.Name.Length > 0 ? $"{f.Kind} '{f.Name}'" : f.Kind.ToString();

    private static string Inject(ClusterModel c, PlannedFault f)
    {
        switch (f.Kind)
        {
            case FaultKind.RestartApiServers:
            case FaultKind.KillApiServers:
            {
                bool restart = f.Kind == FaultKind.RestartApiServers;
                long down = f.DurationTicks ?? (restart ? c.Api.Config.RestartTicks : 0);
                int n = Count(f.Replicas, c.Api.ReplicaCount), hit = 0;
                for (int r = 0; r < c.Api.ReplicaCount && hit < n; r++)
                    if (c.Api.StopReplica(r, down, restart ? "restarted by a fault" : "killed by a fault")) hit++;
                return $"{hit} of {c.Api.ReplicaCount} API server replicas {(restart ? "restarted" : "killed")}";
            }
            case FaultKind.KillEtcd:
            {
                var etcd = c.Api.Etcd;
                int members = Count(f.Replicas, etcd.MembersUp);
                etcd.KillMembers(members, f.DurationTicks ?? etcd.Config.RestartTicks);
                return $"{members} of {etcd.Config.Members} etcd members killed";
            }
            case FaultKind.RestartCoreDns:
            {
                var dns = c.DataPlane!.CoreDns!;
                int n = Count(f.Replicas, dns.Replicas);
                for (int r = 0; r < n; r++) dns.RestartContainer(r, "restarted by a fault");
                return $"{n} of {dns.Replicas} CoreDNS replicas restarted";
            }
            case FaultKind.RestartControllerManager:
            case FaultKind.RestartScheduler:
            {
                bool scheduler = f.Kind == FaultKind.RestartScheduler;
                long down = f.DurationTicks ?? LeaderElector.ProcessStartTicks;
                var elector = scheduler ? c.Controllers!.SchedulerElector : c.Controllers!.Manager;
                elector.Kill(down);
                return $"{(scheduler ? "kube-scheduler" : "kube-controller-manager")}'s leader killed: a process runs again in {SimTime.ToSeconds(down):F0} s and takes the lease once it has expired";
            }
            case FaultKind.RestartPods:
            {
                var w = c.FindWorkload(f.Workload)!.Workload;
                if (!w.Running) return $"{w.Name} is not running: nothing restarted";
                int budget = f.MaxUnavailable.Resolve(w.Pods), running = w.PodsRunning;
                new PodRestarts(c, w, budget, f.DurationTicks ?? PodRestartTicks).Start();
                return budget >= w.Pods ? $"all {running} pods of {w.Name} restarted at once" : $"{w.Name} restarting {budget} pods at a time";
            }
            case FaultKind.PartitionNodes:
            {
                int count = NodesHit(c, f.Fraction);
                long duration = f.DurationTicks ?? PartitionTicks;
                int first = c.PartitionNodes(count, duration);
                return $"nodes {first}–{first + count - 1} ({count}) cut off from the control plane for {SimTime.ToMinutes(duration):F1} min";
            }
            case FaultKind.LoseNodes:
                return $"{c.LoseNodes(NodesHit(c, f.Fraction))} nodes lost";
            default:
                throw new ArgumentOutOfRangeException(nameof(f));
        }
    }

    private static int Count(int asked, int available) => asked <= 0 ? available : Math.Min(asked, available);

    private static int NodesHit(ClusterModel c, double fraction) => (int)Math.Ceiling(Math.Min(c.Nodes, c.ActiveNodes) * fraction);
}

/// <summary>
/// A rolling update's maxUnavailable: a count ("25") or a share of the pods ("10%"), rounded up and at least
/// one, as the DaemonSet controller scales it (pkg/controller/daemon/util UnavailableCount: roundUp true).
/// </summary>
public readonly record struct PodBudget(int Count, double Percent)
{
    public int Resolve(int pods) => Math.Max(1, Count > 0 ? Count : (int)Math.Ceiling(pods * Percent / 100.0 - 1e-9));

    public static bool TryParse(string text, out PodBudget budget)
    {
        budget = default;
        text = text.Trim();
        if (text.EndsWith('%'))
        {
            if (!double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double p) || p <= 0 || p > 100)
                return false;
            budget = new PodBudget(0, p);
            return true;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n <= 0) return false;
        budget = new PodBudget(n, 0);
        return true;
    }
}
