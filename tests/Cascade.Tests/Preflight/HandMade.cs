using Cascade.Results;

namespace Cascade.Tests.Preflight;

/// <summary>
/// Hand-made run results for the preflight's unit tests: a cluster of 1,000 nodes (saturated or not, with
/// the worst window to match), a product of 10,000 requests a minute over the hour, and the run of them.
/// </summary>
internal static class HandMade
{
    public static ClusterResult ClusterNamed(string name, double? saturatedAt = null, double? recoveredAt = null) => new()
    {
        Name = name,
        Nodes = 1000,
        Apiserver = new ApiServerResult
        {
            SaturatedAtSeconds = saturatedAt,
            RecoveredAtSeconds = recoveredAt,
            PeakWindowP99Seconds = saturatedAt is null ? 0.2 : 3,
            PeakWindowFailureRatio = saturatedAt is null ? 0 : 0.05,
        },
    };

    public static ProductResult Product(string name, string cluster, double errors, double? firstError = null, double? recovered = null) => new()
    {
        Name = name, Cluster = cluster, Requests = 600_000, Errors = errors, FirstErrorAtSeconds = firstError, RecoveredAtSeconds = recovered,
        PeakErrorRate = errors > 0 ? 0.5 : 0,
    };

    public static RunResult Run(List<ClusterResult> clusters, List<ProductResult>? products = null, RolloutResult? rollout = null) => new()
    {
        Scenario = "t", DurationSeconds = 3600, Clusters = clusters, Products = products ?? [], Rollout = rollout,
    };
}
