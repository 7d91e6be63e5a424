using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>One row of a comparison: what the variant changed, and how the run went (null when it did not apply).</summary>
public sealed record ComparisonRow(
    string Variant,
    IReadOnlyList<string> Changes,
    string? NotApplicable,
    Outcome? Outcome,
    IReadOnlyList<Verdict> Verdicts);

/// <summary>A comparison's rows in the order the variants were given; the same inputs give the same document.</summary>
public sealed record ComparisonResult(string Scenario, ulong Seed, double DurationSeconds, string Change, IReadOnlyList<ComparisonRow> Rows);

/// <summary>
/// `cascade compare`: the same scenario under each variant, run in parallel, one single-threaded run
/// per variant (each run is deterministic on its own, and rows are kept in the variants' order), so the
/// matrix does not depend on the number of threads.
/// </summary>
public static class Comparison
{
    /// <param name="admit">Called with every run and how many go at once, after loading and before the first run (a resource guard may refuse them).</param>
    public static ComparisonResult Run(string path, IReadOnlyList<string> overrides, ulong? seed, IReadOnlyList<Variant> variants,
        int threads, Action<int, int>? progress = null, Action<IReadOnlyList<Scenario>, int>? admit = null)
    {
        // Load and transform every variant first: a mistake in any is reported before minutes of running.
        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var prepared = variants.Select(v => v.Prepare(path, overrides)).ToList();
        var first = ScenarioLoader.LoadFile(path, overrides);
        ulong runSeed = seed ?? (ulong)first.Seed;

        var toRun = Enumerable.Range(0, prepared.Count).Where(i => prepared[i].Scenario is not null).ToList();
        admit?.Invoke(toRun.Select(i => prepared[i].Scenario!).ToList(), Math.Min(threads, toRun.Count));
        var ran = ParallelRuns.Run(toRun, threads, i =>
        {
            var scenario = prepared[i].Scenario!;
            var output = ScenarioRunner.Run(scenario, runSeed, baseDirectory, threads: 1);
            return (output.Result, Collateral.Of(output, TheChange.Of(scenario)));
        }, progress);
        var results = new (RunResult Result, Collateral Others)?[prepared.Count];
        for (int k = 0; k < toRun.Count; k++) results[toRun[k]] = ran[k];
        return new ComparisonResult(first.Metadata.Name, runSeed, first.Duration.Seconds, TheChange.Of(first)?.Name ?? "", Rows(prepared, results));
    }

    /// <summary>
    /// One row per variant, in their order: a variant that did not apply says why and has no outcome; the
    /// others are judged against their own scenario's objectives (<paramref name="results"/>[i] is variant i's run).
    /// </summary>
    internal static List<ComparisonRow> Rows(IReadOnlyList<PreparedVariant> prepared, IReadOnlyList<(RunResult Result, Collateral Others)?> results)
    {
        var rows = new List<ComparisonRow>();
        for (int i = 0; i < prepared.Count; i++)
        {
            var (v, scenario, ctx, reason) = prepared[i];
            if (results[i] is not var (result, others))
            {
                rows.Add(new ComparisonRow(v.Name, ctx.Changes, reason, null, []));
                continue;
            }
            var verdicts = ObjectiveJudge.Judge(scenario!.Objectives, result);
            rows.Add(new ComparisonRow(v.Name, ctx.Changes, null, Outcome.Of(result, verdicts, others), verdicts));
        }
        return rows;
    }

    /// <summary>
    /// The rows: the baseline, what `--mitigations` names (`all`, every built-in and the default
    /// combinations, unless only the user's own variants are given), then the user's variants.
    /// </summary>
    public static List<Variant> Variants(string? mitigations, IReadOnlyList<string> userVariants)
    {
        var list = new List<Variant> { Variant.Baseline };
        var names = (mitigations ?? (userVariants.Count > 0 ? "none" : "all")).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var n in names)
        {
            if (n == "none") continue;
            if (n == "all")
            {
                list.AddRange(Mitigations.All.Select(m => Variant.OfMitigations(m.Name)));
                list.AddRange(Mitigations.DefaultCombinations.Select(Variant.OfMitigations));
            }
            else list.Add(Variant.OfMitigations(n));
        }
        // A mitigation named twice runs once; a user's variant must have a name of its own.
        var unique = list.DistinctBy(v => v.Name).ToList();
        foreach (var v in userVariants.Select(Variant.Parse))
        {
            if (unique.Any(u => u.Name == v.Name)) throw new InputException($"two rows are named '{v.Name}'", field: "--variant");
            unique.Add(v);
        }
        return unique;
    }
}
