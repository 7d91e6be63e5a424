using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>What users see of the products: requests per 10 s bucket, errors from lookups and from endpoints gone, callers failing with their callees.</summary>
public class ProductTests
{
    [Fact]
    public void A_healthy_product_counts_its_request_rate_in_each_ten_second_bucket_with_no_errors()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var web = c.Dp.ProductSamples(c.Service("web"));
        Assert.Equal(new[] { 10.0, 20, 30, 40, 50, 60 }, web.Select(s => s.TimeSeconds));
        Assert.All(web, s => Assert.Equal((1000.0, 0.0, 0.0, 0.0), (s.Requests, s.Errors, s.DnsFailure, s.RouteFailure)));
        Assert.All(c.Dp.ProductSamples(c.Service("backend")), s => Assert.Equal(0, s.Requests));
        Assert.Equal(0, c.Cluster.ProductErrorRate);
        Assert.Equal(6, c.Dp.Samples.Count);
        Assert.Equal(3, c.Dp.RunningPods(c.Service("web")));
        var samples = c.Cluster.ToSamples();
        Assert.Equal("prod", samples.Name);
        Assert.Equal(c.Cluster.Api.Levels, samples.PriorityLevels.Count);
        Assert.Equal(c.Cluster.Api.Config.MemoryBytes, samples.ApiServerMemoryLimitBytes);
        Assert.Equal(2, samples.DataPlane!.CoreDnsReplicas);
        Assert.Equal(new[] { "backend", "web" }, samples.DataPlane.Products.Select(p => p.Name));
        Assert.Equal(6, samples.DataPlane.Products[1].Buckets.Count);
    }

    [Fact]
    public void Shifting_traffic_away_leaves_the_share_not_shifted()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.ShiftTrafficAway(0.5);
        c.RunTo(70);
        c.Cluster.ShiftTrafficAway(0.5);
        c.RunTo(80);
        c.Cluster.ShiftTrafficAway(-1);   // nothing comes back
        c.RunTo(90);
        c.Cluster.ShiftTrafficAway(5);    // at most all of it
        c.RunTo(100);
        var web = c.Dp.ProductSamples(c.Service("web"));
        Assert.Equal(new[] { 500.0, 250, 250, 0 }, web.Skip(6).Select(s => s.Requests));
        Assert.Equal(0, c.Cluster.ProductErrorRate);
    }

    [Fact]
    public void A_caller_fails_with_its_callees_errors_and_the_clusters_error_rate_weighs_products_by_their_requests()
    {
        var c = new SmallCluster("products[2]={name: front, replicas: 2, requestRate: 50, calls: [web]}");
        c.RunTo(60);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(600), "test");
        c.Dp.CoreDns!.RestartContainer(0, "test");   // a quarter of the lookups fail (one retry)
        c.RunTo(100);
        Assert.Equal(0.25, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
        var front = c.Dp.ProductSamples(c.Service("front"))[^1];
        Assert.Equal(500, front.Requests, 9);
        Assert.Equal(1 - 0.75 * 0.75, front.ErrorRate, 9);   // its own lookups of web, and web's of backend
        Assert.Equal(0.25, front.DnsFailure, 9);
        Assert.Equal((100 * 0.25 + 50 * (1 - 0.75 * 0.75)) / 150, c.Cluster.ProductErrorRate, 9);
        Assert.Equal(187.5, c.Dp.CoreDns.QueriesPerSecond, 9);
    }

    [Fact]
    public void Requests_routed_to_an_endpoint_whose_pod_is_gone_fail()
    {
        var c = new SmallCluster();
        int b0 = c.PodsOf("backend").First(), node = c.Pods.Node[b0];
        Assert.Equal(new[] { b0 }, Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == node));   // the only tracked pod there
        c.RunTo(60);
        c.Dp.OnNodesLost(node, node + 1);   // its containers are gone; the endpoint stays until the node is judged
        Assert.Equal(PodPhase.Lost, c.Pods.Phase[b0]);
        c.RunTo(90);
        var web = c.Dp.ProductSamples(c.Service("web"))[^1];
        Assert.Equal(1 / 3.0, web.RouteFailure, 9);
        Assert.Equal(1 / 3.0, web.ErrorRate, 9);
        Assert.Equal(0, web.DnsFailure, 9);
        int s = c.Service("backend");
        Assert.Equal(1 / 3.0, c.Dp.Endpoints.GoneFraction(s, c.Dp.Endpoints.View(s, long.MaxValue)), 12);
        Assert.Equal(2, c.Dp.RunningPods(s));
    }

    [Fact]
    public void A_service_with_no_ready_endpoint_fails_every_request_to_it()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        foreach (int p in c.PodsOf("backend"))
        {
            c.Pods.ReadyInApi[p] = false;
            c.Dp.Endpoints.OnPodChanged(c.Service("backend"));
        }
        c.RunTo(61);
        Assert.Equal(new[] { -1, -1, -1 }, c.NewestEndpoints("backend"));
        c.RunTo(80);
        var web = c.Dp.ProductSamples(c.Service("web"))[^1];
        Assert.Equal(1, web.RouteFailure, 9);
        Assert.Equal(1, web.ErrorRate, 9);
        Assert.Equal(1, c.Cluster.ProductErrorRate, 9);
    }

    [Fact]
    public void A_product_without_running_pods_fails_every_request_and_its_callers_with_it()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        foreach (int p in c.PodsOf("backend")) c.Pods.Phase[p] = PodPhase.Pending;
        c.RunTo(80);
        var backend = c.Dp.ProductSamples(c.Service("backend"))[^1];
        Assert.Equal(1, backend.RouteFailure, 9);   // no pod: counted as all failing
        Assert.Equal(0, backend.DnsFailure, 9);
        Assert.Equal(1, c.Dp.ProductSamples(c.Service("web"))[^1].ErrorRate, 9);
    }

    [Fact]
    public void Products_calling_each_other_in_a_cycle_are_refused()
    {
        var c = new SmallCluster();
        var cycle = new[] { new ProductConfig("a", 1, 0, [1]), new ProductConfig("b", 1, 0, [2]), new ProductConfig("c", 1, 0, [1]) };
        var e = Assert.Throws<InputException>(() => new ProductMeasurement(c.Dp, cycle));
        Assert.Equal("products", e.Field);
        Assert.Contains("products call each other in a cycle through 'b'", e.Message);
        // Callees are measured before their callers, whatever the order they are declared in.
        var chain = new[] { new ProductConfig("a", 1, 0, [1]), new ProductConfig("b", 1, 0, [2]), new ProductConfig("c", 1, 0, []) };
        Assert.NotNull(new ProductMeasurement(c.Dp, chain));
    }
}
