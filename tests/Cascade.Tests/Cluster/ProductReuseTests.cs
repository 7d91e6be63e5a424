using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The products' once-a-second measurement keeps a pod's shares while nothing they read has changed
/// (docs/model.md, "Per-second scans"). A run is the one that works every pod out every second, to the bit, whichever
/// tier of DNS cache answers, while caches expire and refresh, CoreDNS and the API servers fail, pods restart and
/// nodes are cut off; and the shares are indeed kept most seconds of a quiet cluster.
/// </summary>
public class ProductReuseTests
{
    private static RunOutput Run(Scenario scenario, bool reuse) => TwinRuns.Run(scenario, c => c.DataPlane!.Measurement.ReuseUnchanged = reuse);

    /// <summary>The result document and every cluster's samples, as text.</summary>
    private static string Everything(RunOutput o) => Json.Serialize(o.Result) + "\n" + Json.Serialize(o.Samples());

    /// <summary>Runs <paramref name="scenario"/> both ways; returns the share of running pod-seconds that were kept, and the worst product error rate.</summary>
    private static (double Kept, double PeakErrorRate) AssertSameRun(Scenario scenario)
    {
        var every = Run(scenario, reuse: false);
        var kept = Run(scenario, reuse: true);
        TwinRuns.AssertSameText(Everything(every), Everything(kept));
        var products = kept.Fleet.Clusters[0].DataPlane!.Measurement;
        var all = every.Fleet.Clusters[0].DataPlane!.Measurement;
        Assert.Equal(all.Measured, all.WorkedOut); // without reuse every pod-second is worked out
        Assert.Equal(all.Measured, products.Measured);
        double peak = kept.Result.Products.Max(p => p.PeakErrorRate);
        return (1 - products.WorkedOut / (double)products.Measured, peak);
    }

    /// <summary>A cluster of <paramref name="nodes"/> with products, its DNS given by <paramref name="dns"/> (YAML lines) and <paramref name="faults"/>.</summary>
    private static Scenario Cluster(TempFiles files, int nodes, string duration, string dns, string faults, bool storm = false) =>
        ScenarioLoader.LoadFile(files.Write($$"""
            apiVersion: cascade/v1
            kind: Scenario
            metadata: {name: products}
            duration: {{duration}}
            seed: 5
            cluster:
              name: prod
              kubernetesVersion: "1.30"
              nodes: {{nodes}}
              podsPerNode: 10
              kubelets: {enabled: true}
              controllers: {enabled: true}
              dns:
            {{Indent(dns, 4)}}
            {{(storm ? """
            workloads:
              - name: agent
                identity: {serviceAccount: monitoring/agent}
                placement: per-node
                calls:
                  - {verb: list, resource: pods, scope: cluster, resourceVersion: "", selector: spec.nodeName=$(NODE_NAME), every: 60s, jitter: 0.1}
            """ : "")}}
            faults:
            {{Indent(faults, 2)}}
            products:
              - {name: auth, replicas: 30, requestRate: 0}
              - {name: inference, replicas: 40, requestRate: 0}
              - {name: chatgpt, replicas: 50, requestRate: 3000, calls: [auth, inference]}
              - {name: api, replicas: 20, requestRate: 2000, calls: [auth]}
            """, ".yaml"));

    private static string Indent(string lines, int spaces) =>
        string.Join("\n", lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l.Trim()));

    private const string Outages = """
        - {fault: killApiServers, at: 3m, duration: 4m}
        - {fault: restartCoreDns, at: 4m}
        - {fault: partitionNodes, at: 10m, fraction: 0.3, duration: 3m}
        - {fault: loseNodes, at: 12m, fraction: 0.05}
        """;

    [Theory]
    [InlineData("nodeLocalCache: {enabled: true, successTtl: 40s}\nrecordTtl: 40s")]
    [InlineData("nodeLocalCache: {enabled: true, successTtl: 40s, serveStale: true, serveStaleFor: 90s}\nrecordTtl: 40s")]
    [InlineData("clientCache: {ttl: 30s, negativeTtl: 5s}")]
    [InlineData("discovery: api")]
    [InlineData("recordTtl: 30s")]
    public void Kept_shares_give_the_run_that_works_every_pod_out_every_second(string dns)
    {
        using var files = new TempFiles();
        // CoreDNS restarts while no API server serves: it cannot sync, so lookups fail once the caches run dry.
        var (_, peak) = AssertSameRun(Cluster(files, nodes: 300, duration: "18m", dns, Outages));
        Assert.True(peak > 0.05, $"peak error rate {peak:P1}");
    }

    [Fact]
    public void Kept_shares_give_the_same_run_under_a_list_storm_whose_caches_run_dry()
    {
        // scenarios/list-storm.yaml: the API servers saturate within a minute, CoreDNS loses its watch, and node caches
        // that keep answers a minute expire into its failures.
        var scenario = ScenarioLoader.LoadFile(PreflightFixtures.Scenario("list-storm.yaml"),
            ["duration=6m", "cluster.dns.recordTtl=60s", "cluster.dns.nodeLocalCache.successTtl=60s"]);
        var (_, peak) = AssertSameRun(scenario);
        Assert.True(peak > 0.05, $"peak error rate {peak:P1}");
    }

    [Fact]
    public void Kept_shares_follow_the_endpoints_published_after_nodes_are_lost()
    {
        // Pods go with their nodes at once (the routes to them fail); the node lifecycle controller marks them not
        // ready 40 s later, and the EndpointSlices published then drop them: the routes mend with no pod changing.
        using var files = new TempFiles();
        var (_, peak) = AssertSameRun(Cluster(files, nodes: 100, duration: "4m", "nodeLocalCache: {enabled: true, successTtl: 20m}\nrecordTtl: 20m",
            "- {fault: loseNodes, at: 1m, fraction: 0.3}"));
        Assert.True(peak > 0.05, $"peak error rate {peak:P1}");
    }

    [Theory]
    [InlineData("nodeLocalCache: {enabled: true, successTtl: 20m}\nrecordTtl: 20m", 0.95)]
    [InlineData("clientCache: {ttl: 30s}", 0.5)]
    public void A_quiet_cluster_keeps_most_pods_shares_from_second_to_second(string dns, double keptAtLeast)
    {
        using var files = new TempFiles();
        var (kept, _) = AssertSameRun(Cluster(files, nodes: 200, duration: "10m", dns, "[]"));
        Assert.True(kept >= keptAtLeast, $"{kept:P1} of pod-seconds kept");
    }

    [Fact]
    public void Without_a_dns_cache_every_pod_that_looks_a_name_up_is_worked_out_every_second()
    {
        // CoreDNS's answers may change at any moment: only the pods of products that call nobody (auth and inference,
        // 70 of the 140) are kept, and they are kept from their first second on.
        using var files = new TempFiles();
        var (kept, _) = AssertSameRun(Cluster(files, nodes: 200, duration: "5m", "recordTtl: 30s", "[]"));
        Assert.InRange(kept, 0.45, 0.5);
    }
}
