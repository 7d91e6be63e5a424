using Cascade.Fleet;
using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// A scenario file (`apiVersion: cascade/v1`, `kind: Scenario`): the cluster, its control plane, and the
/// workloads that call it. Every default below is the Kubernetes default or a figure from docs/sources.md, so a
/// minimal file describes a stock cluster; docs/scenario-format.md documents each field.
/// </summary>
public sealed class Scenario : IValidatable
{
    [Required] public string ApiVersion { get; set; } = "";
    [Required] public string Kind { get; set; } = "";
    public ScenarioMetadata Metadata { get; set; } = new();

    /// <summary>Simulated time to run.</summary>
    public Duration Duration { get; set; } = Duration.FromSeconds(3600);

    /// <summary>Run seed; `--seed` overrides it.</summary>
    public long Seed { get; set; } = 1;

    /// <summary>The cluster of a one-cluster scenario.</summary>
    public ClusterSpec Cluster { get; set; } = new();

    /// <summary>A fleet: when given, these clusters replace `cluster`.</summary>
    public List<ClusterSpec> Clusters { get; set; } = new();

    public List<WorkloadSpec> Workloads { get; set; } = new();

    /// <summary>User-facing services whose errors the run measures (docs/scenario-format.md, "Data plane").</summary>
    public List<ProductSpec> Products { get; set; } = new();

    public RolloutSpec? Rollout { get; set; }
    public List<AlertSpec> Alerts { get; set; } = new();
    public List<ActionSpec> Remediation { get; set; } = new();

    /// <summary>Failures injected at chosen moments (docs/scenario-format.md, "faults").</summary>
    public List<FaultSpec> Faults { get; set; } = new();

    /// <summary>For replays of real incidents: the write-up's markers to compare with.</summary>
    public ReplaySpec? Replay { get; set; }

    /// <summary>What "safe" means for `cascade check`, `compare` and `cliff`.</summary>
    public ObjectivesSpec Objectives { get; set; } = new();

    /// <summary>
    /// What needs the whole document: clusters have distinct names; the rollout's change is a workload; products
    /// name clusters of the scenario and call products of their cluster, without a cycle; each fault names
    /// clusters of the scenario, a time within the run, and a workload and components those clusters have.
    /// </summary>
    public void Validate(ValidationContext ctx)
    {
        var clusters = ExpandedClusters();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Clusters.Count; i++)
        {
            var c = Clusters[i];
            var names = c.Count <= 1 ? [c.Name] : Enumerable.Range(1, c.Count).Select(k => $"{c.Name}-{k}");
            foreach (var name in names)
                if (!seen.Add(name)) ctx.FailAt(nameof(Clusters), i, "name", $"two clusters are named '{name}'");
        }
        if (Rollout is { } r && !Workloads.Any(w => w.Name == r.Change))
            ctx.FailAt(nameof(Rollout), "change", $"the rollout's change '{r.Change}' is not a workload of the scenario (workloads: {string.Join(", ", Workloads.Select(w => w.Name))})");
        ValidateProducts(ctx, clusters);
        for (int i = 0; i < Faults.Count; i++)
        {
            var f = Faults[i];
            var hit = clusters.Where(c => ClusterPattern.Matches(f.Clusters, c.Name)).ToList();
            if (hit.Count == 0)
                ctx.FailAt(nameof(Faults), i, "clusters", $"names no cluster of the scenario ({string.Join(", ", clusters.Select(c => c.Name))})");
            if (f.At is { } at && at.Ticks >= Duration.Ticks)
                ctx.FailAt(nameof(Faults), i, "at", $"{at} is past the end of the run ({Duration})");
            foreach (var c in hit)
            {
                string? missing = f.Fault switch
                {
                    FaultKind.RestartCoreDns when !c.Dns.Enabled => "CoreDNS (cluster.dns.enabled is false)",
                    FaultKind.RestartControllerManager or FaultKind.RestartScheduler when !c.Controllers.Enabled => "kube-controller-manager and kube-scheduler (cluster.controllers.enabled is false)",
                    FaultKind.RestartPods when !Workloads.Any(w => w.Name == f.Workload && ClusterPattern.Matches(w.Clusters, c.Name)) => $"workload named '{f.Workload}'",
                    _ => null,
                };
                if (missing is not null)
                    ctx.FailAt(nameof(Faults), i, f.Fault == FaultKind.RestartPods ? "workload" : "fault", $"cluster '{c.Name}' has no {missing}");
            }
        }
    }

    /// <summary>Each product's cluster exists; in each cluster, product names are distinct and calls go to products there, never round in a circle.</summary>
    private void ValidateProducts(ValidationContext ctx, IReadOnlyList<ClusterSpec> clusters)
    {
        for (int i = 0; i < Products.Count; i++)
            if (Products[i].Cluster is { } c && !clusters.Any(k => ClusterPattern.Matches([c], k.Name)))
                ctx.FailAt(nameof(Products), i, "cluster", $"no cluster of the scenario is '{c}' (clusters: {string.Join(", ", clusters.Select(k => k.Name))})");
        foreach (var cluster in clusters)
        {
            var here = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < Products.Count; i++)
            {
                if (Products[i].Cluster is { } c && !ClusterPattern.Matches([c], cluster.Name)) continue;
                if (!here.TryAdd(Products[i].Name, i))
                    ctx.FailAt(nameof(Products), i, "name", $"a second product named '{Products[i].Name}' in cluster '{cluster.Name}'");
            }
            foreach (var (_, i) in here)
                for (int k = 0; k < Products[i].Calls.Count; k++)
                {
                    var callee = Products[i].Calls[k];
                    if (!here.TryGetValue(callee, out int j))
                        ctx.FailAt(nameof(Products), i, "calls", $"'{callee}' is not a product in cluster '{cluster.Name}' (there: {string.Join(", ", here.Keys)})", k);
                    if (j == i) ctx.FailAt(nameof(Products), i, "calls", $"product '{Products[i].Name}' calls itself", k);
                }
            // Depth-first, as DataPlane does when it orders the calls: a call back to a product on the path is a cycle.
            var state = new Dictionary<int, int>();
            var path = new List<string>();
            foreach (var (_, start) in here) Visit(start);

            void Visit(int p)
            {
                if (state.GetValueOrDefault(p) == 2) return;
                state[p] = 1;
                path.Add(Products[p].Name);
                for (int k = 0; k < Products[p].Calls.Count; k++)
                {
                    int q = here[Products[p].Calls[k]];
                    if (state.GetValueOrDefault(q) == 1)
                    {
                        var cycle = path.Skip(path.IndexOf(Products[q].Name)).Append(Products[q].Name);
                        ctx.FailAt(nameof(Products), p, "calls", $"products call each other in a cycle: {string.Join(" → ", cycle)}", k);
                    }
                    Visit(q);
                }
                path.RemoveAt(path.Count - 1);
                state[p] = 2;
            }
        }
    }

    /// <summary>The clusters to simulate, each `count` expanded into numbered copies.</summary>
    public IReadOnlyList<ClusterSpec> ExpandedClusters()
    {
        var list = new List<ClusterSpec>();
        foreach (var c in Clusters.Count > 0 ? Clusters : new List<ClusterSpec> { Cluster })
        {
            if (c.Count <= 1) { list.Add(c); continue; }
            for (int i = 1; i <= c.Count; i++) list.Add(c.CopyNamed($"{c.Name}-{i}"));
        }
        return list;
    }
}

public sealed class ScenarioMetadata : IValidatable
{
    /// <summary>Also the default output folder, out/&lt;name&gt;: one folder name, so that a run writes nowhere else.</summary>
    public string Name { get; set; } = "scenario";
    public string Description { get; set; } = "";

    public void Validate(ValidationContext ctx)
    {
        bool oneFolder = Name.Length > 0 && Name is not ("." or "..") && !Name.Any(c => c is '/' or '\\' or ':' || char.IsControl(c));
        if (!oneFolder)
            ctx.Fail(nameof(Name), $"'{Name}' cannot name the output folder out/<name>: give a name without '/', '\\', ':' (and not '.' or '..')");
    }
}
