using Cascade.Cluster;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Cluster;

/// <summary>
/// Products that find each other through the API server (a discovery client reading Endpoints, cached in the
/// process) instead of DNS: the same control-plane failure reaches users without waiting for DNS caches, and
/// the lookups themselves are API load.
/// </summary>
public class ApiDiscoveryTests
{
    // Every API server is killed at 5 min and stays down.
    private const string Yaml = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 12m
        cluster:
          name: prod
          nodes: 200
          podsPerNode: 30
          apiServer: {replicas: 3}
          kubelets: {enabled: true}
          controllers: {enabled: true}
          dns:
            discovery: api
            recordTtl: 20m
            nodeLocalCache: {enabled: true, successTtl: 20m}
        products:
          - {name: backend, replicas: 50, requestRate: 0}
          - {name: web, replicas: 50, requestRate: 200, calls: [backend]}
        faults:
          - {fault: killApiServers, at: 5m}
        """;

    private static (ProductSample[] Samples, Cascade.Results.ProductResult Result, long Gets) Web(params string[] overrides) => Run(Yaml, overrides);

    // No fault: a healthy control plane for the whole run.
    private static readonly string Healthy = Yaml.Substring(0, Yaml.IndexOf("faults:", StringComparison.Ordinal));

    private static (ProductSample[] Samples, Cascade.Results.ProductResult Result, long Gets) Run(string yaml, params string[] overrides)
    {
        var s = YamlBinder.Load<Scenario>(yaml, "discovery.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        var o = ScenarioRunner.Run(s, 1);
        var dp = o.Fleet.Clusters[0].DataPlane!;
        int web = dp.Products.Select((p, i) => (p, i)).Single(x => x.p.Name == "web").i;
        return (dp.ProductSamples(web).ToArray(), o.Result.Products.Single(p => p.Name == "web"), dp.Caches.UpstreamQueries);
    }

    private static double FirstFailing(ProductSample[] samples) => samples.First(x => x.Errors > 0.01 * x.Requests).TimeSeconds;

    [Fact]
    public void With_discovery_through_the_api_server_users_fail_within_one_cache_ttl_of_the_control_plane_and_with_dns_not_at_all()
    {
        var api = Web();
        var dns = Web("cluster.dns.discovery=dns");
        // CoreDNS keeps answering from its informers' view and the node caches hold 20 min: nobody notices.
        Assert.Equal(0, dns.Result.Errors);
        // Each pod's instance cache (35 s) expires and the refresh needs the API server, which is gone.
        double first = FirstFailing(api.Samples);
        Assert.InRange(first, 300, 300 + 35 + 10);
        Assert.True(api.Samples.Where(x => x.TimeSeconds > 300 + 60).All(x => x.Errors >= 0.99 * x.Requests), "not every lookup failed a minute after the control plane");
    }

    [Fact]
    public void Before_the_outage_each_pod_reads_each_called_services_endpoints_once_per_cache_ttl_and_a_longer_ttl_reads_less()
    {
        // 50 web pods × 1 name, refreshed every 35 s for 5 min: ~430 discoveries; at 70 s, half.
        var short35 = Run(Healthy, "duration=5m");
        var long70 = Run(Healthy, "duration=5m", "cluster.dns.clientCache.ttl=70s");
        Assert.InRange(short35.Gets, 50 * 300 / 35 - 50, 50 * 300 / 35 + 50);
        Assert.InRange(long70.Gets, 0.4 * short35.Gets, 0.6 * short35.Gets);
        Assert.Equal(0, short35.Result.Errors);
    }

    [Fact]
    public void A_longer_instance_cache_delays_the_first_failure()
    {
        double first35 = FirstFailing(Web().Samples);
        double first5m = FirstFailing(Web("cluster.dns.clientCache.ttl=5m").Samples);
        Assert.True(first5m >= first35, $"{first5m} vs {first35}");
        // Spread over the TTL, the last entries fail about one TTL after the first.
        var samples = Web("cluster.dns.clientCache.ttl=5m", "duration=12m").Samples;
        double all = samples.First(x => x.TimeSeconds > 300 && x.Errors >= 0.99 * x.Requests).TimeSeconds;
        Assert.InRange(all, 300 + 240, 300 + 5 * 60 + 20);
    }

    [Fact]
    public void Pods_on_nodes_cut_off_from_the_api_servers_cannot_discover_and_serve_again_once_let_back_even_when_moved()
    {
        string yaml = Healthy + """
            remediation:
              - {name: block, action: blockApiAccess, from: nodes, at: 2m}
              - {name: lift, action: unblockApiAccess, from: nodes, at: 6m, fraction: 0.5, every: 1m}
              - {name: shrink, action: scaleNodes, at: 6m30s, keepFraction: 0.7}
            """;
        var (samples, result, _) = Run(yaml, "duration=12m");
        Assert.True(result.Errors > 0);
        // Failing within a TTL of the block, served again within a TTL of the last nodes let back — also the pods of the
        // removed nodes, recreated on nodes let back before they arrived.
        Assert.InRange(FirstFailing(samples), 120, 120 + 35 + 10);
        // (a refresh may still meet a busy API server now and then while the kubelets come back: under 1 %). The removed
        // nodes' pods leave the EndpointSlices only by writes the controller synced after the removal, slowed by that
        // same load: routes to them fail until about 8m20s.
        Assert.All(samples.Where(x => x.TimeSeconds > 8 * 60 + 20), x => Assert.True(x.Errors < 0.01 * x.Requests, $"{x.Errors} of {x.Requests} at {x.TimeSeconds} s"));
    }
}
