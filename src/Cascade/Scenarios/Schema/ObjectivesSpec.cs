using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// What "safe" means for `cascade check`, `compare` and `cliff` (docs/scenario-format.md, "Objectives").
/// Every objective is on by default with a limit a team can keep; a scenario only says what differs.
/// </summary>
public sealed class ObjectivesSpec
{
    public ApiServerSaturationObjective ApiServerSaturation { get; set; } = new();
    public ErrorBudgetObjective ErrorBudget { get; set; } = new();
    public RolloutReachObjective RolloutReach { get; set; } = new();
    public RecoveryObjective Recovery { get; set; } = new();
}

/// <summary>No cluster's API server saturates: no 60 s window with non-exempt p99 over 1 s or over 1% failed (ApiServerMetrics).</summary>
public sealed class ApiServerSaturationObjective
{
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Each product's errors, as minutes of total outage: errors ÷ the product's average requests per minute.
/// The default is a tenth of a 99.9% SLO's 30-day budget (43.2 min): one change may spend no more.
/// </summary>
public sealed class ErrorBudgetObjective
{
    public bool Enabled { get; set; } = true;

    [Range(0, 1e9)] public double UserMinutes { get; set; } = 4.32;
}

/// <summary>
/// When something went wrong (a cluster saturated or a product's error rate passed 1% in a minute), the
/// rollout must have stopped within this share of the fleet. Default 25%: at most a first wave's worth.
/// </summary>
public sealed class RolloutReachObjective
{
    public bool Enabled { get; set; } = true;

    [Range(0, 100)] public double MaxPercent { get; set; } = 25;
}

/// <summary>
/// From a cluster's first saturation or user impact to all of it healthy again for good. Default 30 min:
/// most of a 99.9% SLO's monthly budget (43.2 min) is gone by then.
/// </summary>
public sealed class RecoveryObjective
{
    public bool Enabled { get; set; } = true;

    [ZeroAllowed] public Duration Within { get; set; } = Duration.FromSeconds(1800);
}
