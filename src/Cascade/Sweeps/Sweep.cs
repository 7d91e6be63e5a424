using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Sweeps;

/// <summary>
/// A loaded sweep file and its plan: every cell's scenario loaded, its mitigation applied and its cost
/// estimated before any runs, so that a mistake in any cell (a path the scenario lacks, a value of the wrong
/// type) is one line at the grid value in the sweep file, not a failure minutes into a shard.
/// </summary>
public sealed class Sweep
{
    public const string ApiVersion = ScenarioLoader.ApiVersion;
    public const string Kind = "Sweep";

    private static readonly Lock PrepareGate = new();

    private readonly Dictionary<string, PreparedVariant> _groups;

    private Sweep(string file, SweepSpec spec, SweepPlan plan, Dictionary<string, PreparedVariant> groups) =>
        (File, Spec, Plan, _groups) = (file, spec, plan, groups);

    /// <summary>The sweep file, as given.</summary>
    public string File { get; }

    public SweepSpec Spec { get; }

    public SweepPlan Plan { get; }

    /// <summary>
    /// The model's build: its version and the library's module id, which a deterministic build derives from
    /// its content, so that shards of builds that could simulate differently do not merge.
    /// </summary>
    public static string Build => $"{typeof(Sweep).Assembly.GetName().Version} {typeof(Sweep).Assembly.ManifestModule.ModuleVersionId}";

    public string ScenarioFile => Spec.ScenarioPath(Path.GetDirectoryName(Path.GetFullPath(File))!);

    public static Sweep Load(string file)
    {
        if (Directory.Exists(file)) throw new InputException("is a directory; give a sweep file (YAML)", file);
        if (!System.IO.File.Exists(file)) throw new InputException($"sweep file '{file}' not found");
        var spec = YamlBinder.LoadFile<SweepSpec>(file, null, ApiVersion, Kind);
        string scenarioFile = spec.ScenarioPath(Path.GetDirectoryName(Path.GetFullPath(file))!);
        string fingerprint = SweepPlan.Hash(string.Join("\n\0\n", TextFile.ReadUtf8(file), TextFile.ReadUtf8(scenarioFile), Build));

        var groups = new Dictionary<string, PreparedVariant>(StringComparer.Ordinal);
        var cells = new List<SweepCell>();
        var seeds = spec.Seeds.Select(s => (ulong)s).ToList();
        foreach (var settings in Combinations(spec.Grid))
            foreach (var mitigation in spec.Mitigations)
            {
                string group = SweepPlan.GroupId(settings, mitigation);
                var prepared = Prepare(file, scenarioFile, spec, settings, mitigation);
                groups[group] = prepared;
                var estimate = prepared.Scenario is { } s ? RunEstimate.Of(s) : null;
                foreach (var seed in seeds)
                    cells.Add(new SweepCell(SweepPlan.CellId(group, seed), group, settings, mitigation, seed,
                        estimate?.Events ?? 0, estimate?.MemoryBytes ?? RunEstimate.ProcessBytes));
            }
        var axes = spec.Grid.Select(a => new SweepAxisPlan(a.Label, a.Path, a.Values)).ToList();
        var plan = new SweepPlan(new SweepDefinition(spec.Metadata.Name, spec.Metadata.Description, spec.Scenario, spec.Set, axes, spec.Mitigations, seeds, fingerprint), cells);
        return new Sweep(file, spec, plan, groups);
    }

    /// <summary>Every choice of one value per axis, the first axis outermost.</summary>
    private static IEnumerable<IReadOnlyList<SweepSetting>> Combinations(IReadOnlyList<SweepAxis> grid)
    {
        IEnumerable<IReadOnlyList<SweepSetting>> all = [[]];
        foreach (var axis in grid)
            all = all.SelectMany(prefix => axis.Values.Select(v => (IReadOnlyList<SweepSetting>)[.. prefix, new SweepSetting(axis.Label, axis.Path, v)])).ToList();
        return all;
    }

    /// <summary>
    /// The cell's scenario: the sweep's `set`, the cell's settings, then its mitigation. A mistake an override
    /// causes is reported at the grid value (or `set` item) in the sweep file that wrote it.
    /// </summary>
    private static PreparedVariant Prepare(string file, string scenarioFile, SweepSpec spec, IReadOnlyList<SweepSetting> settings, string mitigation)
    {
        List<string> overrides = [.. spec.Set, .. settings.Select(s => s.Override)];
        try
        {
            return SweepSpec.VariantOf(mitigation).Prepare(scenarioFile, overrides);
        }
        catch (InputException e) when (WrittenBy(e, spec, settings) is { } field)
        {
            var (line, column) = YamlPathLocator.Locate(file, field);
            string what = e.Field is { } f && !overrides.Contains(f) ? $"{f}: {e.Message}" : e.Message;
            throw new InputException(what, file, line, column, field);
        }
    }

    /// <summary>The sweep file's field whose override an error from loading the scenario is about, if any.</summary>
    private static string? WrittenBy(InputException e, SweepSpec spec, IReadOnlyList<SweepSetting> settings)
    {
        bool About(string o) => e.Field == o || e.File == "--set " + o;
        for (int a = 0; a < settings.Count; a++)
            if (About(settings[a].Override)) return $"grid[{a}].values[{spec.Grid[a].Values.IndexOf(settings[a].Value)}]";
        for (int i = 0; i < spec.Set.Count; i++)
            if (About(spec.Set[i])) return $"set[{i}]";
        return null;
    }

    /// <summary>
    /// Runs one cell on the calling thread (and on as many as <paramref name="threadsNow"/> says, when given) and judges
    /// it: the sweep's objectives when it has them, else the scenario's. The result is a function of the plan and the
    /// cell alone.
    /// </summary>
    public SweepCellResult Run(SweepCell cell, Func<int>? threadsNow = null)
    {
        // Loaded again for each run: a run may change the objects it is built from, and seeds run in parallel.
        // One at a time: a mitigation may write a generated file (an APF file) that another cell also writes.
        PreparedVariant prepared;
        lock (PrepareGate) prepared = Prepare(File, ScenarioFile, Spec, cell.Settings, cell.Mitigation);
        if (prepared.Scenario is not { } scenario)
            return new SweepCellResult(cell.Id, Plan.Fingerprint, prepared.NotApplicable, prepared.Context.Changes, [], null);
        var output = ScenarioRunner.Run(scenario, cell.Seed, Path.GetDirectoryName(Path.GetFullPath(ScenarioFile)), threads: 1, threadsNow: threadsNow);
        var verdicts = ObjectiveJudge.Judge(Spec.Objectives ?? scenario.Objectives, output.Result);
        var outcome = Outcome.Of(output.Result, verdicts, Collateral.Of(output, TheChange.Of(scenario)));
        return new SweepCellResult(cell.Id, Plan.Fingerprint, null, prepared.Context.Changes, verdicts, outcome);
    }

    /// <summary>The cell's scenario as planned, for the resource guard; null when its mitigation does not apply.</summary>
    public Scenario? Scenario(SweepCell cell) => _groups[cell.Group].Scenario;

    /// <summary>The `--set` overrides that make the cell's scenario: the sweep's `set`, then the cell's settings.</summary>
    public IReadOnlyList<string> Overrides(SweepCell cell) => [.. Spec.Set, .. cell.Settings.Select(s => s.Override)];
}

/// <summary>One cell's run: the verdicts and the comparison's figures, or why its mitigation did not apply.</summary>
public sealed record SweepCellResult(
    string Id,
    string Fingerprint,
    string? NotApplicable,
    IReadOnlyList<string> Changes,
    IReadOnlyList<Verdict> Verdicts,
    Outcome? Outcome);
