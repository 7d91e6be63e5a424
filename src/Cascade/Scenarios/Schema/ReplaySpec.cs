using Cascade.Fleet;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// What a replay is compared with: the write-up's timeline, as markers with the minutes the write-up gives
/// (after the scenario's time zero) and how each is measured in the simulation. The observed minutes are
/// only ever compared with; nothing in the model reads them.
/// </summary>
public sealed class ReplaySpec
{
    /// <summary>The write-up the markers come from.</summary>
    public string Source { get; set; } = "";

    /// <summary>Wall-clock time of the scenario's time zero, for display (e.g. "2024-12-11 14:51 PST").</summary>
    public string Origin { get; set; } = "";

    public List<MarkerSpec> Markers { get; set; } = new();
}

public sealed class MarkerSpec
{
    public string Name { get; set; } = "";
    public double ObservedMinutes { get; set; }
    public MarkerKind Kind { get; set; }

    /// <summary>For productRecovered: the product (all clusters serving it together).</summary>
    public string? Product { get; set; }

    /// <summary>For productRecovered/allRecovered: the error rate the product must stay under.</summary>
    public double Below { get; set; } = 0.01;
}
