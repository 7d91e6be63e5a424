using Cascade.Fleet;
using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// A failure injected at a chosen moment (docs/scenario-format.md, "faults"): what breaks, on which
/// clusters, when, and for how long. When is a time (`at`), or a delay after the first alert
/// (`afterDetection`) or after a gate halted the rollout (`afterHalt`), as playbook actions start.
/// </summary>
public sealed class FaultSpec : IValidatable
{
    public FaultKind Fault { get; set; }
    public string Name { get; set; } = "";

    /// <summary>Cluster names or glob patterns; all by default.</summary>
    public List<string> Clusters { get; set; } = new() { "*" };

    [ZeroAllowed] public Duration? At { get; set; }
    [ZeroAllowed] public Duration? AfterDetection { get; set; }
    [ZeroAllowed] public Duration? AfterHalt { get; set; }

    /// <summary>API server or CoreDNS replicas hit (restart/kill), or etcd members killed; 0 = all of them.</summary>
    [Range(0, 1024)] public int Replicas { get; set; }

    /// <summary>
    /// How long what broke stays broken: a killed API server or etcd member before it is back, a partition
    /// before it heals, a restarted component before it runs again. Each fault has its own default
    /// (docs/scenario-format.md).
    /// </summary>
    public Duration? Duration { get; set; }

    /// <summary>restartPods: the workload (DaemonSet or Deployment) whose pods restart.</summary>
    public string Workload { get; set; } = "";

    /// <summary>restartPods: "100%" (all at once, the default) or a rolling update's maxUnavailable ("10%", "25").</summary>
    public string MaxUnavailable { get; set; } = "100%";

    /// <summary>partitionNodes / loseNodes: the share of the cluster's nodes hit.</summary>
    [Range(0, 1)] public double Fraction { get; set; } = 0.1;

    /// <summary>The fields only some faults read (docs/scenario-format.md, "its fields"), each with those faults, as <c>Faults</c> reads them.</summary>
    private static readonly (string Field, FaultKind[] ReadBy)[] OwnFields =
    [
        (nameof(Replicas), [FaultKind.RestartApiServers, FaultKind.KillApiServers, FaultKind.KillEtcd, FaultKind.RestartCoreDns]),
        (nameof(Duration), [FaultKind.RestartApiServers, FaultKind.KillApiServers, FaultKind.KillEtcd, FaultKind.RestartControllerManager,
            FaultKind.RestartScheduler, FaultKind.RestartPods, FaultKind.PartitionNodes]),
        (nameof(Workload), [FaultKind.RestartPods]),
        (nameof(MaxUnavailable), [FaultKind.RestartPods]),
        (nameof(Fraction), [FaultKind.PartitionNodes, FaultKind.LoseNodes]),
    ];

    public void Validate(ValidationContext ctx)
    {
        foreach (var (field, readBy) in OwnFields) ctx.OnlyFor(field, Fault, readBy);
        int set = (At is null ? 0 : 1) + (AfterDetection is null ? 0 : 1) + (AfterHalt is null ? 0 : 1);
        if (set != 1) ctx.Fail("at", "a fault needs exactly one of at, afterDetection, afterHalt");
        if (Fault == FaultKind.RestartPods && Workload.Length == 0) ctx.Fail("workload", "restartPods needs the workload whose pods restart");
        if (!PodBudget.TryParse(MaxUnavailable, out _)) ctx.Fail("maxUnavailable", $"expected a count or a percentage (\"25\", \"10%\"), got '{MaxUnavailable}'");
        if (Duration is { Ticks: <= 0 }) ctx.Fail("duration", "must be positive");
    }
}
