using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// The DNS mitigations: cluster DNS config a platform team owns (CoreDNS' Corefile and NodeLocal
/// DNSCache's). They apply only where products resolve names, i.e. scenarios with products.
/// </summary>
public static class DataPlaneMitigations
{
    /// <summary>
    /// How much longer the longer cache keeps answers than the cluster does today: twice. A factor, not a length: the
    /// same mitigation for a cluster whose answers live 30 s and one whose live 20 minutes.
    /// </summary>
    public const int LongerTtlFactor = 2;

    private static string? NoProducts(Scenario s) =>
        s.Products.Count == 0 ? "the scenario has no products (nothing resolves names)" : null;

    /// <summary>NodeLocal DNSCache on every node, with `serve_stale` (docs/sources.md §5: off by default; when on, 1 h).</summary>
    public static string? ServeStale(Scenario s, MitigationContext ctx)
    {
        if (NoProducts(s) is { } why) return why;
        int before = ctx.Changes.Count;
        foreach (var (spec, path) in Mitigations.ClusterSpecs(s))
        {
            var cache = spec.Dns.NodeLocalCache;
            if (!spec.Dns.Enabled || (cache.Enabled && cache.ServeStale)) continue;
            ctx.Changes.Add($"{path}.dns.nodeLocalCache: " + (cache.Enabled ? "" : "enabled: true, ") + $"serveStale: true (for {cache.ServeStaleFor})");
            cache.Enabled = true;
            cache.ServeStale = true;
        }
        return ctx.Changes.Count > before ? null : "every cluster's node cache already serves stale answers";
    }

    /// <summary>
    /// Answers kept longer on the nodes: a node cache keeps an answer for the record's TTL capped by its own maximum
    /// (docs/sources.md §5), so an answer lives min(recordTtl, successTtl) there today, or recordTtl where no node cache
    /// runs. Both CoreDNS' `ttl` and the node cache's success TTL are raised to <see cref="LongerTtlFactor"/> times that
    /// (a longer one is kept), and the node cache is turned on.
    /// </summary>
    public static string? LongerNodeCacheTtl(Scenario s, MitigationContext ctx)
    {
        if (NoProducts(s) is { } why) return why;
        int before = ctx.Changes.Count;
        foreach (var (spec, path) in Mitigations.ClusterSpecs(s))
        {
            var dns = spec.Dns;
            if (!dns.Enabled) continue;
            var cache = dns.NodeLocalCache;
            var lives = cache.Enabled ? Min(dns.RecordTtl, cache.SuccessTtl) : dns.RecordTtl;
            var ttl = new Duration(lives.Ticks * LongerTtlFactor);
            ctx.Changes.Add($"{path}.dns: recordTtl {dns.RecordTtl} → {Max(dns.RecordTtl, ttl)}, nodeLocalCache " +
                (cache.Enabled ? "" : "enabled, ") + $"successTtl {cache.SuccessTtl} → {Max(cache.SuccessTtl, ttl)}");
            dns.RecordTtl = Max(dns.RecordTtl, ttl);
            cache.Enabled = true;
            cache.SuccessTtl = Max(cache.SuccessTtl, ttl);
        }
        return ctx.Changes.Count > before ? null : "no cluster runs cluster DNS";
    }

    /// <summary>
    /// A relist holds the informer's new list next to its store until it replaces it (client-go's reflector
    /// decodes the whole LIST, then Replace), so the store's memory doubles for a moment: headroom of 100 %
    /// over the scaling guide's steady-state estimate covers it.
    /// </summary>
    public const double RelistHeadroom = 1.0;

    /// <summary>
    /// "Decouple the data plane from the control plane": CoreDNS serves from its informers' last view while the
    /// API server is gone, unless it restarts. A limit that holds a relist keeps the relists a recovering control
    /// plane causes from OOM-killing it into SERVFAIL. Only where the limit is derived from the guide.
    /// </summary>
    public static string? FromInformers(Scenario s, MitigationContext ctx)
    {
        if (NoProducts(s) is { } why) return why;
        int before = ctx.Changes.Count;
        foreach (var (spec, path) in Mitigations.ClusterSpecs(s))
        {
            var core = spec.Dns.CoreDns;
            if (!spec.Dns.Enabled || core.MemoryLimit is not null || core.MemoryHeadroom >= RelistHeadroom) continue;
            ctx.Changes.Add($"{path}.dns.coreDns.memoryHeadroom: {core.MemoryHeadroom:P0} → {RelistHeadroom:P0}");
            core.MemoryHeadroom = RelistHeadroom;
        }
        return ctx.Changes.Count > before ? null : "every cluster's CoreDNS already has room for a relist, or a set memory limit";
    }

    private static Duration Max(Duration a, Duration b) => a >= b ? a : b;
    private static Duration Min(Duration a, Duration b) => a <= b ? a : b;
}
