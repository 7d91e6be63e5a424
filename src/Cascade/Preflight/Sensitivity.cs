using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Results;

namespace Cascade.Preflight;

/// <summary>
/// One thing the analysis measures, at the baseline: a replay's marker (simulated minutes, beside the
/// write-up's) or, for any other scenario, an objective's verdict for one subject as `cascade check`
/// judges it, as the share of its limit used (the verdict's value over its limit: over 1 fails; the
/// saturation test's pressure, user-minutes over the budget, reach over the limit, recovery time over the
/// time allowed). Null: the marker never happened, or the subject never recovered.
/// </summary>
public sealed record SensitivityObjective(string Objective, double? Observed, double? Baseline);

/// <summary>
/// How one input moves one objective. <see cref="Delta"/> is at-high minus at-low (its sign is the
/// direction); <see cref="Swing"/> the spread of baseline, at-low and at-high (max − min of those that
/// happened), so an input that moves a figure the same way at both ends still counts. <see cref="Never"/>:
/// the figure happens in some of the three runs and not in others (a marker that becomes "never"), which
/// outranks any swing.
/// </summary>
public sealed record SensitivityEffect(string Objective, double? Baseline, double? AtLow, double? AtHigh, double? Delta, double Swing, bool Never);

/// <summary>One input's row: what it sets, and its effect on every objective (in the baseline's order).</summary>
public sealed record SensitivityInputResult(string Name, IReadOnlyList<VaryChange> Changes, string Why, double MaxSwing, bool Never,
    IReadOnlyList<SensitivityEffect> Effects);

/// <summary>
/// A one-at-a-time sensitivity analysis. <see cref="Measure"/> is "markers" (a replay: figures in
/// minutes) or "objectives" (shares of each verdict's limit). <see cref="Inputs"/> are ordered by how far they move
/// anything (an input that makes a figure appear or disappear first, then the largest swing; ties keep
/// the order given).
/// </summary>
public sealed record SensitivityResult(string Scenario, ulong Seed, double DurationSeconds, string Measure, string Unit,
    IReadOnlyList<SensitivityObjective> Baseline, IReadOnlyList<SensitivityInputResult> Inputs)
{
    public const string Markers = "markers";
    public const string Objectives = "objectives";

    /// <summary>One objective's tornado: each input's effect on it, the largest swing first.</summary>
    public IReadOnlyList<(SensitivityInputResult Input, SensitivityEffect Effect)> Tornado(string objective) =>
        Inputs.Select(i => (Input: i, Effect: i.Effects.First(e => e.Objective == objective)))
            .OrderByDescending(x => x.Effect.Never).ThenByDescending(x => x.Effect.Swing).ToList();
}

/// <summary>
/// `cascade sensitivity` and `cascade replay NAME --sensitivity`: the scenario at its baseline, then with
/// each input at its low and at its high value, everything else at the baseline (one at a time, so
/// interactions between inputs are not seen). The 1 + 2 × inputs runs go in parallel, one thread each;
/// every run is deterministic, so the result does not depend on the number of threads, and an end that leaves
/// the scenario the same as another run's (<see cref="ScenarioFingerprint"/>) is that run, not run again.
/// </summary>
public static class Sensitivity
{
    /// <summary>The result, and the baseline run (for result.json and the report's charts).</summary>
    /// <param name="admit">Called with every run and how many go at once, after loading and before the first run (a resource guard may refuse them).</param>
    public static (SensitivityResult Result, RunOutput Baseline) Run(string path, IReadOnlyList<string> overrides, ulong? seed,
        IReadOnlyList<SensitivityInput> inputs, int threads, Action<int, int>? progress = null, Action<IReadOnlyList<Scenario>, int>? admit = null)
    {
        if (inputs.Count == 0)
            throw new InputException("nothing to vary: give --vary PATH=LOW..HIGH (or a replay with `replay.unknowns`)", field: "--vary");
        // Load every variant first: a wrong path or value is reported before minutes of running.
        var baseline = ScenarioLoader.LoadFile(path, overrides);
        var scenarios = new List<Scenario> { baseline };
        foreach (var input in inputs)
            foreach (bool high in new[] { false, true })
                scenarios.Add(LoadVariant(path, overrides, input, high));
        ulong runSeed = seed ?? (ulong)baseline.Seed;
        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // An end that leaves the scenario as it was (an input's low or high at the baseline's own value) is the
        // baseline's run, or another end's: each distinct scenario is run once.
        var same = ScenarioFingerprint.FirstSame(scenarios);
        var distinct = Enumerable.Range(0, scenarios.Count).Where(i => same[i] == i).ToList();
        admit?.Invoke(distinct.Select(i => scenarios[i]).ToList(), Math.Min(threads, distinct.Count));

        var ran = ParallelRuns.Run(distinct, threads, (i, pool) =>
        {
            var output = ScenarioRunner.Run(scenarios[i], runSeed, baseDirectory, threadsNow: () => pool.Now);
            return (Figures: Figures(scenarios[i], output), Output: i == 0 ? output : null);
        }, progress);
        var runs = same.Select(i => ran[distinct.IndexOf(i)]).ToList();

        var objectives = runs[0].Figures;
        var ordered = Rank(Enumerable.Range(0, inputs.Count).Select(k => Row(inputs[k], objectives, runs[1 + 2 * k].Figures, runs[2 + 2 * k].Figures)));
        bool replay = baseline.Replay is not null;
        var result = new SensitivityResult(baseline.Metadata.Name, runSeed, baseline.Duration.Seconds,
            replay ? SensitivityResult.Markers : SensitivityResult.Objectives, replay ? "min" : "× limit", objectives, ordered);
        return (result, runs[0].Output!);
    }

    private static Scenario LoadVariant(string path, IReadOnlyList<string> overrides, SensitivityInput input, bool high)
    {
        try
        {
            return ScenarioLoader.LoadFile(path, [.. overrides, .. input.Overrides(high)]);
        }
        catch (InputException e)
        {
            // Said as the input's mistake (where it was given, which end), with the loader's own words.
            string end = high ? $"high {input.High}" : $"low {input.Low}";
            throw new InputException($"at its {end}: {e.Describe()}", field: input.Origin);
        }
    }

    /// <summary>A replay's markers, or the share of its limit every objective's verdict used, of one finished run.</summary>
    private static List<SensitivityObjective> Figures(Scenario scenario, RunOutput output)
    {
        if (scenario.Replay is { } replay)
            return ReplayMarkers.Compute(replay, output.Result, output.Traffic)
                .Select(m => new SensitivityObjective(m.Name, m.ObservedMinutes, m.SimulatedMinutes)).ToList();
        return ObjectiveJudge.Judge(scenario.Objectives, output.Result)
            .Select(v => new SensitivityObjective($"{v.Objective} {v.Subject}", null, ShareOfLimit(v))).ToList();
    }

    /// <summary>A verdict's value as a share of its limit (the value itself without a positive limit), to 4 places; null without a value.</summary>
    internal static double? ShareOfLimit(Verdict v) =>
        v.Value is { } value ? Math.Round(v.Limit is { } limit && limit > 0 ? value / limit : value, 4) : null;

    /// <summary>One input's row: its effect on each of the baseline's figures, from the runs at its low and high end.</summary>
    internal static SensitivityInputResult Row(SensitivityInput input, IReadOnlyList<SensitivityObjective> baseline,
        List<SensitivityObjective> low, List<SensitivityObjective> high)
    {
        var effects = baseline.Select(o => Effect(o.Objective, o.Baseline, ValueOf(low, o.Objective), ValueOf(high, o.Objective))).ToList();
        return new SensitivityInputResult(input.Name, input.Changes, input.Why,
            effects.Select(e => e.Swing).DefaultIfEmpty(0).Max(), effects.Any(e => e.Never), effects);
    }

    /// <summary>The rows by how far they move anything: a figure appearing or disappearing first, then the largest swing; ties keep their order.</summary>
    internal static List<SensitivityInputResult> Rank(IEnumerable<SensitivityInputResult> rows) =>
        rows.OrderByDescending(r => r.Never).ThenByDescending(r => r.MaxSwing).ToList();

    /// <summary>A figure of a variant; null when it never happened, or the variant has no such objective (e.g. a cluster fewer).</summary>
    private static double? ValueOf(List<SensitivityObjective> figures, string objective) =>
        figures.FirstOrDefault(f => f.Objective == objective)?.Baseline;

    internal static SensitivityEffect Effect(string objective, double? baseline, double? atLow, double? atHigh)
    {
        double?[] all = [baseline, atLow, atHigh];
        var happened = all.Where(v => v is not null).Select(v => v!.Value).ToList();
        double swing = happened.Count > 0 ? Math.Round(happened.Max() - happened.Min(), 4) : 0;
        double? delta = atLow is { } l && atHigh is { } h ? Math.Round(h - l, 4) : null;
        return new SensitivityEffect(objective, baseline, atLow, atHigh, delta, swing, happened.Count is > 0 and < 3);
    }
}
