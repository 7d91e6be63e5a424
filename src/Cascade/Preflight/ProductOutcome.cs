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
    /// <summary>The products of a run; empty while the model has no data plane.</summary>
    public static IReadOnlyList<ProductOutcome> Of(RunResult result) => Array.Empty<ProductOutcome>();

    /// <summary>
    /// Errors as minutes of total outage: errors ÷ average requests per minute. Equals Σ over minutes of
    /// the error fraction when traffic is steady; weighs busy minutes more when it is not.
    /// </summary>
    public double UserMinutes(double durationSeconds) =>
        Requests <= 0 || durationSeconds <= 0 ? 0 : Errors / (Requests / (durationSeconds / 60));
}
