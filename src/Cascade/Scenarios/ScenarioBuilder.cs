using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>Turns a validated scenario into a model ready to run: resources with their counts, API servers, kubelets, controllers, workloads.</summary>
public static class ScenarioBuilder
{
    public static ClusterModel BuildCluster(Simulation sim, Scenario scenario, Timeline timeline, string? baseDirectory = null)
    {
        var spec = scenario.Cluster;
        var resources = DeclareResources(spec);
        var api = new ApiServerSet(sim, spec.Name, ApiServerConfigFrom(spec, baseDirectory), resources, timeline);
        var cluster = new ClusterModel(spec.Name, spec.Nodes, api);
        if (spec.Kubelets.Enabled)
            cluster.Kubelets = new Kubelets(sim, api, spec.Nodes, spec.Kubelets.LeaseRenewInterval.Ticks,
                spec.Kubelets.LeaseTimeout.Ticks, spec.Kubelets.NodeStatusInterval.Ticks, spec.Kubelets.WatchPods);
        if (spec.Controllers.Enabled)
            cluster.Controllers = new Controllers(sim, api, spec.Controllers.WriteRate);
        foreach (var w in scenario.Workloads)
            cluster.Workloads.Add((BuildWorkload(sim, api, spec, w), w.StartAt.Ticks));
        cluster.DataPlane = DataPlaneBuilder.Build(sim, scenario, cluster, timeline);
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

    public static ApiServerConfig ApiServerConfigFrom(ClusterSpec spec, string? baseDirectory)
    {
        var a = spec.ApiServer;
        var c = a.Cost;
        var apf = ApfConfiguration.Default;
        if (a.Apf.File is { } file)
        {
            var path = Path.IsPathRooted(file) ? file : Path.Combine(baseDirectory ?? ".", file);
            if (!File.Exists(path)) throw new InputException($"APF file '{path}' not found", field: "cluster.apiServer.apf.file");
            apf = ApfConfiguration.From(ApfYaml.Parse(File.ReadAllText(path), path), a.Apf.KeepDefaults);
        }
        return new ApiServerConfig
        {
            Replicas = a.Replicas,
            SeatsPerReplica = a.MaxRequestsInflight + a.MaxMutatingRequestsInflight,
            CpuCores = a.CpuCores,
            MemoryBytes = a.Memory.Bytes,
            BaseMemoryBytes = c.BaseMemory.Bytes,
            RequestTimeoutTicks = a.RequestTimeout.Ticks,
            RestartTicks = a.RestartTime.Ticks,
            ConsistentListFromCache = a.ConsistentListFromCache,
            BaseCpuTicks = c.BaseCpu.Ticks,
            MutatingCpuTicks = c.MutatingCpu.Ticks,
            DecodeBytesPerSecond = c.DecodeBytesPerSecond.Value,
            EncodeBytesPerSecond = c.EncodeBytesPerSecond.Value,
            CacheScanTicksPerObject = c.CacheScanPerObject.Ticks,
            EtcdListMemoryFactor = c.EtcdListMemoryFactor,
            CacheListMemoryFactor = c.CacheListMemoryFactor,
            WatchCacheMemoryFactor = c.WatchCacheMemoryFactor,
            EtcdCores = spec.Etcd.CpuCores,
            EtcdRangeBytesPerSecond = spec.Etcd.RangeBytesPerSecond.Value,
            EtcdRequestTicks = spec.Etcd.RequestLatency.Ticks,
            EtcdWriteTicks = spec.Etcd.WriteLatency.Ticks,
            Apf = apf,
        };
    }

    public static Identity IdentityOf(WorkloadSpec w)
    {
        if (w.Identity.ServiceAccount is { } sa)
        {
            var parts = sa.Split('/');
            return parts.Length == 2 ? Identity.ServiceAccount(parts[0], parts[1]) : Identity.ServiceAccount("default", sa);
        }
        return Identity.ForUser(w.Identity.User ?? $"user:{w.Name}", w.Identity.Groups);
    }

    private static Workload BuildWorkload(Simulation sim, ApiServerSet api, ClusterSpec spec, WorkloadSpec w)
    {
        var id = IdentityOf(w);
        int pods = w.Placement == Placement.PerNode ? spec.Nodes : w.Replicas;
        double namespaceShare = 1.0 / Math.Max(1, api.Resources.Find("namespaces")?.Count ?? 1);
        var calls = new List<PeriodicCall>();
        foreach (var c in w.Calls)
        {
            string? ns = c.Scope == Scope.Cluster ? null : c.Namespace;
            double scope = c.Scope switch { Scope.Cluster => 1.0, Scope.Namespace => namespaceShare, _ => 0 };
            string verb = c.Verb.ToString().ToLowerInvariant();
            if (c.Scope == Scope.Object && c.Verb == Verb.List) verb = "get";
            var call = api.DefineCall($"{w.Name} {verb} {c.Resource}", id.User, id.Groups, verb, c.Resource, ns,
                c.ResourceVersion, c.Selector.Length > 0, Selectivity(c.Selector, c.Selectivity, spec), c.Limit, scope);
            calls.Add(new PeriodicCall(call, new Periodic(c.Every.Seconds, c.Jitter)));
        }
        return new Workload(w.Name, sim, api, pods,
            _ => api.CreateClient(w.Client.Qps, w.Client.Burst, w.Client.Timeout?.Ticks ?? 0, w.Client.MaxRetries),
            calls,
            (pod, client) => w.Informers.Select((inf, k) => InformerOf(sim, api, spec, w, id, inf, pod, k, client, namespaceShare)).ToList());
    }

    private static Informer InformerOf(Simulation sim, ApiServerSet api, ClusterSpec spec, WorkloadSpec w, Identity id,
        InformerSpec inf, int pod, int k, ApiClient client, double namespaceShare)
    {
        string? ns = inf.Scope == Scope.Cluster ? null : inf.Namespace;
        double scope = inf.Scope == Scope.Cluster ? 1.0 : namespaceShare;
        double sel = Selectivity(inf.Selector, inf.Selectivity, spec);
        bool hasSel = inf.Selector.Length > 0;
        var list = api.DefineCall($"{w.Name} informer {inf.Resource}", id.User, id.Groups, "list", inf.Resource, ns, "0", hasSel, sel, 0, scope);
        var relist = api.DefineCall($"{w.Name} informer {inf.Resource} relist", id.User, id.Groups, "list", inf.Resource, ns, "", hasSel, sel, 0, scope);
        var watch = api.DefineCall($"{w.Name} informer {inf.Resource} watch", id.User, id.Groups, "watch", inf.Resource, ns, "0", hasSel, sel, 0, scope);
        return new Informer(sim, api, client, list, relist, watch, sim.Random.Stream($"{api.Cluster}/workload/{w.Name}/informer/{k}", pod));
    }

    /// <summary>What share of the objects a selector matches: as given, else one node's share for spec.nodeName, else all.</summary>
    private static double Selectivity(string selector, double? given, ClusterSpec spec)
    {
        if (given is { } g) return g;
        if (selector.Contains("spec.nodeName", StringComparison.Ordinal)) return 1.0 / spec.Nodes;
        return 1.0;
    }
}
