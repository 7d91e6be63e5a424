using Cascade.Preflight;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Preflight;

/// <summary>
/// The DNS mitigations of DataPlaneMitigations.cs on hand-made clusters, field by field: which clusters
/// they change, to what, which they skip (DNS off, or already as wanted), and what they say.
/// </summary>
public class DataPlaneMitigationTests
{
    private static Duration Minutes(double m) => Duration.FromSeconds(m * 60);

    private static Scenario WithClusters(params ClusterSpec[] clusters) => new()
    {
        Clusters = [.. clusters],
        Products = [new ProductSpec { Name = "api" }],
    };

    private static ClusterSpec Cluster(string name, Action<DnsSpec>? dns = null)
    {
        var c = new ClusterSpec { Name = name };
        dns?.Invoke(c.Dns);
        return c;
    }

    private static (string? Why, List<string> Changes) Apply(Func<Scenario, MitigationContext, string?> mitigation, Scenario s)
    {
        var ctx = new MitigationContext(Path.GetTempPath());
        return (mitigation(s, ctx), ctx.Changes);
    }

    [Fact]
    public void Serve_stale_turns_on_the_node_cache_and_serve_stale_where_either_is_off_and_skips_clusters_without_dns_or_already_serving_stale()
    {
        var s = WithClusters(
            Cluster("off"),
            Cluster("cache-only", d => { d.NodeLocalCache.Enabled = true; d.NodeLocalCache.ServeStaleFor = Minutes(30); }),
            Cluster("no-dns", d => d.Enabled = false),
            Cluster("done", d => { d.NodeLocalCache.Enabled = true; d.NodeLocalCache.ServeStale = true; }),
            Cluster("stale-only", d => d.NodeLocalCache.ServeStale = true));
        var (why, changes) = Apply(DataPlaneMitigations.ServeStale, s);
        Assert.Null(why);
        Assert.Equal([(true, true), (true, true), (false, false), (true, true), (true, true)],
            s.Clusters.Select(c => (c.Dns.NodeLocalCache.Enabled, c.Dns.NodeLocalCache.ServeStale)));
        Assert.Equal([
            "clusters[0].dns.nodeLocalCache: enabled: true, serveStale: true (for 1h)",
            "clusters[1].dns.nodeLocalCache: serveStale: true (for 30m)",
            "clusters[4].dns.nodeLocalCache: enabled: true, serveStale: true (for 1h)",
        ], changes);
    }

    [Fact]
    public void Serve_stale_does_not_apply_when_every_cluster_with_dns_already_serves_stale()
    {
        var s = WithClusters(Cluster("done", d => { d.NodeLocalCache.Enabled = true; d.NodeLocalCache.ServeStale = true; }), Cluster("no-dns", d => d.Enabled = false));
        var (why, changes) = Apply(DataPlaneMitigations.ServeStale, s);
        Assert.Equal("every cluster's node cache already serves stale answers", why);
        Assert.Empty(changes);
        Assert.False(s.Clusters[1].Dns.NodeLocalCache.Enabled);
    }

    [Fact]
    public void The_longer_ttl_doubles_how_long_a_node_keeps_an_answer_keeps_longer_ttls_and_turns_the_node_cache_on()
    {
        var s = WithClusters(
            Cluster("defaults"),                                                                   // no node cache: answers live the record's 30 s
            Cluster("long-record", d => { d.RecordTtl = Minutes(60); d.NodeLocalCache.Enabled = true; }),   // the cache's 30 s caps the hour
            Cluster("long-cache", d => d.NodeLocalCache.SuccessTtl = Minutes(50)),                  // no node cache yet: the record's 30 s
            Cluster("replay-like", d => { d.RecordTtl = Minutes(20); d.NodeLocalCache.Enabled = true; d.NodeLocalCache.SuccessTtl = Minutes(20); }),
            Cluster("no-dns", d => d.Enabled = false));
        var (why, changes) = Apply(DataPlaneMitigations.LongerNodeCacheTtl, s);
        Assert.Null(why);
        Assert.Equal([(1.0, true, 1.0), (60.0, true, 1.0), (1.0, true, 50.0), (40.0, true, 40.0), (0.5, false, 0.5)],
            s.Clusters.Select(c => (c.Dns.RecordTtl.Seconds / 60, c.Dns.NodeLocalCache.Enabled, c.Dns.NodeLocalCache.SuccessTtl.Seconds / 60)));
        Assert.Equal([
            "clusters[0].dns: recordTtl 30s → 1m, nodeLocalCache enabled, successTtl 30s → 1m",
            "clusters[1].dns: recordTtl 1h → 1h, nodeLocalCache successTtl 30s → 1m",
            "clusters[2].dns: recordTtl 30s → 1m, nodeLocalCache enabled, successTtl 50m → 50m",
            "clusters[3].dns: recordTtl 20m → 40m, nodeLocalCache successTtl 20m → 40m",
        ], changes);
    }

    [Theory]
    [InlineData(5, 30, true, 10, 30)]      // CoreDNS' 5 s records cap the node's 30 s: both to 10 s, the longer kept
    [InlineData(30, 5, true, 30, 10)]
    [InlineData(30, 5, false, 60, 60)]     // no node cache: the record's 30 s, doubled, and the cache on with it
    [InlineData(600, 600, true, 1200, 1200)]
    public void The_longer_ttl_is_twice_what_the_cluster_keeps_today_whatever_that_is(
        double recordSeconds, double cacheSeconds, bool cacheOn, double recordAfter, double cacheAfter)
    {
        var s = WithClusters(Cluster("c", d => { d.RecordTtl = Duration.FromSeconds(recordSeconds); d.NodeLocalCache.SuccessTtl = Duration.FromSeconds(cacheSeconds); d.NodeLocalCache.Enabled = cacheOn; }));
        var (why, changes) = Apply(DataPlaneMitigations.LongerNodeCacheTtl, s);
        Assert.Null(why);
        Assert.Single(changes);
        var dns = s.Clusters[0].Dns;
        Assert.Equal((recordAfter, cacheAfter, true), (dns.RecordTtl.Seconds, dns.NodeLocalCache.SuccessTtl.Seconds, dns.NodeLocalCache.Enabled));
    }

    [Fact]
    public void The_longer_ttl_changes_nothing_where_no_cluster_runs_dns()
    {
        var s = WithClusters(Cluster("a", d => d.Enabled = false), Cluster("b", d => d.Enabled = false));
        var (why, changes) = Apply(DataPlaneMitigations.LongerNodeCacheTtl, s);
        Assert.Equal("no cluster runs cluster DNS", why);
        Assert.Empty(changes);
    }

    [Fact]
    public void From_informers_gives_coredns_100_percent_headroom_only_where_its_limit_is_derived_and_smaller()
    {
        var s = WithClusters(
            Cluster("default"),
            Cluster("set-limit", d => d.CoreDns.MemoryLimit = new Quantity(512.0 * 1024 * 1024)),
            Cluster("exactly", d => d.CoreDns.MemoryHeadroom = 1.0),
            Cluster("more", d => d.CoreDns.MemoryHeadroom = 2.5),
            Cluster("less", d => d.CoreDns.MemoryHeadroom = 0.99),
            Cluster("no-dns", d => d.Enabled = false));
        var (why, changes) = Apply(DataPlaneMitigations.FromInformers, s);
        Assert.Null(why);
        Assert.Equal([1.0, 0.25, 1.0, 2.5, 1.0, 0.25], s.Clusters.Select(c => c.Dns.CoreDns.MemoryHeadroom));
        Assert.Equal(["clusters[0].dns.coreDns.memoryHeadroom: 25 % → 100 %", "clusters[4].dns.coreDns.memoryHeadroom: 99 % → 100 %"], changes);
    }

    [Fact]
    public void From_informers_does_not_apply_when_every_coredns_has_room_or_a_set_limit()
    {
        var s = WithClusters(Cluster("set-limit", d => d.CoreDns.MemoryLimit = new Quantity(1e9)), Cluster("room", d => d.CoreDns.MemoryHeadroom = 1));
        var (why, changes) = Apply(DataPlaneMitigations.FromInformers, s);
        Assert.Equal("every cluster's CoreDNS already has room for a relist, or a set memory limit", why);
        Assert.Empty(changes);
    }

    [Fact]
    public void A_single_cluster_scenario_is_changed_on_its_cluster_path()
    {
        var s = new Scenario { Products = [new ProductSpec { Name = "api" }] };
        var (why, changes) = Apply(DataPlaneMitigations.FromInformers, s);
        Assert.Null(why);
        Assert.Equal(1.0, s.Cluster.Dns.CoreDns.MemoryHeadroom);
        Assert.Equal(["cluster.dns.coreDns.memoryHeadroom: 25 % → 100 %"], changes);
    }

    [Fact]
    public void No_dns_mitigation_applies_to_a_scenario_without_products_or_changes_it()
    {
        foreach (var mitigation in new Func<Scenario, MitigationContext, string?>[] { DataPlaneMitigations.ServeStale, DataPlaneMitigations.LongerNodeCacheTtl, DataPlaneMitigations.FromInformers })
        {
            var s = new Scenario();
            var (why, changes) = Apply(mitigation, s);
            Assert.Equal("the scenario has no products (nothing resolves names)", why);
            Assert.Empty(changes);
            Assert.Equal((false, false, 30.0, 0.25), (s.Cluster.Dns.NodeLocalCache.Enabled, s.Cluster.Dns.NodeLocalCache.ServeStale,
                s.Cluster.Dns.RecordTtl.Seconds, s.Cluster.Dns.CoreDns.MemoryHeadroom));
        }
    }

    [Fact]
    public void The_built_in_dns_rows_are_these_three_transformations()
    {
        var s = WithClusters(Cluster("a"));
        Assert.Null(Mitigations.Find("dns-serve-stale").ApplyTo(s, new MitigationContext(Path.GetTempPath())));
        Assert.Null(Mitigations.Find("dns-cache-ttl").ApplyTo(s, new MitigationContext(Path.GetTempPath())));
        Assert.Null(Mitigations.Find("dns-from-informers").ApplyTo(s, new MitigationContext(Path.GetTempPath())));
        var dns = s.Clusters[0].Dns;   // the cache serve-stale turned on keeps the record's 30 s; twice that
        Assert.Equal((true, true, 60.0, 60.0, 1.0), (dns.NodeLocalCache.Enabled, dns.NodeLocalCache.ServeStale, dns.RecordTtl.Seconds,
            dns.NodeLocalCache.SuccessTtl.Seconds, dns.CoreDns.MemoryHeadroom));
    }
}
