using Cascade.Results;
using Cascade.Results.Report;

namespace Cascade.Tests.Results.Report;

/// <summary>The data plane's report sections, from the small runs of <see cref="SmallRuns"/>.</summary>
public class DataPlaneReportTests(SmallRuns runs) : IClassFixture<SmallRuns>
{
    [Fact]
    public void A_run_without_products_has_no_data_plane_sections()
    {
        Assert.Empty(DataPlaneReport.Sections(runs.Bare));
    }

    [Fact]
    public void Products_come_first_with_their_error_rate_in_percent_and_requests_per_second_over_minutes()
    {
        var sections = DataPlaneReport.Sections(runs.Fleet);
        var products = sections[0];
        Assert.Equal("Products", products.Title);
        Assert.Equal(2, products.Charts.Count);
        var traffic = runs.Fleet.Traffic("web");
        Assert.NotEmpty(traffic);

        var errors = products.Charts[0];
        Assert.Equal(("products-errors", "Error rate by product (all clusters)", "% of requests", "%", ChartKind.Line),
            (errors.Id, errors.Title, errors.YLabel, errors.Unit, errors.Kind));
        Assert.Equal([new ChartThreshold(1, "1%")], errors.Thresholds!);
        var web = Assert.Single(errors.Series); // not idle, which no user called
        Assert.Equal("web", web.Name);
        Assert.Equal(traffic.Select(b => b.TimeSeconds / 60), web.X);
        Assert.Equal(traffic.Select(b => b.Requests > 0 ? (double?)(100 * b.Errors / b.Requests) : null), web.Y);
        Assert.Contains(web.Y, y => y is not null);

        var requests = products.Charts[1];
        Assert.Equal(("products-requests", "Requests per second by product", "requests/s", "req/s", ChartKind.Line),
            (requests.Id, requests.Title, requests.YLabel, requests.Unit, requests.Kind));
        var perSecond = Assert.Single(requests.Series);
        Assert.Equal("web", perSecond.Name);
        Assert.Equal(web.X, perSecond.X);
        Assert.Equal(traffic.Select(b => (double?)(b.Requests / 10)), perSecond.Y);
        Assert.Contains(perSecond.Y, y => y > 0);
    }

    [Fact]
    public void Each_cluster_with_a_data_plane_gets_its_nodes_pods_and_dns_charts()
    {
        var sections = DataPlaneReport.Sections(runs.Fleet);
        Assert.Equal(["Products", "Cluster small: nodes, pods and DNS", "Cluster plain: nodes, pods and DNS"], sections.Select(s => s.Title));
        var dp = runs.Fleet.Clusters[0].DataPlane!;
        var x = dp.Samples.Select(s => s.TimeSeconds / 60).ToArray();
        var charts = sections[1].Charts;
        Assert.Equal(["small-nodes", "small-dns", "small-dns-qps"], charts.Select(c => c.Id));
        Assert.Equal([ChartKind.Step, ChartKind.Step, ChartKind.Line], charts.Select(c => c.Kind));
        Assert.Equal(["Nodes NotReady and tainted; pending pods", "DNS: failing cache entries and CoreDNS replicas answering", "Queries reaching CoreDNS"],
            charts.Select(c => c.Title));
        Assert.Equal(["nodes NotReady", "nodes tainted", "pending pods"], charts[0].Series.Select(s => s.Name));
        Assert.Equal(["failing (node, name) cache entries", "CoreDNS replicas answering"], charts[1].Series.Select(s => s.Name));
        Assert.Equal(["CoreDNS queries/s"], charts[2].Series.Select(s => s.Name));
        Assert.Equal(("queries/s", "q/s"), (charts[2].YLabel, charts[2].Unit));
        Assert.All(charts.SelectMany(c => c.Series), s => Assert.Equal(x, s.X));
        Assert.Equal(dp.Samples.Select(s => (double?)s.NodesNotReady), charts[0].Series[0].Y);
        Assert.Equal(dp.Samples.Select(s => (double?)s.NodesTainted), charts[0].Series[1].Y);
        Assert.Equal(dp.Samples.Select(s => (double?)s.PendingPods), charts[0].Series[2].Y);
        Assert.Equal(dp.Samples.Select(s => (double?)s.FailingCacheEntries), charts[1].Series[0].Y);
        Assert.Equal(dp.Samples.Select(s => (double?)s.CoreDnsAnswering), charts[1].Series[1].Y);
        Assert.Contains(charts[1].Series[1].Y, y => y > 0);
        Assert.Equal(dp.Samples.Select(s => (double?)s.CoreDnsQps), charts[2].Series[0].Y);
    }
}
