using Cascade.ControlPlane;
using Cascade.Fleet;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// One row of a comparison: what the variant changed, and how the run went (null when it did not apply).
/// <see cref="SameAsBaseline"/> says why the variant's run is the baseline's, event for event, when it was not run
/// on its own (its change never reached the run); its outcome is then the baseline's. <see cref="SameRunAs"/> does the
/// same for another row's run. <see cref="Events"/>: the events its run simulated (what the row cost to answer).
/// </summary>
public sealed record ComparisonRow(
    string Variant,
    IReadOnlyList<string> Changes,
    string? NotApplicable,
    Outcome? Outcome,
    IReadOnlyList<Verdict> Verdicts,
    string? SameAsBaseline = null,
    SameRun? SameRunAs = null,
    long? Events = null);

/// <summary>The row (not the baseline) whose run a variant's run is, event for event, and why.</summary>
public sealed record SameRun(string Variant, string Why);

/// <summary>A comparison's rows in the order the variants were given; the same inputs give the same document.</summary>
public sealed record ComparisonResult(string Scenario, ulong Seed, double DurationSeconds, string Change, IReadOnlyList<ComparisonRow> Rows);

/// <summary>
/// `cascade compare`: the same scenario under each variant, run in parallel, a thread per run until the last
/// runs share the threads of those done (each run is deterministic on its own whatever its threads, and rows are
/// kept in the variants' order), so the matrix does not depend on the number of threads.
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
        // A variant whose scenario is an earlier row's (a --variant setting what is already so) is that row's run.
        var firstSame = ScenarioFingerprint.FirstSame(toRun.Select(i => prepared[i].Scenario!).ToList());
        var twin = new int?[prepared.Count];
        for (int k = 0; k < toRun.Count; k++) if (firstSame[k] != k) twin[toRun[k]] = toRun[firstSame[k]];
        toRun = toRun.Where(i => twin[i] is null).ToList();
        admit?.Invoke(toRun.Select(i => prepared[i].Scenario!).ToList(), Math.Min(threads, toRun.Count));

        // A variant that only changes client limits is asked of the baseline's run first (ClientLimitProbe): if its
        // limits never give a request another wait, its run is the baseline's and is not run again.
        int baseline = prepared.FindIndex(p => p.Scenario is not null && p.Variant.Name == Variant.BaselineName);
        var probes = new IReadOnlyList<(string Workload, ClientLimitProbe Probe)>?[prepared.Count];
        if (baseline >= 0)
            foreach (int i in toRun)
                if (i != baseline) probes[i] = ClientLimitProbes.Of(prepared[baseline].Scenario!, prepared[i]);

        var results = new (RunResult Result, Collateral Others)?[prepared.Count];
        var same = new string?[prepared.Count];
        var sameAs = new SameRun?[prepared.Count];
        int done = 0, total = toRun.Count;
        void Ran() => progress?.Invoke(Interlocked.Increment(ref done), total);
        progress?.Invoke(0, total);
        void Answer(int i, int other, string why)
        {
            results[i] = results[other];
            if (other == baseline) same[i] = why;
            else sameAs[i] = new SameRun(prepared[other].Variant.Name, why);
        }

        // A variant that adds to another row only playbook steps keyed to a moment (detection, a halt) waits for that
        // row's run (UnreachedSteps): if the run never reached the moment, it is the variant's run too.
        var extensions = UnreachedSteps.Of(prepared);
        foreach (int i in prepared.Select((_, i) => i)) if (probes[i] is not null || twin[i] is not null) extensions[i] = null;
        // Fewest added steps first: a row answered in a pass may answer a row that extends it in the same pass.
        var ranked = toRun.Where(i => extensions[i] is not null).OrderBy(i => prepared[i].Scenario!.Remediation.Count).ToList();
        var decided = new bool[prepared.Count];
        bool probesAsked = false;

        // What the runs ended so far settle: rows answered from them, rows that must run after all. A row extending
        // another waits for that row's outcome, whether the row was run from the start, after waiting itself, or
        // answered: an outcome is the same whenever it comes, so what is settled does not depend on the order the
        // runs end in.
        List<int> Settle()
        {
            var start = new List<int>();
            if (!probesAsked && baseline >= 0 && results[baseline] is not null)
            {
                probesAsked = true;
                foreach (int i in toRun.Where(i => probes[i] is not null))
                {
                    if (probes[i]!.All(w => w.Probe.DivergedAt is null))
                    {
                        Answer(i, baseline, ClientLimitProbes.Why(probes[i]!));
                        Ran();
                    }
                    else start.Add(i);
                }
            }
            foreach (int i in ranked)
            {
                if (decided[i]) continue;
                var extension = extensions[i]!;
                int o = extension.Other;
                if (twin[o] is not null || (results[o] is { } other && !UnreachedSteps.Unreached(extension, other.Result)))
                {
                    decided[i] = true;
                    start.Add(i);
                }
                else if (results[o] is not null)
                {
                    decided[i] = true;
                    Answer(i, o, UnreachedSteps.Why(extension, prepared[o].Variant.Name));
                    Ran();
                }
            }
            return start;
        }

        var unwaiting = toRun.Where(i => probes[i] is null && extensions[i] is null).ToList();
        ParallelRuns.RunGrowing([.. unwaiting, .. Settle()], threads, (i, pool) =>
        {
            var scenario = prepared[i].Scenario!;
            Action<FleetModel>? watch = i == baseline ? fleet => ClientLimitProbes.Attach(fleet, probes) : null;
            var output = ScenarioRunner.Run(scenario, runSeed, baseDirectory, beforeStart: watch, threadsNow: () => pool.Now);
            return (output.Result, Collateral.Of(output, TheChange.Of(scenario)));
        }, (i, result) =>
        {
            results[i] = result;
            Ran();
            return Settle();
        });
        if (toRun.FirstOrDefault(i => results[i] is null, -1) is var never and >= 0)
            throw new InvalidOperationException($"compare: row {prepared[never].Variant.Name} was neither run nor answered");
        for (int i = 0; i < prepared.Count; i++)
            if (twin[i] is { } t) Answer(i, t, $"the same scenario as {(t == baseline ? "the baseline" : prepared[t].Variant.Name)}'s: the same run, not run again");
        return new ComparisonResult(first.Metadata.Name, runSeed, first.Duration.Seconds, TheChange.Of(first)?.Name ?? "", Rows(prepared, results, same, sameAs));
    }

    /// <summary>
    /// One row per variant, in their order: a variant that did not apply says why and has no outcome; the
    /// others are judged against their own scenario's objectives (<paramref name="results"/>[i] is variant i's run).
    /// </summary>
    internal static List<ComparisonRow> Rows(IReadOnlyList<PreparedVariant> prepared, IReadOnlyList<(RunResult Result, Collateral Others)?> results,
        IReadOnlyList<string?>? sameAsBaseline = null, IReadOnlyList<SameRun?>? sameRunAs = null)
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
            rows.Add(new ComparisonRow(v.Name, ctx.Changes, null, Outcome.Of(result, verdicts, others), verdicts, sameAsBaseline?[i], sameRunAs?[i], result.Events));
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
