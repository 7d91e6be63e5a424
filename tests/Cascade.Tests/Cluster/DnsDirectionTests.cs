using Cascade.Cluster;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Cluster;

/// <summary>
/// How a lost control plane reaches users through DNS (docs/model-dataplane.md): CoreDNS answers from its
/// informers' last view; only a CoreDNS that restarts into the outage stops answering, and then the node
/// caches hide it until their entries expire, spread over one TTL.
/// </summary>
public class DnsDirectionTests
{
    // Every API server is killed at 5 min and stays down; CoreDNS is restarted at 6 min unless said otherwise.
    private const string Yaml = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 40m
        cluster:
          name: prod
          nodes: 200
          podsPerNode: 30
          apiServer: {replicas: 3}
          kubelets: {enabled: true}
          controllers: {enabled: true}
          dns:
            recordTtl: 20m
            nodeLocalCache: {enabled: true, successTtl: 20m}
        products:
          - {name: backend, replicas: 50, requestRate: 0}
          - {name: web, replicas: 50, requestRate: 200, calls: [backend]}
        faults:
          - {fault: killApiServers, at: 5m}
          - {fault: restartCoreDns, at: 6m}
        """;

    private const double CoreDnsRestartSeconds = 360;

    private static (ProductSample[] Samples, Cascade.Results.ProductResult Result) Web(params string[] overrides)
    {
        var s = YamlBinder.Load<Scenario>(Yaml, "dns.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        var o = ScenarioRunner.Run(s, 1);
        var dp = o.Fleet.Clusters[0].DataPlane!;
        int web = dp.Products.Select((p, i) => (p, i)).Single(x => x.p.Name == "web").i;
        return (dp.ProductSamples(web).ToArray(), o.Result.Products.Single(p => p.Name == "web"));
    }

    private static string[] Ttl(string ttl) => new[] { $"cluster.dns.recordTtl={ttl}", $"cluster.dns.nodeLocalCache.successTtl={ttl}" };

    [Fact]
    public void A_control_plane_lost_for_half_an_hour_does_not_reach_users_while_coredns_answers_from_its_informers()
    {
        var (_, web) = Web("faults[1].at=39m");
        Assert.Equal(0, web.Errors);
    }

    [Fact]
    public void Once_coredns_restarts_into_the_outage_errors_ramp_over_one_ttl_and_a_longer_ttl_delays_full_impact_by_the_difference()
    {
        var (shortSamples, shortTtl) = Web(Ttl("5m"));
        var (longSamples, longTtl) = Web(Ttl("20m"));
        // Errors begin when the first cached entries expire after CoreDNS stops answering; a longer TTL never makes that earlier.
        Assert.InRange(shortTtl.FirstErrorAtSeconds!.Value, CoreDnsRestartSeconds, CoreDnsRestartSeconds + 60);
        Assert.True(longTtl.FirstErrorAtSeconds >= shortTtl.FirstErrorAtSeconds);
        // Every entry has expired one TTL after the restart: full impact 15 min later with 20 min than with 5 min.
        double FullAt(ProductSample[] s) => s.First(x => x.ErrorRate > 0.99).TimeSeconds;
        double delay = FullAt(longSamples) - FullAt(shortSamples);
        Assert.InRange(delay, 15 * 60 - 60, 15 * 60 + 60);
        Assert.InRange(FullAt(longSamples), CoreDnsRestartSeconds + 20 * 60 - 30, CoreDnsRestartSeconds + 20 * 60 + 30);
        // A ramp, not a step: halfway through the TTL about half of the lookups fail.
        double half = longSamples.First(x => x.TimeSeconds >= CoreDnsRestartSeconds + 10 * 60).ErrorRate;
        Assert.InRange(half, 0.3, 0.7);
    }

    [Fact]
    public void Node_caches_that_serve_stale_answers_keep_users_whole_through_the_same_failure()
    {
        var (_, web) = Web("cluster.dns.nodeLocalCache.serveStale=true");
        Assert.Equal(0, web.Errors);
    }

    [Fact]
    public void Coredns_with_room_for_a_relist_keeps_answering_through_a_list_storm_that_oom_kills_a_stock_sized_one()
    {
        // scenarios/list-storm.yaml: 5,000 nodes, the control plane saturates within a minute and CoreDNS relists under it.
        var file = Cascade.Tests.Cli.RunCommandTests.Repo("scenarios", "list-storm.yaml");
        var stock = ScenarioLoader.LoadFile(file, new[] { "duration=20m" });
        var sized = ScenarioLoader.LoadFile(file, new[] { "duration=20m" });
        Assert.Null(Cascade.Preflight.Mitigations.Find("dns-from-informers").ApplyTo(sized, new Cascade.Preflight.MitigationContext(Path.GetDirectoryName(file)!)));
        var a = ScenarioRunner.Run(stock, 1).Result;
        var b = ScenarioRunner.Run(sized, 1).Result;
        Assert.NotNull(a.Clusters[0].Apiserver.SaturatedAtSeconds);
        Assert.NotNull(b.Clusters[0].Apiserver.SaturatedAtSeconds); // the same control-plane failure
        Assert.True(a.Clusters[0].DataPlane!.CoreDnsRestarts > 0, "the stock-sized CoreDNS was not OOM-killed by its relist");
        Assert.True(a.Products.Sum(p => p.Errors) > 0);
        Assert.Equal(0, b.Clusters[0].DataPlane!.CoreDnsRestarts);
        Assert.Equal(0, b.Products.Sum(p => p.Errors)); // the data plane decoupled: users never see it
    }
}
