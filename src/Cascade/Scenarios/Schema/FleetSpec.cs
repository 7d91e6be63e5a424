using Cascade.Fleet;
using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>A change applied to the fleet in waves, with gates that can halt it.</summary>
public sealed class RolloutSpec
{
    /// <summary>The workload (declared under `workloads`) that the rollout applies; it starts in a cluster when its wave reaches it.</summary>
    [Required] public string Change { get; set; } = "";
    [ZeroAllowed] public Duration StartAt { get; set; }
    public List<WaveSpec> Waves { get; set; } = new();
    public List<GateSpec> Gates { get; set; } = new();
}

public sealed class WaveSpec
{
    /// <summary>Cluster names or glob patterns (`prod-*`).</summary>
    public List<string> Clusters { get; set; } = new();

    /// <summary>Time between this wave's start and the next wave's.</summary>
    [ZeroAllowed] public Duration Bake { get; set; } = Duration.FromSeconds(300);
}

/// <summary>A health check on the clusters reached so far: past the threshold for the whole duration, the rollout halts.</summary>
public sealed class GateSpec
{
    public Signal Signal { get; set; }
    public double Threshold { get; set; }
    [ZeroAllowed] public Duration For { get; set; } = Duration.FromSeconds(120);
}

/// <summary>An alert rule, Prometheus style: the signal above the threshold for `for`, on any cluster matching.</summary>
public sealed class AlertSpec
{
    [Required] public string Name { get; set; } = "";
    public Signal Signal { get; set; }
    public double Threshold { get; set; }
    [ZeroAllowed] public Duration For { get; set; } = Duration.FromSeconds(120);
    public List<string> Clusters { get; set; } = new() { "*" };
}

/// <summary>When an action starts: at a time, a delay after the rollout halts (an automated abort), or a delay after detection (the first alert), on the clusters matching.</summary>
public sealed class ActionSpec : IValidatable
{
    public ActionKind Action { get; set; }
    public string Name { get; set; } = "";
    public List<string> Clusters { get; set; } = new() { "*" };

    /// <summary>Absolute start time; otherwise `afterHalt` or `afterDetection` applies.</summary>
    [ZeroAllowed] public Duration? At { get; set; }

    /// <summary>
    /// Start this long after a gate halts the rollout, as progressive-delivery tools abort and roll back on
    /// a failed analysis; the action does not run if the rollout never halts. Otherwise `afterDetection` applies.
    /// </summary>
    [ZeroAllowed] public Duration? AfterHalt { get; set; }

    /// <summary>Human reaction time after the first alert fires.</summary>
    [ZeroAllowed] public Duration AfterDetection { get; set; } = Duration.FromSeconds(900);

    /// <summary>How long the action takes to take effect once started (drain, provisioning, typing).</summary>
    [ZeroAllowed] public Duration Duration { get; set; }

    /// <summary>Rollback: who runs `kubectl delete` (an ordinary user is global-default; group system:masters is exempt).</summary>
    public IdentitySpec Identity { get; set; } = new() { User = "oncall-engineer" };

    /// <summary>Rollback: a failed attempt is tried again after this long.</summary>
    public Duration RetryEvery { get; set; } = Duration.FromSeconds(300);

    /// <summary>Rollback: kubectl's request timeout (assumption: engineers give up on a hung command after a minute).</summary>
    public Duration Timeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>ScaleNodes: the share of nodes kept (when `nodes` is not given).</summary>
    [Range(0, 1)] public double KeepFraction { get; set; } = 0.5;

    /// <summary>ScaleNodes: the node count after scaling; above today's count adds nodes (they register through the API server), below removes them.</summary>
    [Range(0, 1_000_000)] public int? Nodes { get; set; }

    /// <summary>BlockApiAccess / BreakGlass / ScaleWorkload: the workloads whose pods are cut off, removed or scaled (default: the rollout's change).</summary>
    public List<string> Workloads { get; set; } = new();

    /// <summary>ScaleApiServers: replicas after scaling (0 = unchanged; at most 64). ScaleWorkload: the Deployment's replicas after scaling.</summary>
    [Range(0, 1_000_000)] public int Replicas { get; set; }

    /// <summary>RunJob: the Job's pods, all run at once (parallelism = completions).</summary>
    [Range(0, 1_000_000)] public int Pods { get; set; }

    /// <summary>ScaleApiServers: cores per replica after scaling (0 = unchanged).</summary>
    [Range(0, 1024)] public double CpuCores { get; set; }

    /// <summary>ScaleApiServers: memory per replica after scaling (0 = unchanged).</summary>
    public Quantity Memory { get; set; }

    /// <summary>BreakGlass: time to remove the change from one node without the API server.</summary>
    [ZeroAllowed] public Duration PerNode { get; set; } = Duration.FromSeconds(30);

    /// <summary>BreakGlass: nodes worked on at once.</summary>
    [Range(1, 100_000)] public int Parallelism { get; set; } = 50;

    /// <summary>
    /// Clusters worked on at a time (0 = all at once): people take the matching clusters in their order, a few
    /// at a time, each batch taking `duration` before they move on to the next.
    /// </summary>
    [Range(0, 100_000)] public int ClustersAtOnce { get; set; }

    /// <summary>ShiftTraffic: share of the products' traffic moved away from the matching clusters. UnblockApiAccess: share of what the block cut off let back at each step.</summary>
    [Range(0, 1)] public double Fraction { get; set; } = 1;

    /// <summary>
    /// BlockApiAccess / UnblockApiAccess: `workloads` (the named workloads' pods; default) or `nodes` (every
    /// client running on the nodes: kubelets, kube-proxies and per-node pods, as a firewall rule in front of the
    /// API servers' load balancer would; the control plane's own components and people's kubectl still get through).
    /// </summary>
    public BlockSource From { get; set; }

    /// <summary>UnblockApiAccess: time between two steps of lifting the block (with `fraction` below 1); above 0, which <see cref="Validate"/> says for that action alone.</summary>
    [ZeroAllowed] public Duration Every { get; set; } = Duration.FromSeconds(60);

    /// <summary>
    /// The fields only some actions read (docs/scenario-format.md, "its fields"), each with those actions, as
    /// <c>Remediation</c> reads them; the others (when, where, `duration`, `clustersAtOnce`, `name`) are every action's.
    /// </summary>
    private static readonly (string Field, ActionKind[] ReadBy)[] OwnFields =
    [
        (nameof(Identity), [ActionKind.Rollback]),
        (nameof(RetryEvery), [ActionKind.Rollback]),
        (nameof(Timeout), [ActionKind.Rollback]),
        (nameof(KeepFraction), [ActionKind.ScaleNodes]),
        (nameof(Nodes), [ActionKind.ScaleNodes]),
        (nameof(Workloads), [ActionKind.Rollback, ActionKind.BlockApiAccess, ActionKind.UnblockApiAccess, ActionKind.ScaleWorkload, ActionKind.BreakGlass]),
        (nameof(Replicas), [ActionKind.ScaleApiServers, ActionKind.ScaleWorkload]),
        (nameof(Pods), [ActionKind.RunJob]),
        (nameof(CpuCores), [ActionKind.ScaleApiServers]),
        (nameof(Memory), [ActionKind.ScaleApiServers]),
        (nameof(PerNode), [ActionKind.BreakGlass]),
        (nameof(Parallelism), [ActionKind.BreakGlass]),
        (nameof(Fraction), [ActionKind.ShiftTraffic, ActionKind.UnblockApiAccess]),
        (nameof(From), [ActionKind.BlockApiAccess, ActionKind.UnblockApiAccess]),
        (nameof(Every), [ActionKind.UnblockApiAccess]),
    ];

    public void Validate(ValidationContext ctx)
    {
        foreach (var (field, readBy) in OwnFields) ctx.OnlyFor(field, Action, readBy);
        if (Action == ActionKind.ScaleApiServers && Replicas > 64) ctx.Fail(nameof(Replicas), $"scaleApiServers: at most 64 replicas, got {Replicas}");
        if (Action == ActionKind.ScaleWorkload && !ctx.IsSet(nameof(Replicas))) ctx.Fail(nameof(Replicas), "scaleWorkload needs `replicas:` (the Deployment's replicas after scaling)");
        if (Action == ActionKind.UnblockApiAccess && Fraction <= 0) ctx.Fail(nameof(Fraction), "unblockApiAccess lets back a share of what is cut off at each step: `fraction` above 0");
        if (Action == ActionKind.UnblockApiAccess && Every.Ticks <= 0) ctx.Fail(nameof(Every), "unblockApiAccess: `every` must be above 0");
        if (Action == ActionKind.RunJob && Pods < 1) ctx.Fail(nameof(Pods), "runJob needs `pods:` (the Job's pods, at least 1)");
    }
}
