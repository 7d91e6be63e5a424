using System.Runtime.ExceptionServices;
using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>Turns a validated scenario into a model ready to run: resources with their counts, API servers, kubelets, controllers, workloads.</summary>
public static class ScenarioBuilder
{
    /// <summary>The whole fleet of a scenario (one cluster or many), with its rollout, alerts and playbook.</summary>
    /// <param name="threads">Clusters built at once; the fleet is the same whatever the number.</param>
    public static FleetModel BuildFleet(Simulation sim, Scenario scenario, Timeline timeline, string? baseDirectory = null, int threads = 1)
    {
        var fleet = new FleetModel(sim, timeline);
        var specs = scenario.ExpandedClusters();
        var names = new HashSet<string>();
        int count = 0;
        while (count < specs.Count && names.Add(specs[count].Name)) count++;
        // Each cluster has its own kernel and timeline, its random streams are named per cluster (so one seed serves
        // all), and it only reads the scenario: the clusters are built side by side. A failure is reported as building
        // them one after another would have: the first cluster's in order, and a repeated name only after those before it.
        var built = new ClusterModel[count];
        var failed = new ExceptionDispatchInfo?[count];
        void Build(int i)
        {
            try { built[i] = BuildCluster(new Simulation(sim.Random.Seed), scenario, specs[i], new Timeline(), baseDirectory); }
            catch (Exception e) { failed[i] = ExceptionDispatchInfo.Capture(e); }
        }
        if (threads <= 1 || count <= 1)
            for (int i = 0; i < count; i++) Build(i);
        else
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, Build);
        foreach (var f in failed) f?.Throw();
        if (count < specs.Count) throw new InputException($"two clusters are named '{specs[count].Name}'", field: "clusters");
        fleet.Clusters.AddRange(built);
        var change = scenario.Rollout?.Change;
        if (scenario.Rollout is { } r)
        {
            if (!scenario.Workloads.Any(w => w.Name == r.Change))
                throw new InputException($"the rollout's change '{r.Change}' is not a workload of the scenario", field: "rollout.change");
            fleet.Rollout = new Rollout(fleet, r.Change, r.StartAt.Ticks,
                r.Waves.Select(w => new Wave(w.Clusters, w.Bake.Ticks)).ToList(),
                r.Gates.Select(g => new Condition(g.Signal, g.Threshold, g.For.Ticks)).ToList());
        }
        CheckPlaybook(scenario);
        fleet.Alerts = new Alerts(fleet, scenario.Alerts.Select(a => new AlertRule(a.Name, new Condition(a.Signal, a.Threshold, a.For.Ticks), a.Clusters)).ToList(), change);
        fleet.Remediation = new Remediation(fleet, scenario.Remediation.Select(a => new PlannedAction(
            a.Action, a.Name, a.Clusters, a.At?.Ticks, a.AfterHalt?.Ticks, a.AfterDetection.Ticks, a.Duration.Ticks,
            IdentityOf(a.Identity, "oncall-engineer"), a.RetryEvery.Ticks, a.Timeout.Ticks, a.KeepFraction, a.Workloads,
            a.Replicas, a.CpuCores, a.Memory.Bytes, a.PerNode.Ticks, a.Parallelism, a.Fraction, a.Nodes, a.Pods, a.ClustersAtOnce, a.From, a.Every.Ticks)).ToList(), change);
        if (scenario.Faults.Count > 0)
            fleet.Faults = new Faults(fleet, scenario.Faults.Select(f => new PlannedFault(
                f.Fault, f.Name, f.Clusters, new Trigger(f.At?.Ticks, f.AfterHalt?.Ticks, f.AfterDetection?.Ticks),
                f.Replicas, f.Duration?.Ticks, f.Workload, PodBudget.TryParse(f.MaxUnavailable, out var b) ? b : new PodBudget(0, 100), f.Fraction)).ToList());
        return fleet;
    }

    /// <summary>Playbook targets that name what the scenario does not have (an action's own rules are in <see cref="ActionSpec.Validate"/>).</summary>
    private static void CheckPlaybook(Scenario scenario)
    {
        for (int i = 0; i < scenario.Remediation.Count; i++)
        {
            var a = scenario.Remediation[i];
            switch (a.Action)
            {
                case ActionKind.ScaleWorkload:
                {
                    var names = ScaledWorkloads(scenario, a);
                    if (names.Count == 0)
                        throw new InputException("scaleWorkload needs `workloads:` (there is no rollout change to default to)", field: $"remediation[{i}].workloads");
                    for (int j = 0; j < names.Count; j++)
                    {
                        var w = scenario.Workloads.FirstOrDefault(x => x.Name == names[j]);
                        string at = a.Workloads.Count > 0 ? $"remediation[{i}].workloads[{j}]" : $"remediation[{i}].workloads";
                        if (w is null)
                            throw new InputException($"no workload of the scenario is named '{names[j]}' (workloads: {string.Join(", ", scenario.Workloads.Select(x => x.Name))})", field: at);
                        if (w.Placement == Placement.PerNode)
                            throw new InputException($"'{names[j]}' runs a pod per node (a DaemonSet): scale the nodes instead (action: scaleNodes)", field: at);
                    }
                    break;
                }
            }
        }
    }

    /// <summary>The workloads a scaleWorkload action names, else the rollout's change.</summary>
    private static IReadOnlyList<string> ScaledWorkloads(Scenario scenario, ActionSpec a) =>
        a.Workloads.Count > 0 ? a.Workloads : scenario.Rollout?.Change is { } c ? new[] { c } : Array.Empty<string>();

    /// <summary>
    /// Whether the builder makes room before the run for what <paramref name="a"/> may add: node slots
    /// (<see cref="NodeSlots"/>), a Deployment's pod slots, API server replicas. Such a step changes the build even if it
    /// never starts; no other step does.
    /// </summary>
    public static bool ReservesRoom(ActionSpec a) => a.Action is ActionKind.ScaleNodes or ActionKind.ScaleWorkload or ActionKind.ScaleApiServers;

    /// <summary>The most nodes cluster <paramref name="spec"/> can reach: its own, or a scaleNodes target above it.</summary>
    public static int NodeSlots(Scenario scenario, ClusterSpec spec)
    {
        int slots = spec.Nodes;
        foreach (var a in scenario.Remediation)
            if (a.Action == ActionKind.ScaleNodes && a.Nodes is { } n && ClusterPattern.Matches(a.Clusters, spec.Name)) slots = Math.Max(slots, n);
        return slots;
    }

    /// <summary>The most pods a Deployment can reach in this cluster: its replicas, or a scaleWorkload target above them.</summary>
    private static int ReplicaSlots(Scenario scenario, ClusterSpec spec, WorkloadSpec w)
    {
        int slots = w.Replicas;
        foreach (var a in scenario.Remediation)
            if (a.Action == ActionKind.ScaleWorkload && ClusterPattern.Matches(a.Clusters, spec.Name) && ScaledWorkloads(scenario, a).Contains(w.Name))
                slots = Math.Max(slots, a.Replicas);
        return slots;
    }

    /// <summary>One cluster of the scenario (the single `cluster`, unless a fleet spec is given).</summary>
    public static ClusterModel BuildCluster(Simulation sim, Scenario scenario, Timeline timeline, string? baseDirectory = null) =>
        BuildCluster(sim, scenario, scenario.ExpandedClusters()[0], timeline, baseDirectory);

    public static ClusterModel BuildCluster(Simulation sim, Scenario scenario, ClusterSpec spec, Timeline timeline, string? baseDirectory)
    {
        var resources = DeclareResources(spec);
        int maxReplicas = scenario.Remediation.Where(a => a.Action == ActionKind.ScaleApiServers).Select(a => a.Replicas).DefaultIfEmpty(0).Max();
        var api = new ApiServerSet(sim, spec.Name, ApiServerConfigFrom(spec, baseDirectory, maxReplicas), resources, timeline);
        int nodeSlots = NodeSlots(scenario, spec);
        var cluster = new ClusterModel(sim, spec.Name, spec.Nodes, api, timeline, nodeSlots);
        if (spec.Kubelets.Enabled)
            cluster.Kubelets = new Kubelets(sim, api, spec.Nodes, spec.Kubelets.LeaseRenewInterval.Ticks,
                spec.Kubelets.LeaseTimeout.Ticks, spec.Kubelets.NodeStatusInterval.Ticks, spec.Kubelets.WatchPods, nodeSlots);
        if (spec.Controllers.Enabled)
            cluster.Controllers = new Controllers(sim, api, spec.Controllers.WriteRate, spec.Scheduler.Qps, spec.Scheduler.Burst);
        foreach (var w in scenario.Workloads)
        {
            if (!ClusterPattern.Matches(w.Clusters, spec.Name)) continue;
            bool rolledOut = scenario.Rollout?.Change == w.Name;
            var workload = BuildWorkload(sim, api, spec, w, nodeSlots, ReplicaSlots(scenario, spec, w));
            cluster.Workloads.Add(new DeployedWorkload(sim, workload, rolledOut ? null : w.StartAt?.Ticks ?? 0,
                w.Resources.Cpu, w.Resources.Memory.Value, w.Resources.DecodeBytesPerSecond.Value, w.Placement == Placement.PerNode)
            {
                RunningBefore = !rolledOut && w.StartAt is null,
            });
            if (w.Service is { } svc)
                cluster.Services.Add(new ServiceEndpoints(sim, api, svc.Name, workload, svc.EndpointChangeEvery.Ticks, (long)svc.BytesPerEndpoint.Value));
        }
        cluster.DataPlane = DataPlaneBuilder.Build(sim, scenario, spec, cluster, timeline);
        return cluster;
    }

    /// <summary>
    /// Object counts: what the file says, else derived from the cluster's size. The derivations are
    /// assumptions of a typical cluster (docs/model.md): one Lease per node, a Service (and its
    /// EndpointSlice) per 30 pods, a ConfigMap and a Secret per 10 pods, a namespace per 1,000 pods.
    /// </summary>
    public static ResourceRegistry DeclareResources(ClusterSpec spec)
    {
        long pods = (long)spec.Nodes * spec.PodsPerNode;
        var derived = new (string Name, long Count)[]
        {
            ("pods", pods),
            ("nodes", spec.Nodes),
            ("leases", spec.Nodes + 10),
            ("services", Math.Max(10, pods / 30)),
            ("endpointslices", Math.Max(10, pods / 30)),
            ("configmaps", Math.Max(10, pods / 10)),
            ("secrets", Math.Max(10, pods / 10)),
            ("namespaces", Math.Max(5, pods / 1000)),
        };
        var registry = new ResourceRegistry();
        foreach (var (name, count) in derived)
        {
            spec.Objects.TryGetValue(name, out var o);
            registry.GetOrAdd(name, o?.Count ?? count, o?.BytesPerObject?.Bytes);
        }
        foreach (var (name, o) in spec.Objects)
            if (registry.Find(name) is null) registry.GetOrAdd(name, o.Count ?? 0, o.BytesPerObject?.Bytes);
        return registry;
    }

    /// <summary>The APF objects of a cluster: its file's, then a mitigation's; and the name their faults are located in.</summary>
    private static (string Text, string Source) ApfObjects(ApfSpec apf, string? baseDirectory)
    {
        string? text = null, source = "the mitigation's APF objects";
        if (apf.File is { } file)
        {
            var path = Path.IsPathRooted(file) ? file : Path.Combine(baseDirectory ?? ".", file);
            if (!File.Exists(path)) throw new InputException($"APF file '{path}' not found", field: "cluster.apiServer.apf.file");
            (text, source) = (TextFile.ReadUtf8(path), path); // the file comes first, so its faults keep their lines
        }
        if (apf.MitigationObjects is { } added) text = ApfYaml.Append(text, added);
        return (text!, source);
    }

    public static ApiServerConfig ApiServerConfigFrom(ClusterSpec spec, string? baseDirectory, int maxReplicas = 0)
    {
        var a = spec.ApiServer;
        var c = a.Cost;
        var features = FeaturesOf(spec);
        var apf = features.Apf ? ApfConfiguration.Default : MaxInflight.Configuration(a.MaxRequestsInflight, a.MaxMutatingRequestsInflight);
        if (a.Apf.File is not null || a.Apf.MitigationObjects is not null)
        {
            if (!features.Apf)
                throw new InputException($"an APF file needs API Priority and Fairness, which kubernetesVersion {spec.KubernetesVersion} does not have (1.20+)",
                    field: "cluster.apiServer.apf.file");
            var (text, source) = ApfObjects(a.Apf, baseDirectory);
            apf = ApfConfiguration.From(ApfYaml.Parse(text, source, a.Apf.KeepDefaults), a.Apf.KeepDefaults);
        }
        return new ApiServerConfig
        {
            Replicas = a.Replicas,
            MaxReplicas = Math.Max(a.Replicas, maxReplicas),
            SeatsPerReplica = a.MaxRequestsInflight + a.MaxMutatingRequestsInflight,
            GoawayChance = a.GoawayChance,
            ClosedFormLeases = a.ClosedFormLeases,
            CpuCores = a.CpuCores,
            MemoryBytes = a.Memory.Bytes,
            BaseMemoryBytes = c.BaseMemory.Bytes,
            RequestTimeoutTicks = a.RequestTimeout.Ticks,
            RestartTicks = a.RestartTime.Ticks,
            Features = features,
            BaseCpuTicks = c.BaseCpu.Ticks,
            MutatingCpuTicks = c.MutatingCpu.Ticks,
            DecodeBytesPerSecond = c.DecodeBytesPerSecond.Value,
            EncodeBytesPerSecond = c.EncodeBytesPerSecond.Value,
            CacheScanTicksPerObject = c.CacheScanPerObject.Ticks,
            EtcdListMemoryFactor = c.EtcdListMemoryFactor,
            StreamedEtcdListMemoryFactor = c.StreamedEtcdListMemoryFactor,
            CacheListMemoryFactor = c.CacheListMemoryFactor,
            StreamedCacheListMemoryFactor = c.StreamedCacheListMemoryFactor,
            WatchSendTicks = c.WatchSendPerWatcher.Ticks,
            WatchSendBytesPerSecond = c.WatchSendBytesPerSecond.Value,
            LivenessPeriodTicks = a.Liveness.Period.Ticks,
            LivenessTimeoutTicks = a.Liveness.Timeout.Ticks,
            LivenessFailureThreshold = a.Liveness.FailureThreshold,
            WatchCacheMemoryFactor = c.WatchCacheMemoryFactor,
            Etcd = EtcdConfigFrom(spec.Etcd),
            Apf = apf,
        };
    }

    /// <summary>etcd's settings in model units; the schema (<see cref="EtcdSpec"/>) holds the defaults and their sources.</summary>
    public static EtcdConfig EtcdConfigFrom(EtcdSpec etcd) => new()
    {
        Cores = etcd.CpuCores,
        RangeBytesPerSecond = etcd.RangeBytesPerSecond.Value,
        RangeKeysPerSecond = etcd.RangeKeysPerSecond.Value,
        RequestTicks = etcd.RequestLatency.Ticks,
        WriteTicks = etcd.WriteLatency.Ticks,
        MemoryBytes = etcd.Memory.Bytes,
        BaseMemoryBytes = etcd.BaseMemory.Bytes,
        RangeMemoryFactor = etcd.RangeMemoryFactor,
        RestartTicks = etcd.RestartTime.Ticks,
        Members = etcd.Members,
        ElectionTimeoutTicks = etcd.ElectionTimeout.Ticks,
    };

    /// <summary>The cluster's version defaults (docs/model.md, "What changes with the Kubernetes version"), with the scenario's overrides.</summary>
    public static KubernetesFeatures FeaturesOf(ClusterSpec spec)
    {
        int minor = KubernetesVersion.ParseMinor(spec.KubernetesVersion)
            ?? throw new InputException(
                $"kubernetesVersion '{spec.KubernetesVersion}' is not one the model covers (1.{KubernetesVersion.OldestMinor} to 1.{KubernetesVersion.NewestMinor})",
                field: "cluster.kubernetesVersion");
        var d = KubernetesVersion.Defaults(minor);
        var a = spec.ApiServer;
        return d with
        {
            Apf = a.Apf.Enabled ?? d.Apf,
            ConsistentListFromCache = a.ConsistentListFromCache ?? d.ConsistentListFromCache,
            ResilientWatchCacheInitialization = a.ResilientWatchCacheInitialization ?? d.ResilientWatchCacheInitialization,
            StreamingListEncoding = a.StreamingListEncoding ?? d.StreamingListEncoding,
            WatchList = a.WatchList ?? d.WatchList,
        };
    }

    public static Identity IdentityOf(WorkloadSpec w) => IdentityOf(w.Identity, $"user:{w.Name}");

    public static Identity IdentityOf(IdentitySpec id, string defaultUser)
    {
        if (id.ServiceAccount is { } sa)
        {
            var (ns, name) = ServiceAccountOf(sa);
            return Identity.ServiceAccount(ns, name);
        }
        return Identity.ForUser(id.User ?? defaultUser, id.Groups);
    }

    /// <summary>`namespace/name`, or a bare name in "default".</summary>
    private static (string Namespace, string Name) ServiceAccountOf(string sa) =>
        sa.Split('/') is [var ns, var name] ? (ns, name) : ("default", sa);

    /// <summary>
    /// The namespace a workload's objects live in: its service account's, since a pod can only run as a service account
    /// of its own namespace; "default" for a workload that names none or runs as a user.
    /// </summary>
    public static string NamespaceOf(IdentitySpec id) => id.ServiceAccount is { } sa ? ServiceAccountOf(sa).Namespace : "default";

    private static Workload BuildWorkload(Simulation sim, ApiServerSet api, ClusterSpec spec, WorkloadSpec w, int nodeSlots, int replicaSlots)
    {
        var id = IdentityOf(w);
        bool perNode = w.Placement == Placement.PerNode;
        int pods = perNode ? spec.Nodes : w.Replicas;
        int slots = perNode ? nodeSlots : replicaSlots;
        double namespaceShare = 1.0 / Math.Max(1, api.Resources.Find("namespaces")?.Count ?? 1);
        var calls = new List<PeriodicCall>();
        foreach (var c in w.Calls)
        {
            string? ns = c.Scope == Scope.Cluster ? null : c.Namespace;
            double scope = c.Scope switch { Scope.Cluster => 1.0, Scope.Namespace => namespaceShare, _ => 0 };
            string verb = c.Verb.ToString().ToLowerInvariant();
            if (c.Scope == Scope.Object && c.Verb == Verb.List) verb = "get";
            var call = api.DefineCall($"{w.Name} {verb} {c.Resource}", id.User, id.Groups, verb, c.Resource, ns,
                c.ResourceVersion, c.Selector.Length > 0, Selectivity(c.Selector, c.Selectivity, spec), c.Limit, scope,
                indexed: Indexed(c.Resource, c.Selector));
            calls.Add(new PeriodicCall(call, new Periodic(c.Every.Seconds, c.Jitter), c.At?.Ticks ?? -1, c.Phase == CallPhase.Aligned));
        }
        return new Workload(w.Name, sim, api, Math.Max(pods, slots),
            _ => api.CreateClient(w.Client.Qps, w.Client.Burst, w.Client.Timeout?.Ticks ?? 0, w.Client.MaxRetries),
            calls,
            (pod, client) => w.Informers.Select((inf, k) => InformerOf(sim, api, spec, w, id, inf, pod, k, client, namespaceShare)).ToList(),
            pods, NamespaceOf(w.Identity));
    }

    private static Informer InformerOf(Simulation sim, ApiServerSet api, ClusterSpec spec, WorkloadSpec w, Identity id,
        InformerSpec inf, int pod, int k, ApiClient client, double namespaceShare)
    {
        string? ns = inf.Scope == Scope.Cluster ? null : inf.Namespace;
        double scope = inf.Scope == Scope.Cluster ? 1.0 : namespaceShare;
        double sel = Selectivity(inf.Selector, inf.Selectivity, spec);
        bool hasSel = inf.Selector.Length > 0;
        var calls = api.DefineInformer($"{w.Name} informer {inf.Resource}", id.User, id.Groups, inf.Resource, ns, hasSel, sel, scope,
            Indexed(inf.Resource, inf.Selector), inf.PageSize, inf.ResourceVersion, WatchKey(api, inf.Selector));
        return new Informer(sim, api, client, calls, sim.Random.Stream($"{api.Cluster}/workload/{w.Name}/informer/{k}", pod));
    }

    /// <summary>The watch cache indexes pods by spec.nodeName (pkg/registry/core/pod/storage: the node-name index), so such a LIST visits only that node's pods.</summary>
    private static bool Indexed(string resource, string selector) =>
        resource == "pods" && selector.StartsWith("spec.nodeName=", StringComparison.Ordinal) && !selector.Contains(',');

    /// <summary>
    /// A selector naming one object (`metadata.name=web`) or one Service's objects (`kubernetes.io/service-name=web`,
    /// the EndpointSlices' label) makes the watch hear only that object's writes: its watch key; else 0 (all writes).
    /// </summary>
    private static int WatchKey(ApiServerSet api, string selector)
    {
        if (selector.Contains(',')) return 0;
        foreach (var prefix in new[] { "metadata.name=", "kubernetes.io/service-name=" })
            if (selector.StartsWith(prefix, StringComparison.Ordinal) && selector.Length > prefix.Length)
                return api.WatchKey(selector[prefix.Length..]);
        return 0;
    }

    /// <summary>What share of the objects a selector matches: as given, else one node's share for spec.nodeName, else all.</summary>
    private static double Selectivity(string selector, double? given, ClusterSpec spec)
    {
        if (given is { } g) return g;
        if (selector.Contains("spec.nodeName", StringComparison.Ordinal)) return 1.0 / spec.Nodes;
        return 1.0;
    }
}
