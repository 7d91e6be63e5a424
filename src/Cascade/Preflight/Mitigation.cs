using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// A change a platform team could make for real, written as a transformation of a loaded scenario. It
/// either applies, saying what it changed in the scenario's own terms, or says why it does not apply
/// (nothing to change, or the scenario lacks what it acts on).
/// </summary>
public sealed class Mitigation
{
    private readonly Func<Scenario, MitigationContext, string?> _apply;

    public Mitigation(string name, string summary, Func<Scenario, MitigationContext, string?> apply)
    {
        Name = name;
        Summary = summary;
        _apply = apply;
    }

    public string Name { get; }
    public string Summary { get; }

    /// <summary>Changes <paramref name="scenario"/>; returns null when applied, else why it does not apply.</summary>
    public string? ApplyTo(Scenario scenario, MitigationContext context) => _apply(scenario, context);
}

/// <summary>Where a mitigation records what it changed and finds files the scenario names.</summary>
public sealed class MitigationContext(string baseDirectory)
{
    public string BaseDirectory { get; } = baseDirectory;
    public List<string> Changes { get; } = new();
}
