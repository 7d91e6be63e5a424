using System.Globalization;
using System.Text;
using Cascade.Samples;

namespace Cascade.Results;

/// <summary>Products' time series: products.csv (one row per product per 10 s bucket, from the samples) and their summary for result.json.</summary>
public static class ProductSeries
{
    /// <summary>The error-rate threshold of "errors" and "recovered" (1%).</summary>
    public const double ErrorThreshold = 0.01;

    public static ProductResult Summarise(string cluster, string name, IReadOnlyList<ProductSample> samples)
    {
        // Whole minutes of six 10 s buckets.
        int minutes = samples.Count / 6;
        double requests = 0, errors = 0, peak = 0;
        double? first = null, peakAt = null, lastBad = null;
        foreach (var s in samples)
        {
            requests += s.Requests;
            errors += s.Errors;
        }
        for (int m = 0; m < minutes; m++)
        {
            double req = 0, err = 0;
            for (int b = 0; b < 6; b++)
            {
                req += samples[m * 6 + b].Requests;
                err += samples[m * 6 + b].Errors;
            }
            double rate = req > 0 ? err / req : 0;
            double start = samples[m * 6].TimeSeconds - 10;
            if (rate > peak)
            {
                peak = rate;
                peakAt = start;
            }
            if (rate > ErrorThreshold)
            {
                first ??= start;
                lastBad = start;
            }
        }
        double? recovered = null;
        if (lastBad is { } lb && lb + 60 < minutes * 60.0) recovered = lb + 60;
        return new ProductResult
        {
            Name = name,
            Cluster = cluster,
            Requests = requests,
            Errors = errors,
            FirstErrorAtSeconds = first,
            PeakErrorRate = peak,
            PeakAtSeconds = peakAt,
            RecoveredAtSeconds = recovered,
        };
    }

    /// <summary>The clusters with a data plane, each product's buckets beside the data plane's.</summary>
    public static string WriteCsv(IEnumerable<ClusterSamples> clusters)
    {
        var sb = new StringBuilder();
        sb.Append("timeSeconds,cluster,product,requests,errors,errorRate,dnsFailure,routeFailure,nodesNotReady,nodesTainted,pendingPods,coreDnsAnswering,coreDnsQps,failingCacheEntries,kubeProxiesWatching\n");
        foreach (var cluster in clusters)
        {
            if (cluster.DataPlane is not { } dp) continue;
            var cs = dp.Buckets;
            foreach (var product in dp.Products)
            {
                var ps = product.Buckets;
                for (int i = 0; i < ps.Count; i++)
                {
                    var s = ps[i];
                    var c = cs[i];
                    sb.Append(F(s.TimeSeconds)).Append(',').Append(cluster.Name).Append(',').Append(product.Name);
                    foreach (var v in new[] { s.Requests, s.Errors, s.ErrorRate, s.DnsFailure, s.RouteFailure, c.NodesNotReady, c.NodesTainted, c.PendingPods, c.CoreDnsAnswering, c.CoreDnsQps, c.FailingCacheEntries, c.KubeProxiesWatching })
                        sb.Append(',').Append(F(v));
                    sb.Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
