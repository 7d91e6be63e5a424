using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Tests.ControlPlane;

namespace Cascade.Tests.Cluster;

/// <summary>Scenarios built in code for data-plane tests: the list storm with products that call each other by DNS name.</summary>
internal static class DataPlaneScenarios
{
    /// <summary>Three user-facing products and the internal services they call, as in scenarios/list-storm.yaml.</summary>
    public static void AddProducts(Scenario s)
    {
        s.Products.Add(new ProductSpec { Name = "auth", Replicas = 60, RequestRate = 0 });
        s.Products.Add(new ProductSpec { Name = "inference", Replicas = 200, RequestRate = 0 });
        s.Products.Add(new ProductSpec { Name = "conversations", Replicas = 60, RequestRate = 0 });
        s.Products.Add(new ProductSpec { Name = "video-gen", Replicas = 60, RequestRate = 0 });
        s.Products.Add(new ProductSpec { Name = "chatgpt", Replicas = 150, RequestRate = 3000, Calls = { "auth", "inference", "conversations" } });
        s.Products.Add(new ProductSpec { Name = "api", Replicas = 100, RequestRate = 2000, Calls = { "auth", "inference" } });
        s.Products.Add(new ProductSpec { Name = "sora", Replicas = 50, RequestRate = 300, Calls = { "auth", "video-gen" } });
    }

    /// <summary>The list storm with products and DNS; node-local caches holding answers for <paramref name="cacheTtlSeconds"/>.</summary>
    public static Scenario ListStorm(int nodes, double minutes, double cacheTtlSeconds = 1200, bool serveStale = false)
    {
        var s = TestScenarios.ListStorm(nodes, minutes);
        AddProducts(s);
        return WithNodeLocalCache(s, cacheTtlSeconds, serveStale);
    }

    /// <summary>NodeLocal DNSCache on every node, keeping answers for <paramref name="cacheTtlSeconds"/> (records carry that TTL too).</summary>
    public static Scenario WithNodeLocalCache(Scenario s, double cacheTtlSeconds, bool serveStale = false)
    {
        var dns = s.Cluster.Dns;
        dns.RecordTtl = Duration.FromSeconds(cacheTtlSeconds);
        dns.NodeLocalCache.Enabled = true;
        dns.NodeLocalCache.SuccessTtl = Duration.FromSeconds(cacheTtlSeconds);
        dns.NodeLocalCache.ServeStale = serveStale;
        return s;
    }

    /// <summary>A quiet cluster: products and DNS, no agent loading the API server.</summary>
    public static Scenario Healthy(int nodes, double minutes)
    {
        var s = TestScenarios.ListStorm(nodes, minutes);
        s.Workloads.Clear();
        AddProducts(s);
        return s;
    }
}
