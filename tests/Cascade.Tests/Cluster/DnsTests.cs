using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// CoreDNS and the caches in front of it on a tiny cluster: web (3 pods, 100 requests/s) looks up backend; the
/// API server goes away so no readiness can be written, and CoreDNS replicas restarted into the outage cannot sync.
/// </summary>
public class DnsTests
{
    private const double MiB = 1 << 20;

    /// <summary>The API server stops for <paramref name="seconds"/> and the CoreDNS replicas named restart into the outage.</summary>
    private static void Outage(SmallCluster c, double seconds, params int[] replicas) => c.ApiOutage(seconds, replicas);

    private static double[] WebLookupFailures(SmallCluster c) =>
        c.PodsOf("web").Select(p => c.Dp.Caches.LookupFailure(p, c.Service("backend"))).ToArray();

    private static int WebNodes(SmallCluster c) => c.PodsOf("web").Select(p => c.Pods.Node[p]).Distinct().Count();

    [Fact]
    public void Without_caches_one_coredns_replica_of_two_not_answering_fails_a_quarter_of_lookups_with_one_retry()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var dns = c.Dp.CoreDns!;
        Assert.Equal(100, dns.QueriesPerSecond, 9);
        Assert.Equal(2, dns.AnsweringCount);
        Assert.Null(c.Dp.KubeDns.DnsFailureAtSeconds);
        Outage(c, 600, 0);
        dns.RestartContainer(0, "again");   // already down: not restarted twice
        Assert.Equal(1, dns.Restarts);
        Assert.Equal((60.0, "coredns-0 container restarted: test"), Assert.Single(c.Notes("coredns-restart")));
        c.RunTo(100);
        Assert.False(dns.Answering(0));
        Assert.True(dns.Answering(1));
        Assert.Equal(1, dns.AnsweringCount);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0.25, f, 12));
        Assert.Equal(125, dns.QueriesPerSecond, 9);   // each failed lookup is asked once more
        Assert.Equal(125, dns.PeakQueriesPerSecond, 9);
        var web = c.Dp.ProductSamples(c.Service("web"))[^1];
        Assert.Equal((100.0, 1000.0), (web.TimeSeconds, web.Requests));
        Assert.Equal(0.25, web.ErrorRate, 9);
        Assert.Equal(0.25, web.DnsFailure, 9);
        Assert.Equal(0, web.RouteFailure, 9);
        var sample = c.Dp.Samples[^1];
        Assert.Equal(1, sample.CoreDnsAnswering);
        Assert.Equal(125, sample.CoreDnsQps, 9);
        var bucket = sample.CoreDns!;
        Assert.Equal(625, bucket.Queries[0], 6);
        Assert.Equal(625, bucket.ServFail[0], 6);
        Assert.Equal(0, bucket.NoError[0]);
        Assert.Equal(625, bucket.Queries[1], 6);
        Assert.Equal(625, bucket.NoError[1], 6);
        Assert.Equal(0, bucket.ServFail[1]);
        Assert.Equal(61, c.Dp.KubeDns.DnsFailureAtSeconds);
        Assert.Equal(61, Assert.Single(c.Notes("dns-failure")).Time);
    }

    [Fact]
    public void Without_retries_half_the_lookups_fail_when_one_replica_of_two_does_not_answer()
    {
        var c = new SmallCluster("cluster.dns.clientRetries=0");
        c.RunTo(60);
        Outage(c, 600, 0);
        c.RunTo(100);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0.5, f, 12));
        Assert.Equal(100, c.Dp.CoreDns!.QueriesPerSecond, 9);
        Assert.Equal(0.5, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
    }

    [Fact]
    public void A_restarted_coredns_replica_leaves_kube_dns_until_it_has_synced_and_is_ready_again()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var dns = c.Dp.CoreDns!;
        int pod = c.Dp.Services.FirstPod[c.Dp.Services.KubeDns] + 1;
        Assert.Equal(1, dns.ReplicaOf(pod));
        Assert.Equal(-1, dns.ReplicaOf(0));
        dns.RestartContainer(1, "test");
        c.RunTo(64);
        Assert.Equal(0, dns.MemoryBytes(1));
        Assert.False(c.Pods.WantReady[pod]);
        Assert.Equal(new[] { 0, -1 }, c.NewestEndpoints("kube-dns"));
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0, f));
        c.RunTo(64.9);
        Assert.False(dns.Answering(1));
        c.RunTo(80);   // back 5 s after the restart (its container's start: a first crash waits no back-off), listing afresh
        Assert.True(dns.Answering(1));
        Assert.True(c.Pods.ReadyInApi[pod]);
        Assert.Equal(new[] { 0, 0 }, c.NewestEndpoints("kube-dns"));
    }

    [Fact]
    public void A_replica_that_keeps_crashing_waits_the_kubelets_crash_loop_back_off_which_a_new_pod_or_ten_minutes_running_resets()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var dns = c.Dp.CoreDns!;
        // Crashed at `at`, the container starts again `back` later: 5 s to start, after 0, 10, 20, 40 s of back-off.
        void CrashAndExpect(double at, double back)
        {
            c.RunTo(at);
            Assert.True(dns.Answering(1));
            dns.RestartContainer(1, "test");
            c.RunTo(at + back - 0.01);
            Assert.False(dns.Answering(1));
            c.RunTo(at + back + 1);
            Assert.True(dns.Answering(1));
        }
        CrashAndExpect(60, 5);
        CrashAndExpect(70, 15);
        CrashAndExpect(90, 25);
        CrashAndExpect(120, 45);
        CrashAndExpect(166 + 600, 5);   // ten minutes running: the back-off starts over
        CrashAndExpect(780, 15);
        // A new pod (the old one deleted, its replacement created, bound and started) starts with no back-off either.
        c.RunTo(800);
        int pod = c.Dp.Services.FirstPod[c.Dp.Services.KubeDns] + 1;
        c.Dp.Lifecycle.OnPodDeleted(pod);
        Assert.NotNull(c.RunUntil(() => dns.Answering(1), 860, 0.1));
        CrashAndExpect(c.Now + 1, 5);
        // The first replica's pod replaced the same way comes back too.
        c.Dp.Lifecycle.OnPodDeleted(pod - 1);
        c.RunTo(c.Now + 0.5);
        Assert.False(dns.Answering(0));
        Assert.NotNull(c.RunUntil(() => dns.Answering(0), c.Now + 60, 0.1));
    }

    [Fact]
    public void A_replica_restarted_while_the_api_server_is_down_answers_once_the_api_server_is_back_and_it_has_listed()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        Outage(c, 30, 0, 1);
        c.RunTo(89);
        Assert.Equal(0, c.Dp.CoreDns!.AnsweringCount);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(1, f));
        Assert.Equal(1, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
        Assert.NotNull(c.RunUntil(() => c.Dp.CoreDns.AnsweringCount == 2, 200, 1));
        c.RunTo(c.Now + 1);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0, f));
    }

    [Fact]
    public void A_replica_offered_more_than_its_capacity_answers_its_share_and_is_restarted_after_five_failed_liveness_probes()
    {
        var c = new SmallCluster("cluster.dns.coreDns.capacityQps=20");
        c.RunTo(50);
        var dns = c.Dp.CoreDns!;
        Assert.Equal(40 / dns.QueriesPerSecond, dns.AnsweredShare(0), 12);   // each replica is offered half
        Assert.Equal(dns.AnsweredShare(0), dns.AnsweredShare(1), 12);
        Assert.True(dns.QueriesPerSecond > 100);
        var bucket = c.Dp.Samples[^1].CoreDns!;
        Assert.Equal(200, bucket.NoError[0] + bucket.ServFail[0], 6);   // 20 a second answered, the rest dropped
        c.RunTo(99.9);
        Assert.Equal(0, dns.Restarts);
        c.RunTo(100);   // probes every 10 s count from 60 s: failures at 60, 70, 80, 90, 100
        Assert.Equal(2, dns.Restarts);
        var notes = c.Notes("coredns-restart");
        Assert.Equal(2, notes.Count);
        Assert.All(notes, n => Assert.Equal(100.0, n.Time));
        Assert.Matches(@"^coredns-0 container restarted: failed liveness 5 times \(\d+ queries/s offered, capacity 20\)$", notes[0].Message);
        Assert.Equal(0, dns.AnsweringCount);
        Assert.Equal(0, dns.OomKills);
    }

    [Fact]
    public void A_replica_under_its_capacity_passes_every_liveness_probe()
    {
        var c = new SmallCluster("cluster.dns.coreDns.capacityQps=60");
        c.RunTo(300);
        Assert.Equal(0, c.Dp.CoreDns!.Restarts);
        Assert.Equal(1, c.Dp.CoreDns.AnsweredShare(0));
    }

    [Fact]
    public void Coredns_memory_follows_the_scaling_guide_and_its_limit_is_the_guides_estimate_plus_headroom_but_at_least_170_mib()
    {
        double estimate = (24 + 10) * 0.000858 * MiB + 49.1 * MiB;   // 24 pods, 10 Services
        var c = new SmallCluster();
        var dns = c.Dp.CoreDns!;
        Assert.Equal(estimate, dns.GuideEstimateBytes(), 3);
        Assert.Equal((long)(170 * MiB), dns.MemoryLimitBytes);
        c.RunTo(10);
        Assert.Equal(estimate, dns.MemoryBytes(0), 3);
        Assert.Equal(estimate, c.Dp.Samples[^1].CoreDns!.MemoryBytes[1], 3);
        Assert.Equal((long)(4 * estimate), new SmallCluster("cluster.dns.coreDns.memoryHeadroom=3").Dp.CoreDns!.MemoryLimitBytes);
        Assert.Equal(0, new SmallCluster("cluster.dns.coreDns.memoryLimit=0").Dp.CoreDns!.MemoryLimitBytes);
    }

    [Fact]
    public void A_replica_over_its_memory_limit_is_oom_killed_and_restarted()
    {
        var c = new SmallCluster("cluster.dns.coreDns.memoryLimit=40Mi");
        c.RunTo(1);
        var dns = c.Dp.CoreDns!;
        Assert.Equal(2, dns.OomKills);
        Assert.Equal(2, dns.Restarts);
        Assert.Equal("coredns-0 container restarted: OOM-killed (49 MiB over its 40 MiB limit)", c.Notes("coredns-restart")[0].Message);
        c.RunTo(11);   // back cold after 10 s: 49.1 MiB before it lists, still over
        Assert.Equal(4, dns.OomKills);
        var big = new SmallCluster("cluster.dns.coreDns.memoryLimit=50Mi");
        big.RunTo(60);
        Assert.Equal(0, big.Dp.CoreDns!.OomKills);
    }

    [Fact]
    public void A_node_cache_answers_until_each_entry_expires_then_fails_and_asks_coredns_again_every_5_s()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true");
        c.RunTo(60);
        var caches = c.Dp.Caches;
        Assert.Equal(1, caches.Names);
        Assert.Equal(0, caches.NameOf(c.Service("backend")));
        Assert.Equal(-1, caches.NameOf(c.Service("web")));
        Assert.Equal(0, caches.FailedUpstreamQueries);
        long asked = caches.UpstreamQueries;
        Assert.InRange(asked, 3 * 1, 3 * 2);   // each web node's entry refreshed once every 30 s
        Outage(c, 600, 0, 1);
        c.RunTo(60.5);
        Assert.Equal(0, c.Dp.CoreDns!.AnsweringCount);
        Assert.Contains(0.0, WebLookupFailures(c));   // entries still fresh answer
        c.RunTo(91);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(1, f));
        Assert.Equal(WebNodes(c), caches.FailingNodeEntries);
        c.RunTo(100);
        long failed = caches.FailedUpstreamQueries;
        c.RunTo(160);
        Assert.Equal(12 * WebNodes(c), caches.FailedUpstreamQueries - failed);
        Assert.Equal(WebNodes(c), c.Dp.Samples[^1].FailingCacheEntries);
        Assert.Equal(1, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
    }

    [Fact]
    public void With_serve_stale_a_node_cache_answers_from_expired_entries_for_its_stale_window()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.serveStale=true",
            "cluster.dns.nodeLocalCache.serveStaleFor=60s");
        c.RunTo(60);
        Outage(c, 600, 0, 1);
        c.RunTo(89);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0, f));
        Assert.Equal(0, c.Dp.Caches.FailingNodeEntries);
        c.RunTo(121);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(1, f));
    }

    [Fact]
    public void A_client_cache_fails_within_its_ttl_and_retries_after_its_negative_ttl_with_the_resolvers_retry()
    {
        var c = new SmallCluster("cluster.dns.clientCache.ttl=30s", "cluster.dns.clientCache.negativeTtl=10s");
        c.RunTo(60);
        Assert.Equal(0, c.Dp.CoreDns!.QueriesPerSecond, 9);   // no direct load: lookups come from the caches' refreshes
        Assert.All(WebLookupFailures(c), f => Assert.Equal(0, f));
        Outage(c, 600, 0, 1);
        c.RunTo(91);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(1, f));
        c.RunTo(100);
        long failed = c.Dp.Caches.FailedUpstreamQueries;
        c.RunTo(160);
        Assert.Equal(6 * 2 * 3, c.Dp.Caches.FailedUpstreamQueries - failed);   // every 10 s, two attempts, three pods
    }

    [Fact]
    public void A_client_cache_without_a_negative_ttl_asks_again_every_second()
    {
        var c = new SmallCluster("cluster.dns.clientCache.ttl=30s");
        c.RunTo(60);
        Outage(c, 600, 0, 1);
        c.RunTo(100);
        long failed = c.Dp.Caches.FailedUpstreamQueries;
        c.RunTo(160);
        Assert.Equal(60 * 2 * 3, c.Dp.Caches.FailedUpstreamQueries - failed);
    }

    [Fact]
    public void A_client_cache_behind_a_node_cache_fails_when_the_node_entry_fails()
    {
        var c = new SmallCluster("cluster.dns.clientCache.ttl=30s", "cluster.dns.nodeLocalCache.enabled=true");
        c.RunTo(60);
        Outage(c, 600, 0, 1);
        c.RunTo(125);
        Assert.All(WebLookupFailures(c), f => Assert.Equal(1, f));
        Assert.Equal(WebNodes(c), c.Dp.Caches.FailingNodeEntries);
    }
}
