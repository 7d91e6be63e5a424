using Cascade.Preflight;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Sweeps;

/// <summary>
/// A sweep file (`apiVersion: cascade/v1`, `kind: Sweep`): one scenario run over a grid of `--set` values,
/// mitigations and seeds, judged against objectives. Every combination of one value per axis, one
/// mitigation and one seed is a cell: one deterministic run. The cells are the unit that
/// `cascade sweep run --shard` spreads over processes or an Indexed Job's pods (docs/scenario-format.md, "Sweeps").
/// </summary>
public sealed class SweepSpec : IValidatable
{
    /// <summary>A sweep past this many cells is more likely a mistake in the grid than a plan.</summary>
    public const int MaxCells = 100_000;

    [Required] public string ApiVersion { get; set; } = "";
    [Required] public string Kind { get; set; } = "";
    public ScenarioMetadata Metadata { get; set; } = new();

    /// <summary>The scenario file, relative to the sweep file.</summary>
    [Required] public string Scenario { get; set; } = "";

    /// <summary>`--set` overrides every cell gets, before the grid's.</summary>
    public List<string> Set { get; set; } = new();

    /// <summary>The axes: each a `--set` path and its values; the cells are their product.</summary>
    public List<SweepAxis> Grid { get; set; } = new();

    /// <summary>Built-in mitigations as `cascade compare --mitigations` names them (`a+b` together); `none` is the scenario as given.</summary>
    public List<string> Mitigations { get; set; } = ["none"];

    /// <summary>Run seeds: each group of settings runs once per seed, and its verdicts are counted over them.</summary>
    [Required] public List<long> Seeds { get; set; } = new();

    /// <summary>What "safe" means for every cell; when left out, the scenario's own objectives.</summary>
    public ObjectivesSpec? Objectives { get; set; }

    public void Validate(ValidationContext ctx)
    {
        if (!File.Exists(ScenarioPath(ctx.BaseDirectory ?? ".")))
            ctx.Fail(nameof(Scenario), $"scenario file '{Scenario}' not found (relative to the sweep file)");
        for (int i = 0; i < Set.Count; i++)
            if (!Set[i].Contains('=')) ctx.FailAtItem(nameof(Set), i, $"'{Set[i]}' is not path=value");
        var axes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Grid.Count; i++)
            if (!axes.Add(Grid[i].Label)) ctx.FailAt(nameof(Grid), i, "name", $"two axes are named '{Grid[i].Label}'; give one a name");
        if (Mitigations.Count == 0) ctx.Fail(nameof(Mitigations), "list at least one mitigation ('none' for the scenario as given)");
        for (int i = 0; i < Mitigations.Count; i++)
        {
            if (Mitigations.IndexOf(Mitigations[i]) != i) ctx.FailAtItem(nameof(Mitigations), i, $"'{Mitigations[i]}' is listed twice");
            try
            {
                _ = VariantOf(Mitigations[i]);
            }
            catch (InputException e)
            {
                ctx.FailAtItem(nameof(Mitigations), i, e.Message);
            }
        }
        if (Seeds.Count == 0) ctx.Fail(nameof(Seeds), "list at least one seed");
        for (int i = 0; i < Seeds.Count; i++)
        {
            if (Seeds[i] < 0) ctx.FailAtItem(nameof(Seeds), i, $"a seed is a whole number from 0, got {Seeds[i]}");
            if (Seeds.IndexOf(Seeds[i]) != i) ctx.FailAtItem(nameof(Seeds), i, $"seed {Seeds[i]} is listed twice");
        }
        double cells = Grid.Aggregate(1.0, (n, a) => n * a.Values.Count) * Mitigations.Count * Seeds.Count;
        if (cells > MaxCells) ctx.Fail(nameof(Grid), $"{cells:0} cells, past the {MaxCells:N0} one sweep may hold: split it into several sweeps");
    }

    /// <summary>The scenario file's path, from the folder the sweep file is in.</summary>
    public string ScenarioPath(string sweepDirectory) => Path.Combine(sweepDirectory, Scenario);

    /// <summary>The comparison row a mitigation name stands for: `none` is the baseline.</summary>
    public static Variant VariantOf(string mitigation) =>
        mitigation == "none" ? Variant.Baseline : Variant.OfMitigations(mitigation);
}

/// <summary>One axis of the grid: a `--set` path and the values it takes, as the file writes them (YAML scalars).</summary>
public sealed class SweepAxis : IValidatable
{
    [Required] public string Path { get; set; } = "";

    /// <summary>The column's heading; by default the path's last field (`cluster.nodes` → `nodes`).</summary>
    public string? Name { get; set; }

    [Required] public List<string> Values { get; set; } = new();

    public string Label => Name ?? Path[(Path.LastIndexOf('.') + 1)..];

    public void Validate(ValidationContext ctx)
    {
        if (Path.Length == 0 || Path.Contains('=')) ctx.Fail(nameof(Path), $"'{Path}' is not a --set path (like cluster.nodes)");
        if (Values.Count == 0) ctx.Fail(nameof(Values), "list at least one value");
        for (int i = 0; i < Values.Count; i++)
            if (Values.IndexOf(Values[i]) != i) ctx.FailAtItem(nameof(Values), i, $"'{Values[i]}' is listed twice");
    }
}
