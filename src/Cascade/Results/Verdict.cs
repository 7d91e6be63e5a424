using System.Text.Json.Serialization;

namespace Cascade.Results;

/// <summary>An objective with nothing to judge (no products, no rollout) passes, and says so.</summary>
public enum VerdictStatus { Pass, Fail }

/// <summary>
/// One objective judged on one subject (a cluster, a product, or the fleet), with the evidence a person
/// reads and the numbers a machine reads. <see cref="Margin"/> is how far from the limit, as a share of
/// it: positive holds, negative fails, 0 at the limit (docs/scenario-format.md, "Objectives").
/// </summary>
public sealed record Verdict(
    string Objective,
    string Subject,
    VerdictStatus Status,
    string Evidence,
    double? Value,
    double? Limit,
    double Margin,
    double? AtSeconds = null)
{
    [JsonIgnore] public bool Failed => Status == VerdictStatus.Fail;
}
