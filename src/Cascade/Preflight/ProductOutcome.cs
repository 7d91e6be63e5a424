using Cascade.Results;

namespace Cascade.Preflight;

/// <summary>What the objectives read of one product's run (result.json `products[]`).</summary>
public sealed record ProductOutcome(
    string Name,
    string Cluster,
    double Requests,
    double Errors,
    double? FirstErrorAtSeconds,
    double PeakErrorRate,
    double? RecoveredAtSeconds)
{
    /// <summary>The products of a run (result.json `products[]`, one per product and cluster).</summary>
    public static IReadOnlyList<ProductOutcome> Of(RunResult result) =>
        result.Products.Select(p => new ProductOutcome(p.Name, p.Cluster, p.Requests, p.Errors, p.FirstErrorAtSeconds, p.PeakErrorRate, p.RecoveredAtSeconds)).ToList();

    /// <summary>
    /// Errors as minutes of total outage: errors ÷ average requests per minute. Equals Σ over minutes of
    /// the error fraction when traffic is steady; weighs busy minutes more when it is not.
    /// </summary>
    public double UserMinutes(double durationSeconds) =>
        Requests <= 0 || durationSeconds <= 0 ? 0 : Errors / (Requests / (durationSeconds / 60));
}
