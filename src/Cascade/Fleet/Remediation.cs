using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>One step of a playbook, resolved to model units.</summary>
public sealed record PlannedAction(
    ActionKind Kind,
    string Name,
    IReadOnlyList<string> Clusters,
    long? AtTicks,
    long? AfterHaltTicks,
    long AfterDetectionTicks,
    long DurationTicks,
    Identity Identity,
    long RetryEveryTicks,
    long TimeoutTicks,
    double KeepFraction,
    IReadOnlyList<string> Workloads,
    int Replicas,
    double CpuCores,
    long MemoryBytes,
    long PerNodeTicks,
    int Parallelism,
    double Fraction,
    int? Nodes = null,
    int Pods = 0,
    int ClustersAtOnce = 0,
    BlockSource From = BlockSource.Workloads,
    long EveryTicks = 0)
{
    /// <summary>An absolute time, else a delay after a halt, else the reaction time after detection.</summary>
    public Trigger When => new(AtTicks, AtTicks is null ? AfterHaltTicks : null, AtTicks is null && AfterHaltTicks is null ? AfterDetectionTicks : null);
}

/// <summary>
/// The people's playbook: each action starts at a set time, a delay after the rollout halts (automation) or
/// a reaction time after detection, takes its own time, and acts on the clusters it names. What each does is what its real counterpart does:
/// a rollback is `kubectl delete` through the API server (classified by APF like anyone's request, so it
/// times out while the control plane is saturated, and after it succeeds the garbage collector still has
/// to delete every pod through the API server); blocking network access makes a workload's requests never
/// arrive (from the named workloads, or from every client on the nodes), and lifting it lets them back, at once or
/// a share at a time; scaling nodes down removes kubelets and pods; scaling API servers adds replicas (cold) or
/// resizes them; break-glass removes the change node by node without the API server. Every outcome goes
/// in the timeline.
/// </summary>
public sealed class Remediation : IEventHandler
{
    private const int Begin = 0, Effect = 1;

    private readonly FleetModel _fleet;
    private readonly PlannedAction[] _actions;
    private readonly string? _change;
    private readonly List<RollbackAttempt> _rollbacks = new();
    private readonly List<BreakGlassJob> _breakGlass = new();
    private readonly List<LiftBlock> _lifts = new();

    private readonly TriggeredSteps _steps;

    public Remediation(FleetModel fleet, IReadOnlyList<PlannedAction> actions, string? change)
    {
        _fleet = fleet;
        _actions = actions.ToArray();
        _change = change;
        _steps = new TriggeredSteps(fleet.Sim, _actions.Select(a => a.When).ToList(), this, Begin);
    }

    /// <summary>The playbook's steps as built (tests read them).</summary>
    internal IReadOnlyList<PlannedAction> Actions => _actions;

    public void Start() => _steps.Start();

    /// <summary>Detection happened: actions keyed to it start after their reaction time.</summary>
    public void OnDetected() => _steps.OnDetected();

    /// <summary>A gate halted the rollout: actions keyed to that (an automated abort) start after their delay.</summary>
    public void OnRolloutHalted() => _steps.OnRolloutHalted();

    /// <summary>Its steps and what starts them.</summary>
    internal TriggeredSteps Steps => _steps;

    /// <summary>Batch <paramref name="batch"/> of the clusters the action names: all of them, or its share when people work on a few clusters at a time.</summary>
    private IEnumerable<(int Index, ClusterModel Cluster)> Targets(PlannedAction a, int batch)
    {
        int k = 0;
        for (int i = 0; i < _fleet.Clusters.Count; i++)
        {
            if (!ClusterPattern.Matches(a.Clusters, _fleet.Clusters[i].Name)) continue;
            if (a.ClustersAtOnce <= 0 || k++ / a.ClustersAtOnce == batch) yield return (i, _fleet.Clusters[i]);
        }
    }

    private int Batches(PlannedAction a)
    {
        if (a.ClustersAtOnce <= 0) return 1;
        int n = 0;
        foreach (var c in _fleet.Clusters) if (ClusterPattern.Matches(a.Clusters, c.Name)) n++;
        return Math.Max(1, (n + a.ClustersAtOnce - 1) / a.ClustersAtOnce);
    }

    private IReadOnlyList<string> WorkloadsOf(PlannedAction a) =>
        a.Workloads.Count > 0 ? a.Workloads : _change is null ? Array.Empty<string>() : new[] { _change };

    // An event's argument: the action's index, and the batch of clusters it is at (people working on a few at a time).
    private const int BatchShift = 20;

    public void OnEvent(int kind, long arg)
    {
        var a = _actions[arg & ((1 << BatchShift) - 1)];
        int batch = (int)(arg >> BatchShift);
        switch (kind)
        {
            case Begin:
            {
                var names = Targets(a, batch).Select(t => t.Cluster.Name).ToList();
                _fleet.Log("*", "action", $"{Label(a)} started on {(a.ClustersAtOnce > 0 ? string.Join(", ", names) : string.Join(", ", a.Clusters))}");
                if (batch + 1 < Batches(a)) _fleet.Sim.Schedule(BatchTicks(a), this, Begin, arg + (1L << BatchShift)); // then the next clusters
                if (a.Kind == ActionKind.Rollback) StartRollbacks(a, batch);
                else if (a.Kind == ActionKind.BreakGlass) StartBreakGlass(a, batch);
                else if (a.Kind == ActionKind.ScaleApiServers)
                {
                    foreach (var (_, c) in Targets(a, batch))
                        if (a.Replicas > c.Api.ReplicaCount) c.Api.ScaleOut(a.Replicas, Math.Max(1, a.DurationTicks));
                    _fleet.Sim.Schedule(a.DurationTicks, this, Effect, arg);
                }
                else _fleet.Sim.Schedule(a.DurationTicks, this, Effect, arg);
                break;
            }
            case Effect:
                TakeEffect(a, batch);
                break;
        }
    }

    /// <summary>
    /// How long people spend on one batch of clusters before the next: the action's duration, and for lifting a
    /// block a share at a time, the lifting too (they let one cluster's nodes back before they start on the next).
    /// </summary>
    private static long BatchTicks(PlannedAction a) =>
        a.Kind == ActionKind.UnblockApiAccess ? a.DurationTicks + (LiftSteps(a.Fraction) - 1) * a.EveryTicks : a.DurationTicks;

    /// <summary>Steps that lift a whole block, letting back <paramref name="fraction"/> of it at each.</summary>
    internal static int LiftSteps(double fraction) => Math.Max(1, (int)Math.Ceiling(1 / fraction - 1e-9));

    private static string Label(PlannedAction a) => a.Name.Length > 0 ? $"{a.Kind} '{a.Name}'" : a.Kind.ToString();

    private void TakeEffect(PlannedAction a, int batch)
    {
        foreach (var (_, c) in Targets(a, batch))
        {
            switch (a.Kind)
            {
                case ActionKind.ScaleNodes:
                {
                    int from = c.ActiveNodes;
                    int target = a.Nodes ?? (int)Math.Ceiling(from * a.KeepFraction);
                    if (target > from)
                    {
                        int added = c.AddNodes(target);
                        _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: added {added:N0} nodes ({from:N0} → {c.ActiveNodes:N0}); their kubelets register");
                        break;
                    }
                    int removed = c.RemoveNodesFrom(target);
                    _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: {removed} nodes removed, {target} kept");
                    break;
                }
                case ActionKind.ScaleWorkload:
                    foreach (var name in WorkloadsOf(a))
                        if (c.FindWorkload(name) is { } w)
                        {
                            int from = w.Workload.Replicas;
                            var wave = c.ScaleWorkload(w, a.Replicas);
                            _fleet.Log(c.Name, "action", wave is null
                                ? $"{Label(a)}: {name} already has {from:N0} replicas"
                                : $"{Label(a)} started: {name} from {from:N0} to {a.Replicas:N0} replicas, through the ReplicaSet controller");
                        }
                    break;
                case ActionKind.RunJob:
                    c.RunJob(a.Name.Length > 0 ? a.Name : "job", a.Pods);
                    _fleet.Log(c.Name, "action", $"{Label(a)} started: a Job of {a.Pods:N0} pods, through the Job controller");
                    break;
                case ActionKind.BlockApiAccess when a.From == BlockSource.Nodes:
                {
                    int blocked = c.BlockNodes();
                    _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: {blocked:N0} nodes cut off from the API servers (kubelets, kube-proxies, per-node pods)");
                    break;
                }
                case ActionKind.UnblockApiAccess:
                {
                    var lift = new LiftBlock(c, a, WorkloadsOf(a), Label(a));
                    _lifts.Add(lift);
                    c.Sim.Schedule(0, lift, 0);
                    break;
                }
                case ActionKind.BlockApiAccess:
                {
                    int blocked = 0;
                    foreach (var name in WorkloadsOf(a))
                        if (c.FindWorkload(name) is { } w)
                            foreach (var client in w.Workload.Clients) { client.Blocked = true; blocked++; }
                    _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: {blocked} clients of {string.Join(", ", WorkloadsOf(a))} cut off from the API servers");
                    break;
                }
                case ActionKind.ScaleApiServers:
                    c.Api.Resize(a.CpuCores, a.MemoryBytes);
                    _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: {c.Api.ReplicaCount} replicas" +
                        (a.CpuCores > 0 ? $", {a.CpuCores} cores" : "") + (a.MemoryBytes > 0 ? $", {a.MemoryBytes / (double)(1L << 30):F0} GiB" : "") + " each");
                    break;
                case ActionKind.ShiftTraffic:
                    c.ShiftTrafficAway(a.Fraction);
                    _fleet.Log(c.Name, "action", $"{Label(a)} succeeded: {a.Fraction:P0} of its product traffic moved to other clusters");
                    break;
            }
        }
    }

    // ---------------------------------------------------------------- lifting a block

    /// <summary>
    /// Lifting a network block in one cluster: each step lets back `fraction` of what the block cut off when the
    /// lifting began (nodes in node order, or the workloads' clients), `every` apart, so that their reconnecting
    /// clients (relists after a long cut are consistent LISTs from etcd) arrive in waves the control plane can take.
    /// </summary>
    private sealed class LiftBlock(ClusterModel cluster, PlannedAction action, IReadOnlyList<string> workloads, string label) : IEventHandler
    {
        private bool ByNodes => action.From == BlockSource.Nodes;
        private int _step, _total = -1;

        public void OnEvent(int kind, long arg)
        {
            if (_total < 0) _total = Blocked();
            _step++;
            int step = _total == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(_total * action.Fraction));
            int let = 0;
            if (ByNodes) let = cluster.UnblockNodes(step);
            else
                foreach (var client in BlockedClients().Take(step).ToList()) { client.Blocked = false; let++; }
            int left = Blocked();
            string what = ByNodes ? "nodes" : $"clients of {string.Join(", ", workloads)}";
            cluster.Log("action", $"{label}: step {_step}, {let:N0} {what} reach the API servers again" +
                (left > 0 ? $"; {left:N0} still cut off" : "; the block is lifted"));
            if (left > 0) cluster.Sim.Schedule(Math.Max(1, action.EveryTicks), this, 0);
        }

        private int Blocked() => ByNodes ? cluster.BlockedNodes : BlockedClients().Count();

        private IEnumerable<ApiClient> BlockedClients()
        {
            foreach (var name in workloads)
                if (cluster.FindWorkload(name) is { } w)
                    foreach (var client in w.Workload.Clients)
                        if (client.Blocked) yield return client;
        }
    }

    // ---------------------------------------------------------------- rollback through the API server

    /// <summary>One cluster's rollback: it lives in that cluster's kernel (answers and retries happen on the cluster's thread).</summary>
    private sealed class RollbackAttempt(ClusterModel cluster, PlannedAction action, string workload, ApiClient client, ApiCall call) : IApiCaller, IEventHandler
    {
        public readonly ClusterModel Cluster = cluster;
        public readonly PlannedAction Action = action;
        public readonly string Workload = workload;
        public readonly ApiClient Client = client;
        public readonly ApiCall Call = call;
        public int Attempts;
        public long StartedAt;
        public bool Done;

        public void Send()
        {
            Attempts++;
            Cluster.Api.Send(Client, Call, this, 0);
        }

        public void OnEvent(int kind, long arg) => Send();

        public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
        {
            if (Done) return;
            if (outcome == RequestOutcome.Ok)
            {
                Done = true;
                double minutes = SimTime.ToMinutes(Cluster.Sim.Now - StartedAt);
                Cluster.Log("action", $"rollback of {Workload} succeeded after {Attempts} attempt(s), {minutes:F1} min; the garbage collector now deletes its pods");
                Cluster.DeletePodsThroughApi(Workload);
                return;
            }
            Cluster.Log("action", $"rollback of {Workload} failed: {Describe(outcome)} (attempt {Attempts}); retrying in {SimTime.ToMinutes(Action.RetryEveryTicks):F0} min");
            Cluster.Sim.Schedule(Action.RetryEveryTicks, this, 0);
        }
    }

    private void StartRollbacks(PlannedAction a, int batch)
    {
        foreach (var (_, c) in Targets(a, batch))
            foreach (var name in WorkloadsOf(a))
            {
                var w = c.FindWorkload(name);
                if (w is null || !w.Workload.Running) continue; // not deployed here (a DaemonSet whose pods are still starting is)
                var client = c.Api.CreateClient(5, 10, a.TimeoutTicks, maxRetries: 10); // kubectl: client-go defaults
                var call = c.Api.DefineCall("kubectl delete daemonset", a.Identity.User, a.Identity.Groups, "delete", "daemonsets", w.Workload.Namespace);
                var attempt = new RollbackAttempt(c, a, name, client, call) { StartedAt = c.Sim.Now };
                _rollbacks.Add(attempt);
                c.Sim.Schedule(0, attempt, 0);
            }
    }

    private static string Describe(RequestOutcome o) => o switch
    {
        RequestOutcome.TooManyRequests => "429 Too Many Requests",
        RequestOutcome.ServerTimeout => "504 request timed out",
        RequestOutcome.ClientTimeout => "kubectl gave up waiting",
        RequestOutcome.Unavailable => "no API server answered",
        _ => o.ToString(),
    };

    // ---------------------------------------------------------------- break-glass

    /// <summary>Removing the change node by node without the API server, on the cluster's own kernel.</summary>
    private sealed class BreakGlassJob(ClusterModel cluster, DeployedWorkload workload, PlannedAction action, long startedAt) : IEventHandler
    {
        public readonly ClusterModel Cluster = cluster;
        public readonly DeployedWorkload Workload = workload;
        public readonly PlannedAction Action = action;
        public readonly long StartedAt = startedAt;
        public int Next;

        public void OnEvent(int kind, long arg)
        {
            var w = Workload.Workload;
            int done = 0;
            while (Next < w.Pods && done < Action.Parallelism)
            {
                if (!w.PodStopped(Next)) { w.StopPod(Next); done++; }
                Next++;
            }
            if (Next < w.Pods)
            {
                Cluster.Sim.Schedule(Action.PerNodeTicks, this, 0);
                return;
            }
            Cluster.Log("action", $"break-glass removed {w.Name} from every node without the API server in {SimTime.ToMinutes(Cluster.Sim.Now - StartedAt):F1} min");
        }
    }

    private void StartBreakGlass(PlannedAction a, int batch)
    {
        foreach (var (_, c) in Targets(a, batch))
            foreach (var name in WorkloadsOf(a))
                if (c.FindWorkload(name) is { } w && w.Workload.PodsRunning > 0)
                {
                    var job = new BreakGlassJob(c, w, a, c.Sim.Now);
                    _breakGlass.Add(job);
                    c.Sim.Schedule(a.PerNodeTicks, job, 0);
                }
    }
}
