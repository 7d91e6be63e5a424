using System.Text;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// The built-in mitigations of `cascade compare`, each what a team would really change: an APF object,
/// the client's code or flags, the DNS cache config, the rollout plan, the playbook. They act on "the
/// change" (<see cref="TheChange"/>). Combinations are written with '+': `priority-level+health-gate`.
/// </summary>
public static class Mitigations
{
    /// <summary>The mitigation that changes only the change's client limits (compare can answer it from the baseline's run).</summary>
    public const string ClientQpsName = "client-qps";

    /// <summary>client-go's pager default page size (tools/pager/pager.go: defaultPageSize = 500).</summary>
    public const int PageSize = 500;

    /// <summary>The priority level the change is put in: 5 shares (≈ 12 seats of 600 next to the defaults' 245 shares), lending none and borrowing none (an unset borrowingLimitPercent would let it borrow without limit).</summary>
    public const int PriorityLevelShares = 5;

    /// <summary>The progressive-delivery controller that aborts a gated rollout (an assumption: any namespace but kube-system classifies the same).</summary>
    public const string RolloutControllerAccount = "delivery/rollout-controller";

    public static readonly IReadOnlyList<Mitigation> All =
    [
        new("priority-level", $"a FlowSchema putting the change's identity in its own priority level ({PriorityLevelShares} shares, lending and borrowing nothing)", PriorityLevel),
        new(ClientQpsName, "the change's client limited to 1 QPS, burst 1", ClientQps),
        new("informer", "the change watches through an informer instead of polling LISTs", Informer),
        new("watch-cache", "the change's LISTs use resourceVersion \"0\" (served from the watch cache)", WatchCache),
        new("pagination", $"the change's LISTs are paginated (limit {PageSize}, client-go's pager default)", Pagination),
        new("dns-serve-stale", "NodeLocal DNSCache with serve_stale: expired answers kept while CoreDNS fails", DnsServeStale),
        new("dns-from-informers", $"CoreDNS keeps answering from its informers' view through a control-plane outage: its memory limit holds a relist ({DataPlaneMitigations.RelistHeadroom:P0} over the scaling guide's estimate), so relisting does not OOM-kill it", DnsFromInformers),
        new("dns-cache-ttl", $"NodeLocal DNSCache holding answers {DataPlaneMitigations.LongerTtlFactor} times as long as the cluster does today (CoreDNS `ttl` and the node cache's success TTL)", DnsCacheTtl),
        new("canary-largest", "the rollout starts with a canary wave on the largest cluster", CanaryLargest),
        new("health-gate", "a rollout gate on control-plane health: apiserver p99 > 1 s or > 1% errors for 2m halts it, and the delivery tool rolls the change back", HealthGate),
        new("break-glass", "break-glass access: 5 min after detection, the change is removed from nodes without the API server", BreakGlass),
    ];

    /// <summary>Combinations worth comparing by default: safeguards a platform team owns, together.</summary>
    public static readonly IReadOnlyList<string> DefaultCombinations =
    [
        "priority-level+health-gate",
        "health-gate+break-glass",
        Safeguards,
    ];

    /// <summary>`safeguards`: every safeguard the platform team owns, none of which changes the change itself.</summary>
    public const string Safeguards = "safeguards";

    /// <summary>Named combinations, usable in `--mitigations` like a built-in.</summary>
    public static readonly IReadOnlyDictionary<string, string> Combinations = new Dictionary<string, string>
    {
        [Safeguards] = "priority-level+health-gate+canary-largest+break-glass",
    };

    public static Mitigation Find(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new InputException(Naming.Unknown("mitigation", name, All.Select(m => m.Name).ToList()), field: "--mitigations");

    private static string? NoChange(Scenario s) => TheChange.Of(s) is null ? "the scenario has no workload" : null;

    internal static IEnumerable<(ClusterSpec Spec, string Path)> ClusterSpecs(Scenario s) =>
        s.Clusters.Count > 0 ? s.Clusters.Select((c, i) => (c, $"clusters[{i}]")) : [(s.Cluster, "cluster")];

    private static string CallsPath(Scenario s, WorkloadSpec w) => $"workloads[{TheChange.IndexOf(s, w)}]";

    // ------------------------------------------------------------------ APF

    private static string? PriorityLevel(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        string name = "preflight-" + KubeName(w.Name);
        string subject = SubjectYaml(w);
        string objects = $"""
            apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: PriorityLevelConfiguration
            metadata: {"{"}name: {name}{"}"}
            spec:
              type: Limited
              limited:
                nominalConcurrencyShares: {PriorityLevelShares}
                lendablePercent: 0
                borrowingLimitPercent: 0
                limitResponse:
                  type: Queue
                  queuing: {"{"}queues: 16, handSize: 4, queueLengthLimit: 50{"}"}
            ---
            apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: FlowSchema
            metadata: {"{"}name: {name}{"}"}
            spec:
              priorityLevelConfiguration: {"{"}name: {name}{"}"}
              matchingPrecedence: 1000
              distinguisherMethod: {"{"}type: ByUser{"}"}
              rules:
                - subjects:
            {subject}
                  resourceRules:
                    - verbs: ["*"]
                      apiGroups: ["*"]
                      resources: ["*"]
                      clusterScope: true
                      namespaces: ["*"]

            """;
        foreach (var (spec, _) in ClusterSpecs(s))
            if (!ScenarioBuilder.FeaturesOf(spec).Apf)
                return $"{spec.Name} has no API Priority and Fairness (kubernetesVersion {spec.KubernetesVersion}, or apiServer.apf.enabled false)";
        foreach (var (spec, path) in ClusterSpecs(s))
        {
            var apf = spec.ApiServer.Apf;
            if (apf.File is { } existing)
            {
                var full = Path.IsPathRooted(existing) ? existing : Path.Combine(ctx.BaseDirectory, existing);
                if (!File.Exists(full)) throw new InputException($"APF file '{full}' not found", field: $"{path}.apiServer.apf.file");
            }
            // After the cluster's own file, in memory (the run builds them together; no file is written).
            apf.MitigationObjects = ApfYaml.Append(apf.MitigationObjects, objects);
        }
        ctx.Changes.Add($"FlowSchema {name} (precedence 1000) → PriorityLevelConfiguration {name}: nominalConcurrencyShares {PriorityLevelShares}, lendablePercent 0, borrowingLimitPercent 0, 16 queues; subject {Describe(w.Identity, w.Name)}");
        return null;
    }

    private static string SubjectYaml(WorkloadSpec w)
    {
        const string pad = "        ";
        if (w.Identity.ServiceAccount is { } sa)
        {
            var parts = sa.Split('/');
            var (ns, n) = parts.Length == 2 ? (parts[0], parts[1]) : ("default", sa);
            return $"{pad}- kind: ServiceAccount\n{pad}  serviceAccount: {{namespace: \"{ns}\", name: \"{n}\"}}";
        }
        return $"{pad}- kind: User\n{pad}  user: {{name: \"{w.Identity.User ?? $"user:{w.Name}"}\"}}";
    }

    private static string Describe(IdentitySpec id, string workload) =>
        id.ServiceAccount is { } sa ? $"serviceaccount {sa}" : $"user {id.User ?? $"user:{workload}"}";

    private static string KubeName(string name)
    {
        var sb = new StringBuilder();
        foreach (char c in name.ToLowerInvariant()) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-');
        return sb.ToString().Trim('-');
    }

    // ------------------------------------------------------------------ the client

    private static string? ClientQps(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        if (w.Client.Qps <= 1 && w.Client.Burst <= 1) return $"{w.Name}'s client is already at {w.Client.Qps} QPS, burst {w.Client.Burst}";
        ctx.Changes.Add($"{CallsPath(s, w)}.client: qps {w.Client.Qps} → {Math.Min(w.Client.Qps, 1)}, burst {w.Client.Burst} → 1");
        w.Client.Qps = Math.Min(w.Client.Qps, 1);
        w.Client.Burst = 1;
        return null;
    }

    private static string? Informer(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        var lists = w.Calls.Where(c => c.Verb == Verb.List && c.Scope != Scope.Object).ToList();
        if (lists.Count == 0) return $"{w.Name} makes no polling LIST";
        foreach (var c in lists)
        {
            w.Calls.Remove(c);
            w.Informers.Add(new InformerSpec { Resource = c.Resource, Scope = c.Scope, Namespace = c.Namespace, Selector = c.Selector, Selectivity = c.Selectivity });
            ctx.Changes.Add($"{CallsPath(s, w)}: LIST {c.Resource} every {c.Every} → informer on {c.Resource}" + (c.Selector.Length > 0 ? $" ({c.Selector})" : ""));
        }
        return null;
    }

    private static string? WatchCache(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        bool any = false;
        for (int i = 0; i < w.Calls.Count; i++)
        {
            var c = w.Calls[i];
            if (c.Verb != Verb.List || c.ResourceVersion == "0") continue;
            ctx.Changes.Add($"{CallsPath(s, w)}.calls[{i}].resourceVersion: \"{c.ResourceVersion}\" → \"0\"");
            c.ResourceVersion = "0";
            any = true;
        }
        return any ? null : $"{w.Name}'s LISTs already use the watch cache, or it makes none";
    }

    private static string? Pagination(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        bool any = false;
        for (int i = 0; i < w.Calls.Count; i++)
        {
            var c = w.Calls[i];
            if (c.Verb != Verb.List || c.Limit > 0) continue;
            ctx.Changes.Add($"{CallsPath(s, w)}.calls[{i}].limit: 0 → {PageSize}");
            c.Limit = PageSize;
            any = true;
        }
        return any ? null : $"{w.Name}'s LISTs are already paginated, or it makes none";
    }

    // ------------------------------------------------------------------ DNS

    private static string? DnsServeStale(Scenario s, MitigationContext ctx) => DataPlaneMitigations.ServeStale(s, ctx);

    private static string? DnsFromInformers(Scenario s, MitigationContext ctx) => DataPlaneMitigations.FromInformers(s, ctx);

    private static string? DnsCacheTtl(Scenario s, MitigationContext ctx) => DataPlaneMitigations.LongerNodeCacheTtl(s, ctx);

    // ------------------------------------------------------------------ the rollout and the playbook

    private static string? CanaryLargest(Scenario s, MitigationContext ctx)
    {
        if (s.Rollout is not { } r) return "the scenario has no rollout";
        var clusters = s.ExpandedClusters();
        if (clusters.Count < 2) return "a one-cluster fleet has no canary to choose";
        var largest = clusters[0];
        foreach (var c in clusters) if (c.Nodes > largest.Nodes) largest = c;
        if (r.Waves.Count > 0 && r.Waves[0].Clusters is [var only] && only == largest.Name) return $"the first wave is already {largest.Name} alone";
        var bake = r.Waves.Count > 0 ? r.Waves[0].Bake : Duration.FromSeconds(300);
        r.Waves.Insert(0, new WaveSpec { Clusters = [largest.Name], Bake = bake });
        ctx.Changes.Add($"rollout.waves: a first wave on {largest.Name} ({largest.Nodes:N0} nodes, the largest) baking {bake}");
        return null;
    }

    private static string? HealthGate(Scenario s, MitigationContext ctx)
    {
        if (s.Rollout is not { } r) return "the scenario has no rollout to gate";
        r.Gates.Add(new GateSpec { Signal = Signal.ApiserverLatencyP99, Threshold = 1, For = Duration.FromSeconds(120) });
        r.Gates.Add(new GateSpec { Signal = Signal.ApiserverErrorRate, Threshold = 0.01, For = Duration.FromSeconds(120) });
        // A failed gate aborts the rollout and rolls the change back, as Argo Rollouts and Flagger do. The
        // rollback is the delivery tool's own request through the API server: a service account outside
        // kube-system, which APF puts in workload-low, next to a change that may be saturating it.
        s.Remediation.Add(new ActionSpec
        {
            Action = ActionKind.Rollback,
            Name = "preflight rollout abort",
            Clusters = ["*"],
            AfterHalt = Duration.FromSeconds(0),
            Identity = new IdentitySpec { ServiceAccount = RolloutControllerAccount },
            RetryEvery = Duration.FromSeconds(60), // assumption: a controller retries far sooner than a person (5m); once a minute
        });
        ctx.Changes.Add("rollout.gates: + apiserverLatencyP99 > 1 for 2m, + apiserverErrorRate > 0.01 for 2m; " +
                        $"remediation: + rollback by {RolloutControllerAccount} when a gate halts the rollout, retried every 1m");
        return null;
    }

    private static string? BreakGlass(Scenario s, MitigationContext ctx)
    {
        if (TheChange.Of(s) is not { } w) return NoChange(s);
        if (s.Alerts.Count == 0)
        {
            // The saturation test's two halves, so that a saturated control plane is detected.
            s.Alerts.Add(new AlertSpec { Name = "preflight-apiserver-latency", Signal = Signal.ApiserverLatencyP99, Threshold = 1, For = Duration.FromSeconds(120) });
            s.Alerts.Add(new AlertSpec { Name = "preflight-apiserver-errors", Signal = Signal.ApiserverErrorRate, Threshold = 0.01, For = Duration.FromSeconds(120) });
            ctx.Changes.Add("alerts: + apiserverLatencyP99 > 1 for 2m, + apiserverErrorRate > 0.01 for 2m (the scenario had none to detect with)");
        }
        s.Remediation.Add(new ActionSpec
        {
            Action = ActionKind.BreakGlass,
            Name = "preflight break-glass",
            Clusters = ["*"],
            // Assumption: a prepared, rehearsed break-glass path is started within 5 min of the page (the
            // 2024-12-11 engineers needed ~30 min to improvise theirs).
            AfterDetection = Duration.FromSeconds(300),
            Workloads = [w.Name],
        });
        ctx.Changes.Add($"remediation: + breakGlass of {w.Name} on every cluster, 5m after detection");
        return null;
    }
}
