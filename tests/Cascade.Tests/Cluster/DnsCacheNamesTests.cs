using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The DNS caches with two names (web calls cart and search): each (node, name) and (pod, name) is its own entry,
/// refreshed once per lifetime, expiring at its own moment; a pod that starts anew refreshes its entries at once and
/// then once per TTL, never on two timers.
/// </summary>
public class DnsCacheNamesTests
{
    private const string Yaml = SmallCluster.Head + "\n" + """
        products:
          - {name: cart, replicas: 2, requestRate: 0}
          - {name: search, replicas: 2, requestRate: 0}
          - {name: web, replicas: 3, requestRate: 100, calls: [cart, search]}
        """;

    [Fact]
    public void Each_nodes_entry_of_each_name_expires_at_its_own_moment_and_is_refreshed_once_per_lifetime()
    {
        var c = SmallCluster.FromYaml(Yaml, "cluster.dns.nodeLocalCache.enabled=true", "cluster.dns.nodeLocalCache.successTtl=30s");
        var caches = c.Dp.Caches;
        Assert.Equal(2, caches.Names);
        Assert.Equal((0, 1, -1), (caches.NameOf(c.Service("cart")), caches.NameOf(c.Service("search")), caches.NameOf(c.Service("web"))));
        var web = c.PodsOf("web").ToList();
        int webNodes = web.Select(p => c.Pods.Node[p]).Distinct().Count();
        c.RunTo(60);
        long asked = caches.UpstreamQueries;
        c.RunTo(360);
        Assert.InRange(caches.UpstreamQueries - asked, webNodes * 2 * 10 - webNodes * 2, webNodes * 2 * 10 + webNodes * 2);

        c.ApiOutage(600, 0, 1);
        var firstFailure = new Dictionary<(int Pod, int Name), double>();
        c.RunUntil(() =>
        {
            foreach (int p in web)
                foreach (var (svc, name) in new[] { (c.Service("cart"), 0), (c.Service("search"), 1) })
                    if (!firstFailure.ContainsKey((p, name)) && caches.LookupFailure(p, svc) == 1) firstFailure[(p, name)] = c.Now;
            return false;
        }, 400, 0.05);
        Assert.Equal(2 * web.Count, firstFailure.Count);
        // The two names of one node expired at different moments: their entries are not one entry.
        foreach (int p in web) Assert.NotEqual(firstFailure[(p, 0)], firstFailure[(p, 1)]);
        Assert.Equal(2 * webNodes, caches.FailingNodeEntries);
    }

    [Fact]
    public void Client_caches_refresh_each_name_once_per_ttl_and_a_new_pod_at_once_then_on_one_timer()
    {
        var c = SmallCluster.FromYaml(Yaml, "cluster.dns.clientCache.ttl=30s");
        var caches = c.Dp.Caches;
        c.RunTo(60);
        long asked = caches.UpstreamQueries;
        c.RunTo(360);
        Assert.InRange(caches.UpstreamQueries - asked, 3 * 2 * 10 - 6, 3 * 2 * 10 + 6);

        int pod = c.PodsOf("web").First();
        c.Dp.Lifecycle.OnPodDeleted(pod);
        double running = c.RunUntil(() => c.Pods.Phase[pod] == Cascade.Cluster.PodPhase.Running, 420, 0.01)!.Value;
        c.RunTo(running + 0.5);
        // The new process's cache starts empty and is filled at once, both names.
        Assert.Equal(0, caches.LookupFailure(pod, c.Service("cart")));
        Assert.Equal(0, caches.LookupFailure(pod, c.Service("search")));
        asked = caches.UpstreamQueries;
        c.RunTo(running + 0.5 + 300);
        Assert.InRange(caches.UpstreamQueries - asked, 3 * 2 * 10 - 6, 3 * 2 * 10 + 6);
    }

    [Fact]
    public void With_discovery_through_the_api_each_pod_reads_each_names_endpoints_and_service_once_per_ttl()
    {
        var c = SmallCluster.FromYaml(Yaml, "cluster.dns.discovery=api", "cluster.dns.clientCache.ttl=30s");
        var caches = c.Dp.Caches;
        c.RunTo(60);
        long asked = caches.UpstreamQueries, issued = c.Cluster.Api.Metrics.Issued;
        c.RunTo(360);
        long refreshes = caches.UpstreamQueries - asked;
        Assert.InRange(refreshes, 3 * 2 * 10 - 6, 3 * 2 * 10 + 6);
        Assert.Equal(0, caches.FailedUpstreamQueries);
        Assert.True(c.Cluster.Api.Metrics.Issued - issued >= 2 * refreshes);   // a GET of the endpoints, then of the Service
        Assert.All(c.PodsOf("web"), p => Assert.Equal(0, caches.LookupFailure(p, c.Service("search"))));
    }
}
