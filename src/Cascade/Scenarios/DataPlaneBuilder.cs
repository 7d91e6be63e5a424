using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>Resolves the data-plane part of a scenario (dns, nodeLifecycle, scheduler, endpoints, products) into a <see cref="DataPlane"/>.</summary>
public static class DataPlaneBuilder
{
    public static DataPlane Build(Simulation sim, Scenario scenario, ClusterSpec spec, ClusterModel cluster, Timeline timeline)
    {
        var config = ConfigFrom(scenario, spec);
        return new DataPlane(sim, cluster.Api, cluster.Nodes, config, cluster.Kubelets, cluster.Controllers, timeline, cluster.NodeSlots);
    }

    public static DataPlaneConfig ConfigFrom(Scenario scenario, ClusterSpec spec)
    {
        var products = ProductsOf(scenario, spec.Name);
        var d = spec.Dns;
        var nl = spec.NodeLifecycle;
        var sch = spec.Scheduler;
        return new DataPlaneConfig
        {
            Zones = spec.Zones,
            PodsPerNode = spec.PodsPerNode,
            // Judging nodes needs their leases: without kubelets there is nothing to observe.
            NodeLifecycle = nl.Enabled && spec.Kubelets.Enabled,
            MonitorPeriodTicks = Positive(nl.MonitorPeriod.Ticks, "cluster.nodeLifecycle.monitorPeriod"),
            GracePeriodTicks = Positive(nl.GracePeriod?.Ticks ?? SimTime.FromSeconds(ScenarioBuilder.FeaturesOf(spec).NodeMonitorGracePeriodSeconds),
                "cluster.nodeLifecycle.gracePeriod"),
            EvictionRate = nl.EvictionRate,
            SecondaryEvictionRate = nl.SecondaryEvictionRate,
            UnhealthyZoneThreshold = nl.UnhealthyZoneThreshold,
            LargeClusterSize = nl.LargeClusterSize,
            TolerationTicks = NonNegative(nl.TolerationSeconds.Ticks, "cluster.nodeLifecycle.tolerationSeconds"),
            Scheduler = sch.Enabled,
            SchedulerQps = sch.Qps,
            SchedulerBurst = sch.Burst,
            MaxBindingsInFlight = sch.MaxBindingsInFlight ?? int.MaxValue,
            PodStartupTicks = NonNegative(sch.PodStartup.Ticks, "cluster.scheduler.podStartup"),
            EndpointSliceWorkers = spec.Endpoints.Workers,
            KubeProxy = spec.Endpoints.KubeProxy,
            Dns = d.Enabled,
            CoreDnsReplicas = d.CoreDns.Replicas,
            CoreDnsCapacityQps = d.CoreDns.CapacityQps,
            CoreDnsMemoryLimitBytes = d.CoreDns.MemoryLimit?.Bytes ?? DataPlaneConfig.CoreDnsMemoryLimitFromGuide,
            CoreDnsMemoryHeadroom = d.CoreDns.MemoryHeadroom,
            CoreDnsSyncWaitTicks = NonNegative(d.CoreDns.SyncWait.Ticks, "cluster.dns.coreDns.syncWait"),
            LivenessInitialDelayTicks = NonNegative(d.CoreDns.LivenessInitialDelay.Ticks, "cluster.dns.coreDns.livenessInitialDelay"),
            LivenessPeriodTicks = Positive(d.CoreDns.LivenessPeriod.Ticks, "cluster.dns.coreDns.livenessPeriod"),
            LivenessFailureThreshold = d.CoreDns.LivenessFailureThreshold,
            RecordTtlTicks = Positive(d.RecordTtl.Ticks, "cluster.dns.recordTtl"),
            ServfailTtlTicks = Positive(d.ServfailTtl.Ticks, "cluster.dns.servfailTtl"),
            NodeLocalCache = d.NodeLocalCache.Enabled,
            NodeCacheSuccessTtlTicks = Positive(d.NodeLocalCache.SuccessTtl.Ticks, "cluster.dns.nodeLocalCache.successTtl"),
            ServeStale = d.NodeLocalCache.ServeStale,
            ServeStaleForTicks = NonNegative(d.NodeLocalCache.ServeStaleFor.Ticks, "cluster.dns.nodeLocalCache.serveStaleFor"),
            ClientCacheTtlTicks = d.Discovery == Discovery.Api && d.ClientCache.Ttl.Ticks == 0
                ? SimTime.FromSeconds(35) // Spring Cloud LoadBalancer's instance cache TTL (LoadBalancerCacheProperties)
                : NonNegative(d.ClientCache.Ttl.Ticks, "cluster.dns.clientCache.ttl"),
            ApiDiscovery = d.Discovery == Discovery.Api,
            ClientNegativeTtlTicks = NonNegative(d.ClientCache.NegativeTtl.Ticks, "cluster.dns.clientCache.negativeTtl"),
            ClientRetries = d.ClientRetries,
            Products = products,
        };
    }

    /// <summary>The products that run in cluster <paramref name="cluster"/>: those naming it (a name or glob), and those naming none.</summary>
    private static List<ProductConfig> ProductsOf(Scenario scenario, string cluster)
    {
        var clusters = scenario.ExpandedClusters();
        var here = new List<ProductSpec>();
        var at = new List<int>();   // each one's index in scenario.Products, for a path --set takes
        for (int i = 0; i < scenario.Products.Count; i++)
        {
            var p = scenario.Products[i];
            if (string.IsNullOrEmpty(p.Name)) throw new InputException("a product needs a name", field: $"products[{i}].name");
            if (p.Cluster is { } c)
            {
                if (!clusters.Any(k => ClusterPattern.Matches(new[] { c }, k.Name)))
                    throw new InputException($"no cluster of the scenario is '{c}' (clusters: {string.Join(", ", clusters.Select(k => k.Name))})", field: $"products[{i}].cluster");
                if (!ClusterPattern.Matches(new[] { c }, cluster)) continue;
            }
            here.Add(p);
            at.Add(i);
        }
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < here.Count; i++)
            if (!index.TryAdd(here[i].Name, i)) throw new InputException($"product '{here[i].Name}' is declared twice for cluster '{cluster}'", field: $"products[{at[i]}].name");
        var result = new List<ProductConfig>();
        for (int i = 0; i < here.Count; i++)
        {
            var p = here[i];
            var calls = new int[p.Calls.Count];
            for (int k = 0; k < p.Calls.Count; k++)
            {
                if (!index.TryGetValue(p.Calls[k], out calls[k]))
                    throw new InputException($"'{p.Calls[k]}' is not a product in cluster '{cluster}' (known there: {string.Join(", ", index.Keys)})", field: $"products[{at[i]}].calls[{k}]");
                if (calls[k] == i) throw new InputException($"product '{p.Name}' calls itself", field: $"products[{at[i]}].calls[{k}]");
            }
            result.Add(new ProductConfig(p.Name, p.Replicas, p.RequestRate, calls));
        }
        return result;
    }

    private static long Positive(long ticks, string field) =>
        ticks > 0 ? ticks : throw new InputException("must be longer than zero", field: field);

    private static long NonNegative(long ticks, string field) =>
        ticks >= 0 ? ticks : throw new InputException("must not be negative", field: field);
}
