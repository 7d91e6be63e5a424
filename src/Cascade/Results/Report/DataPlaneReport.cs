using Cascade.Samples;

namespace Cascade.Results.Report;

/// <summary>The data plane's charts: products' error rates over all their clusters, and per cluster nodes, pods and DNS.</summary>
public static class DataPlaneReport
{
    public static IReadOnlyList<ReportSection> Sections(RunOutput output)
    {
        var sections = new List<ReportSection>();
        var names = output.Result.Products.Select(p => p.Name).Distinct().ToList();
        if (names.Count == 0) return sections;
        var series = new List<ChartSeries>();
        var requests = new List<ChartSeries>();
        foreach (var name in names)
        {
            var t = output.Traffic(name);
            if (t.All(b => b.Requests == 0)) continue;
            double[] x = t.Select(b => b.TimeSeconds / 60).ToArray();
            series.Add(new ChartSeries(name, x, t.Select(b => b.Requests > 0 ? (double?)(100 * b.Errors / b.Requests) : null).ToArray()));
            requests.Add(new ChartSeries(name, x, t.Select(b => (double?)(b.Requests / 10)).ToArray()));
        }
        sections.Add(new ReportSection("Products", new[]
        {
            new Chart("products-errors", "Error rate by product (all clusters)", "% of requests", "%", ChartKind.Line, series,
                new[] { new ChartThreshold(1, "1%") }),
            new Chart("products-requests", "Requests per second by product", "requests/s", "req/s", ChartKind.Line, requests),
        }));
        foreach (var c in output.Clusters)
        {
            if (c.DataPlane is not { } dp || dp.Samples.Count == 0) continue;
            double[] x = dp.Samples.Select(s => s.TimeSeconds / 60).ToArray();
            ChartSeries S(string n, Func<DataPlaneSample, double> f) => new(n, x, dp.Samples.Select(s => (double?)f(s)).ToArray());
            sections.Add(new ReportSection($"Cluster {c.Name}: nodes, pods and DNS", new[]
            {
                new Chart($"{c.Name}-nodes", "Nodes NotReady and tainted; pending pods", "count", "", ChartKind.Step,
                    new[] { S("nodes NotReady", s => s.NodesNotReady), S("nodes tainted", s => s.NodesTainted), S("pending pods", s => s.PendingPods) }),
                new Chart($"{c.Name}-dns", "DNS: failing cache entries and CoreDNS replicas answering", "count", "", ChartKind.Step,
                    new[] { S("failing (node, name) cache entries", s => s.FailingCacheEntries), S("CoreDNS replicas answering", s => s.CoreDnsAnswering) }),
                new Chart($"{c.Name}-dns-qps", "Queries reaching CoreDNS", "queries/s", "q/s", ChartKind.Line,
                    new[] { S("CoreDNS queries/s", s => s.CoreDnsQps) }),
            }));
        }
        return sections;
    }
}
