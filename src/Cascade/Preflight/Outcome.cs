using Cascade.Results;

namespace Cascade.Preflight;

/// <summary>A run's outcome in the figures a comparison puts side by side (all simulated; no wall clock).</summary>
public sealed record Outcome(
    int ClustersSaturated,
    int Clusters,
    double? FirstSaturationAtSeconds,
    double? FirstUserImpactAtSeconds,
    double? PeakErrorRate,
    double? UserMinutesLost,
    double? RolloutReach,
    bool Recovered,
    double? TimeToRecoverSeconds,
    bool ObjectivesHold,
    IReadOnlyList<string> FailedObjectives,
    Collateral Others)
{
    /// <summary>
    /// Time to recover is fleet-wide: from the first saturation or user impact anywhere to the last
    /// saturated API server and impacted product healthy for good; null when nothing went wrong
    /// (<see cref="Recovered"/> true) or when something never recovered (false).
    /// </summary>
    public static Outcome Of(RunResult result, IReadOnlyList<Verdict> verdicts, Collateral others)
    {
        var products = ProductOutcome.Of(result);
        var trouble = ObjectiveJudge.FirstTrouble(result, products);
        bool recovered = true;
        double end = 0;
        foreach (var c in result.Clusters)
        {
            if (c.Apiserver.SaturatedAtSeconds is null) continue;
            if (c.Apiserver.RecoveredAtSeconds is { } r) end = Math.Max(end, r);
            else recovered = false;
        }
        foreach (var p in products)
        {
            if (p.FirstErrorAtSeconds is null) continue;
            if (p.RecoveredAtSeconds is { } r) end = Math.Max(end, r);
            else recovered = false;
        }
        double? firstImpact = products.Select(p => p.FirstErrorAtSeconds).Where(t => t is not null).DefaultIfEmpty(null).Min();
        return new Outcome(
            result.Clusters.Count(c => c.Apiserver.SaturatedAtSeconds is not null),
            result.Clusters.Count,
            result.Clusters.Select(c => c.Apiserver.SaturatedAtSeconds).Where(t => t is not null).DefaultIfEmpty(null).Min(),
            firstImpact,
            products.Count > 0 ? products.Max(p => p.PeakErrorRate) : null,
            products.Count > 0 ? products.Sum(p => p.UserMinutes(result.DurationSeconds)) : null,
            result.Rollout?.Reach,
            recovered,
            trouble is { } t && recovered ? end - t.At : null,
            verdicts.All(v => !v.Failed),
            verdicts.Where(v => v.Failed).Select(v => $"{v.Objective} {v.Subject}").ToList(),
            others);
    }
}
