using Cascade.Fleet;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Results;

/// <summary>One 10 s bucket of user traffic: requests and failed requests.</summary>
public readonly record struct TrafficBucket(double TimeSeconds, double Requests, double Errors);

/// <summary>
/// Reads a replay's markers off a finished run, each by its kind (MarkerKind). Product error rates are
/// taken over all clusters serving the product, per whole minute, as a status page would report them.
/// </summary>
public static class ReplayMarkers
{
    public const double ErrorThreshold = 0.01;

    /// <param name="traffic">Per-bucket traffic of one product over all its clusters, or of all products for null.</param>
    public static List<MarkerResult> Compute(ReplaySpec replay, RunResult result, Func<string?, IReadOnlyList<TrafficBucket>> traffic)
    {
        var list = new List<MarkerResult>();
        foreach (var m in replay.Markers)
        {
            double? seconds = m.Kind switch
            {
                MarkerKind.Detection => result.DetectedAtSeconds,
                MarkerKind.FirstError => FirstErrorOfAnyProduct(result, traffic),
                MarkerKind.PeakError => PeakOf(Minutes(traffic(null))),
                MarkerKind.FirstClusterRecovered => FirstClusterRecovered(result),
                MarkerKind.ProductRecovered => m.Product is null ? null : RecoveredUnder(Minutes(traffic(m.Product)), m.Below),
                MarkerKind.AllRecovered => AllRecovered(result, traffic, m.Below),
                _ => null,
            };
            list.Add(new MarkerResult
            {
                Name = m.Name,
                ObservedMinutes = m.ObservedMinutes,
                SimulatedMinutes = seconds is { } s ? Math.Round(s / 60, 1) : null,
            });
        }
        return list;
    }

    private static IEnumerable<string> ProductNames(RunResult result) => result.Products.Select(p => p.Name).Distinct();

    private static double? FirstErrorOfAnyProduct(RunResult result, Func<string?, IReadOnlyList<TrafficBucket>> traffic)
    {
        double? first = null;
        foreach (var name in ProductNames(result))
            foreach (var (start, rate) in Minutes(traffic(name)))
                if (rate > ErrorThreshold)
                {
                    if (first is null || start < first) first = start;
                    break;
                }
        return first;
    }

    /// <summary>
    /// The first cluster back for good, among the clusters whose users saw errors (a status page's "cluster
    /// recovered"); when no product failed anywhere, among the clusters whose API server saturated.
    /// </summary>
    private static double? FirstClusterRecovered(RunResult result)
    {
        var hit = result.Clusters.Where(c => result.Products.Any(p => p.Cluster == c.Name && p.FirstErrorAtSeconds is not null)).ToList();
        return (hit.Count > 0 ? hit : result.Clusters).Select(result.ClusterRecoveredAtSeconds).Where(t => t is not null).Min();
    }

    private static double? AllRecovered(RunResult result, Func<string?, IReadOnlyList<TrafficBucket>> traffic, double below)
    {
        double latest = 0;
        bool any = false;
        foreach (var name in ProductNames(result))
        {
            var minutes = Minutes(traffic(name));
            if (minutes.All(x => x.Rate <= below)) continue;
            any = true;
            if (RecoveredUnder(minutes, below) is not { } t) return null;
            latest = Math.Max(latest, t);
        }
        foreach (var c in result.Clusters)
        {
            if (c.Apiserver.SaturatedAtSeconds is null) continue;
            any = true;
            if (c.Apiserver.RecoveredAtSeconds is not { } t) return null;
            latest = Math.Max(latest, t);
        }
        return any ? latest : null;
    }

    /// <summary>Whole minutes (start time, error rate) from 10 s buckets.</summary>
    public static List<(double Start, double Rate)> Minutes(IReadOnlyList<TrafficBucket> buckets)
    {
        var list = new List<(double, double)>();
        for (int m = 0; m + 6 <= buckets.Count; m += 6)
        {
            double req = 0, err = 0;
            for (int b = m; b < m + 6; b++)
            {
                req += buckets[b].Requests;
                err += buckets[b].Errors;
            }
            list.Add((buckets[m].TimeSeconds - 10, req > 0 ? err / req : 0));
        }
        return list;
    }

    private static double? PeakOf(List<(double Start, double Rate)> minutes)
    {
        double peak = 0;
        double? at = null;
        foreach (var (start, rate) in minutes)
            if (rate > peak) { peak = rate; at = start; }
        return peak > ErrorThreshold ? at : null;
    }

    /// <summary>The start of the first minute after the last one over <paramref name="below"/>, if the rate ever exceeded it.</summary>
    public static double? RecoveredUnder(List<(double Start, double Rate)> minutes, double below)
    {
        int last = -1;
        for (int i = 0; i < minutes.Count; i++) if (minutes[i].Rate > below) last = i;
        if (last < 0 || last + 1 >= minutes.Count) return null;
        return minutes[last + 1].Start;
    }
}
