using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// The DNS mitigations: cluster DNS config a platform team owns (CoreDNS' Corefile and NodeLocal
/// DNSCache's). They apply only where products resolve names, i.e. scenarios with products.
/// </summary>
public static class DataPlaneMitigations
{
    /// <summary>How long the longer cache keeps answers: twice the ~20 min OpenAI's caches held (docs/sources.md §5).</summary>
    public const int LongTtlMinutes = 40;

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
    /// Answers kept longer on the nodes: a node cache keeps an answer for the record's TTL capped by its
    /// own maximum, so both CoreDNS' `ttl` and the node cache's success TTL go up.
    /// </summary>
    public static string? LongerNodeCacheTtl(Scenario s, MitigationContext ctx)
    {
        if (NoProducts(s) is { } why) return why;
        var ttl = Duration.FromSeconds(LongTtlMinutes * 60);
        int before = ctx.Changes.Count;
        foreach (var (spec, path) in Mitigations.ClusterSpecs(s))
        {
            var dns = spec.Dns;
            if (!dns.Enabled || (dns.NodeLocalCache.Enabled && dns.RecordTtl >= ttl && dns.NodeLocalCache.SuccessTtl >= ttl)) continue;
            ctx.Changes.Add($"{path}.dns: recordTtl {dns.RecordTtl} → {Max(dns.RecordTtl, ttl)}, nodeLocalCache " +
                (dns.NodeLocalCache.Enabled ? "" : "enabled, ") + $"successTtl {dns.NodeLocalCache.SuccessTtl} → {Max(dns.NodeLocalCache.SuccessTtl, ttl)}");
            dns.RecordTtl = Max(dns.RecordTtl, ttl);
            dns.NodeLocalCache.Enabled = true;
            dns.NodeLocalCache.SuccessTtl = Max(dns.NodeLocalCache.SuccessTtl, ttl);
        }
        return ctx.Changes.Count > before ? null : $"every cluster's node cache already keeps answers {LongTtlMinutes} minutes";
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
}
