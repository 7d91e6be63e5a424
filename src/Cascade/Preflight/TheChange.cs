using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// The workload a preflight is about: the rollout's change when there is a rollout, else the first
/// per-node workload (a DaemonSet is the shape whose load grows with the cluster), else the first workload.
/// </summary>
public static class TheChange
{
    public static WorkloadSpec? Of(Scenario scenario)
    {
        if (scenario.Rollout is { } r && scenario.Workloads.FirstOrDefault(w => w.Name == r.Change) is { } change) return change;
        return scenario.Workloads.FirstOrDefault(w => w.Placement == Placement.PerNode) ?? scenario.Workloads.FirstOrDefault();
    }

    public static int IndexOf(Scenario scenario, WorkloadSpec workload) => scenario.Workloads.IndexOf(workload);
}
