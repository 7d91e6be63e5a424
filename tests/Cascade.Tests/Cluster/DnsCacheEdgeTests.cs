using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The caches' edges: serve_stale's window to the tick, an entry that never had an answer has nothing stale to
/// serve, and a pod that starts on a node cut off from the API servers is cut off with it.
/// </summary>
public class DnsCacheEdgeTests
{
    [Fact]
    public void Serve_stale_answers_until_exactly_its_window_after_the_last_answer_and_not_one_tick_longer()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.serveStale=true",
            "cluster.dns.nodeLocalCache.serveStaleFor=60s");
        c.RunTo(60);
        c.ApiOutage(600, 0, 1);
        int backend = c.Service("backend");
        int pod = c.PodsOf("web").First();
        long lastGood = c.Dp.Caches.NodeEntryLastGood(c.Pods.Node[pod], c.Dp.Caches.NameOf(backend));
        Assert.InRange(SimTime.ToSeconds(lastGood), 0, 60);
        c.RunToTicks(lastGood + SimTime.FromSeconds(60));
        Assert.Equal(0, c.Dp.Caches.LookupFailure(pod, backend, out long until));
        Assert.Equal(lastGood + SimTime.FromSeconds(60) + 1, until);   // the first tick it may fail, as the products keep it
        c.RunToTicks(lastGood + SimTime.FromSeconds(60) + 1);
        Assert.Equal(1, c.Dp.Caches.LookupFailure(pod, backend, out until));
        Assert.Equal(long.MaxValue, until);   // failing until a refresh writes the entry
        Assert.Equal(lastGood, c.Dp.Caches.NodeEntryLastGood(c.Pods.Node[pod], c.Dp.Caches.NameOf(backend)));   // failed refreshes leave it
    }

    [Fact]
    public void An_entry_that_never_had_an_answer_fails_even_with_serve_stale()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.serveStale=true",
            "cluster.dns.nodeLocalCache.serveStaleFor=600s");
        c.RunTo(60);
        c.ApiOutage(600, 0, 1);
        c.RunTo(70);
        Assert.Equal(0, c.Dp.Caches.FailingNodeEntries);   // the warm entries answer stale
        var webNodes = c.PodsOf("web").Select(p => c.Pods.Node[p]).ToHashSet();
        int fresh = Enumerable.Range(0, 6).First(n => !webNodes.Contains(n));
        int name = c.Dp.Caches.NameOf(c.Service("backend"));
        Assert.Equal(long.MinValue, c.Dp.Caches.NodeEntryLastGood(fresh, name));
        c.Dp.Caches.OnPodRunning(c.PodsOf("web").First(), fresh, running: true, warm: false);   // a web pod starts where no entry was ever filled
        c.RunTo(80);
        Assert.Equal(1, c.Dp.Caches.FailingNodeEntries);
        Assert.Equal(long.MinValue, c.Dp.Caches.NodeEntryLastGood(fresh, name));
    }

    [Fact]
    public void With_discovery_through_the_api_a_pod_starting_on_a_cut_off_node_is_cut_off_and_elsewhere_it_is_not()
    {
        var c = new SmallCluster("cluster.dns.discovery=api");
        c.RunTo(60);
        int cut = c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
        var elsewhere = c.PodsOf("web").Where(p => c.Pods.Node[p] != cut).ToList();
        Assert.True(elsewhere.Count >= 2);
        Assert.All(c.PodsOf("web"), p => Assert.Equal(c.Pods.Node[p] == cut, c.Dp.Caches.DiscoveryClient(p).Blocked));

        c.Dp.Caches.OnPodRunning(elsewhere[0], cut, running: true, warm: false);   // a new process on the cut-off node
        Assert.True(c.Dp.Caches.DiscoveryClient(elsewhere[0]).Blocked);
        int other = Enumerable.Range(0, 6).First(n => n != cut);
        c.Dp.Caches.OnPodRunning(elsewhere[0], other, running: true, warm: false);   // and again, elsewhere
        Assert.False(c.Dp.Caches.DiscoveryClient(elsewhere[0]).Blocked);
        c.Dp.Caches.OnPodRunning(elsewhere[1], cut, running: false, warm: false);    // stopping is no start
        Assert.False(c.Dp.Caches.DiscoveryClient(elsewhere[1]).Blocked);
    }

    [Fact]
    public void A_name_first_asked_for_on_a_node_is_fetched_once_at_once_and_lapses_when_nobody_there_asks()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.successTtl=20s", "cluster.dns.recordTtl=20s");
        var caches = c.Dp.Caches;
        c.RunTo(60);
        var web = c.PodsOf("web").ToList();
        var webNodes = web.Select(p => c.Pods.Node[p]).ToHashSet();
        int fresh = Enumerable.Range(0, 6).First(n => !webNodes.Contains(n));
        int name = caches.NameOf(c.Service("backend"));
        Assert.Equal(long.MinValue, caches.NodeEntryLastGood(fresh, name));

        // Two web processes start there at 60 s: the node cache asks CoreDNS once, at once, for both.
        long queries = caches.UpstreamQueries;
        caches.OnPodRunning(web[0], fresh, running: true, warm: false);
        caches.OnPodRunning(web[1], fresh, running: true, warm: false);
        c.RunTo(60.001);
        Assert.Equal(SimTime.FromSeconds(60), caches.NodeEntryLastGood(fresh, name));
        Assert.Equal((2, false), caches.NodeEntry(fresh, name));
        Assert.Equal(1, caches.UpstreamQueries - queries); // the other entries refresh 20 s apart, none in this millisecond

        // Both stop: the entry is not refreshed when it expires, 20 s later, nor after.
        caches.OnPodRunning(web[0], fresh, running: false, warm: false);
        caches.OnPodRunning(web[1], fresh, running: false, warm: false);
        c.RunTo(130);
        Assert.Equal(SimTime.FromSeconds(60), caches.NodeEntryLastGood(fresh, name));
        Assert.Equal(0, caches.NodeEntry(fresh, name).Demand);
    }

    [Fact]
    public void With_discovery_through_the_api_a_partition_of_nodes_first_to_end_cuts_off_those_nodes_and_not_the_next()
    {
        var c = new SmallCluster("cluster.dns.discovery=api");
        c.RunTo(60);
        var caches = c.Dp.Caches;
        var web = c.PodsOf("web").ToList();
        var nodes = web.Select(p => c.Pods.Node[p]).Distinct().Order().ToList();
        Assert.True(nodes.Count >= 2);
        int first = nodes[0], end = nodes[1];   // nodes [first, end) are cut off; a web pod runs on node `end`, just past them
        caches.OnNodesPartitioned(first, end, partitioned: true);
        Assert.All(web, p => Assert.Equal(c.Pods.Node[p] >= first && c.Pods.Node[p] < end, caches.DiscoveryClient(p).Blocked));
        // A process starting on node `end` is not cut off; one starting on a node of the partition is.
        var onEnd = web.First(p => c.Pods.Node[p] == end);
        caches.OnPodRunning(onEnd, end, running: true, warm: false);
        Assert.False(caches.DiscoveryClient(onEnd).Blocked);
        caches.OnPodRunning(onEnd, end - 1, running: true, warm: false);
        Assert.True(caches.DiscoveryClient(onEnd).Blocked);
        caches.OnNodesPartitioned(first, end, partitioned: false);
        Assert.All(web.Where(p => c.Pods.Node[p] < end), p => Assert.False(caches.DiscoveryClient(p).Blocked));
    }

    [Fact]
    public void A_new_process_starts_with_an_empty_client_cache_asks_at_once_and_its_predecessors_refresh_is_dropped()
    {
        var c = new SmallCluster("cluster.dns.clientCache.ttl=30s");
        var caches = c.Dp.Caches;
        c.RunTo(60);
        int backend = c.Service("backend");
        int pod = c.PodsOf("web").First();
        Assert.Equal(0, caches.LookupFailure(pod, backend, out long before));
        Assert.InRange(before, SimTime.FromSeconds(60) + 1, SimTime.FromSeconds(90)); // the old process refreshes before 90 s

        caches.OnPodRunning(pod, c.Pods.Node[pod], running: true, warm: false);       // the pod's process starts anew at 60 s
        Assert.Equal(1, caches.LookupFailure(pod, backend));                           // nothing cached yet
        c.RunTo(60.001);
        Assert.Equal(0, caches.LookupFailure(pod, backend, out long after));
        Assert.Equal(SimTime.FromSeconds(90), after);                                   // asked at 60 s, kept 30 s
        c.RunToTicks(SimTime.FromSeconds(90) - 1);
        // The old process's refresh, due before 90 s, did not run for the new one: the entry is still the one of 60 s.
        Assert.Equal(0, caches.LookupFailure(pod, backend, out after));
        Assert.Equal(SimTime.FromSeconds(90), after);
    }

    [Fact]
    public void Failing_entries_are_counted_among_every_node_entry_asked_for_as_pods_come_and_go()
    {
        var c = new SmallCluster("cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.successTtl=20s", "cluster.dns.recordTtl=20s");
        var caches = c.Dp.Caches;
        int Scan()
        {
            int f = 0;
            for (int n = 0; n < c.Dp.Nodes; n++)
                for (int name = 0; name < caches.Names; name++)
                    if (caches.NodeEntry(n, name) is { Demand: > 0, Failing: true }) f++;
            return f;
        }
        int most = 0;
        var web = c.PodsOf("web").ToArray();
        for (int step = 0; step < 200; step++)
        {
            if (step == 20) c.ApiOutage(60, 0, 1);   // CoreDNS restarts with no API server to sync from: refreshes fail
            // The web pods' processes move one by one to the next node: each node's entry loses an asker, another's gains one.
            if (step is >= 120 and < 123)
            {
                int pod = web[step - 120], from = c.Pods.Node[pod];
                caches.OnPodRunning(pod, from, running: false, warm: false);
                caches.OnPodRunning(pod, (from + 1) % 6, running: true, warm: false);
            }
            if (step == 130)
                foreach (int pod in web) caches.OnPodRunning(pod, (c.Pods.Node[pod] + 1) % 6, running: false, warm: false);
            c.RunTo(c.Now + 0.9);
            Assert.Equal(Scan(), caches.FailingNodeEntries);
            most = Math.Max(most, caches.FailingNodeEntries);
        }
        Assert.True(most > 0, "no entry ever failed");
    }
}
