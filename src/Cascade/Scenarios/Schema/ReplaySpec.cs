using Cascade.Fleet;
using Cascade.Scenarios.Binding;

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

    /// <summary>
    /// Inputs the write-up does not give, each with a plausible range: `cascade replay NAME --sensitivity`
    /// runs the scenario at each one's low and high (one at a time) and shows how far each moves the markers.
    /// </summary>
    public List<UnknownSpec> Unknowns { get; set; } = new();
}

/// <summary>
/// One input of a replay that is not known, as a `--set` path and the range it plausibly lies in. The
/// values are `--set` values, read as the field's type (durations, numbers, quantities).
/// </summary>
public sealed class UnknownSpec
{
    /// <summary>What the table calls it (default: the path).</summary>
    public string? Name { get; set; }

    [Required] public string Path { get; set; } = "";
    [Required] public string Low { get; set; } = "";
    [Required] public string High { get; set; } = "";

    /// <summary>Other fields that move with this one (e.g. a cache's TTL with the record's), each at its own low and high.</summary>
    public List<UnknownChangeSpec> With { get; set; } = new();

    /// <summary>Why it is unknown and why this range: the reader's reason to trust the tornado.</summary>
    public string Why { get; set; } = "";
}

public sealed class UnknownChangeSpec
{
    [Required] public string Path { get; set; } = "";
    [Required] public string Low { get; set; } = "";
    [Required] public string High { get; set; } = "";
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
