using Cascade.Preflight;

namespace Cascade.Sweeps;

/// <summary>
/// A whole sweep's result: for each group of settings, each objective's pass rate over the seeds with its
/// 95% Wilson interval, and whether it holds in every seed, fails in every seed, or flips between them.
/// A function of the plan and the cells' results alone (no wall clock, no host, no thread count), so one
/// process and any number of merged shards write the same bytes.
/// </summary>
public sealed record SweepResult(
    SweepDefinition Sweep,
    IReadOnlyList<string> Objectives,
    IReadOnlyList<SweepGroupResult> Groups,
    IReadOnlyList<SweepCellSummary> Cells)
{
    /// <summary>Every objective at once: the run holds when none of its verdicts fails (`cascade check`'s exit 0).</summary>
    public const string AllObjectives = "all";

    public const string Holds = "holds";
    public const string Fails = "fails";
    public const string Flips = "flips";
    public const string NotJudged = "n/a";

    public static SweepResult Of(SweepPlan plan, IReadOnlyDictionary<string, SweepCellResult> results)
    {
        var judged = ObjectiveJudge.Names
            .Where(o => results.Values.Any(r => r.Verdicts.Any(v => v.Objective == o)))
            .Append(AllObjectives).ToList();
        var groups = new List<SweepGroupResult>();
        foreach (var cells in plan.Cells.GroupBy(c => c.Group))
        {
            var first = cells.First();
            var runs = cells.Select(c => (c.Seed, Result: results[c.Id])).ToList();
            var rates = judged.Select(o => Rate(o, runs)).ToList();
            groups.Add(new SweepGroupResult(first.Group, first.Label, first.Settings, first.Mitigation,
                runs.Select(r => r.Result.NotApplicable).FirstOrDefault(n => n is not null), rates));
        }
        var summaries = plan.Cells.Select(c =>
        {
            var r = results[c.Id];
            return new SweepCellSummary(c.Id, c.Group, c.Seed, r.Outcome?.ObjectivesHold, r.Outcome?.FailedObjectives ?? [],
                r.Outcome?.ClustersSaturated, r.Outcome?.PeakErrorRate);
        }).ToList();
        return new SweepResult(plan.Sweep, judged, groups, summaries);
    }

    /// <summary>One objective over a group's seeds: a seed counts when the objective was judged in its run.</summary>
    private static ObjectivePassRate Rate(string objective, IReadOnlyList<(ulong Seed, SweepCellResult Result)> runs)
    {
        int passed = 0, judged = 0;
        var failed = new List<ulong>();
        foreach (var (seed, r) in runs)
        {
            var verdicts = r.Verdicts.Where(v => objective == AllObjectives || v.Objective == objective).ToList();
            if (r.Outcome is null || verdicts.Count == 0) continue;
            judged++;
            if (verdicts.Any(v => v.Failed)) failed.Add(seed);
            else passed++;
        }
        var (low, high) = Wilson.Interval(passed, judged);
        string verdict = judged == 0 ? NotJudged : passed == judged ? Holds : passed == 0 ? Fails : Flips;
        return new ObjectivePassRate(objective, passed, judged, judged == 0 ? 0 : Math.Round((double)passed / judged, 4), low, high, verdict, failed);
    }
}

/// <summary>One group of settings and mitigation over the seeds; <see cref="NotApplicable"/> when its mitigation does not apply.</summary>
public sealed record SweepGroupResult(
    string Id,
    string Label,
    IReadOnlyList<SweepSetting> Settings,
    string Mitigation,
    string? NotApplicable,
    IReadOnlyList<ObjectivePassRate> Objectives);

/// <summary>
/// An objective over a group's seeds: passed of runs, the pass rate and its 95% Wilson interval
/// (<see cref="Low"/>, <see cref="High"/>), the verdict (holds, fails, flips, n/a), and the seeds it failed in.
/// </summary>
public sealed record ObjectivePassRate(
    string Objective,
    int Passed,
    int Runs,
    double PassRate,
    double Low,
    double High,
    string Verdict,
    IReadOnlyList<ulong> FailedSeeds);

/// <summary>One cell in the merged result: whether its objectives held, which failed, and two headline figures (cells/&lt;id&gt;.json has the verdicts).</summary>
public sealed record SweepCellSummary(
    string Id,
    string Group,
    ulong Seed,
    bool? ObjectivesHold,
    IReadOnlyList<string> Failed,
    int? ClustersSaturated,
    double? PeakErrorRate);

/// <summary>
/// The Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference, the law of
/// succession, and statistical inference", JASA 22 (1927) 209–212): unlike the normal approximation it
/// stays inside [0, 1] and says something at 0 of 5 or 5 of 5, the usual counts of a sweep's seeds.
/// </summary>
public static class Wilson
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>(low, high) of the 95% interval, rounded to 4 decimals; (0, 1) when there are no trials.</summary>
    public static (double Low, double High) Interval(int successes, int trials)
    {
        if (trials == 0) return (0, 1);
        double n = trials, p = successes / n, z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return (Math.Round(Math.Max(0, centre - half), 4), Math.Round(Math.Min(1, centre + half), 4));
    }
}
