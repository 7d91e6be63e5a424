using Cascade.ControlPlane;
using Cascade.Results;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// Judges a finished run against the scenario's objectives: one verdict per objective per subject (each
/// cluster, each product, or the fleet), from result.json's figures alone, so a reader of the JSON can
/// check every verdict. Margins (how far inside the limit, as a share of it) are defined so that a
/// negative margin is exactly a failure; `cascade cliff` draws them.
/// </summary>
public static class ObjectiveJudge
{
    public const string ApiServerSaturation = "apiServerSaturation";
    public const string ErrorBudget = "errorBudget";
    public const string RolloutReach = "rolloutReach";
    public const string Recovery = "recovery";

    public static readonly IReadOnlyList<string> Names = [ApiServerSaturation, ErrorBudget, RolloutReach, Recovery];

    public static List<Verdict> Judge(ObjectivesSpec spec, RunResult result)
    {
        var products = ProductOutcome.Of(result);
        var verdicts = new List<Verdict>();
        if (spec.ApiServerSaturation.Enabled)
            foreach (var c in result.Clusters) verdicts.Add(Saturation(c));
        if (spec.ErrorBudget.Enabled)
        {
            if (products.Count == 0)
                verdicts.Add(new Verdict(ErrorBudget, "-", VerdictStatus.Pass, "no products in scenario", null, spec.ErrorBudget.UserMinutes, 1));
            foreach (var p in products) verdicts.Add(Budget(p, spec.ErrorBudget.UserMinutes, result.DurationSeconds));
        }
        if (spec.RolloutReach.Enabled) verdicts.Add(Reach(result, products, spec.RolloutReach.MaxPercent));
        if (spec.Recovery.Enabled)
            foreach (var c in result.Clusters) verdicts.Add(Recover(c, products, spec.Recovery.Within.Seconds, result.DurationSeconds));
        return verdicts;
    }

    /// <summary>
    /// The worst window's pressure: its p99 over 1 s or its failed share over 1%, whichever is larger
    /// (ApiServerMetrics' saturation test). Over 1 is saturated; margin = 1 − pressure.
    /// </summary>
    private static Verdict Saturation(ClusterResult c)
    {
        var a = c.Apiserver;
        double pressure = Math.Max(a.PeakWindowP99Seconds / ApiServerMetrics.SaturationP99Seconds,
            a.PeakWindowFailureRatio / ApiServerMetrics.SaturationFailureRatio);
        string worst = $"worst window p99 {a.PeakWindowP99Seconds:0.00} s, {Clock.Percent(a.PeakWindowFailureRatio)} failed";
        if (a.SaturatedAtSeconds is { } at)
            return new Verdict(ApiServerSaturation, c.Name, VerdictStatus.Fail,
                $"saturated at {Clock.Format(at)}: {worst} (limits 1 s, 1%)", pressure, 1, Math.Min(1 - pressure, 0), at);
        return new Verdict(ApiServerSaturation, c.Name, VerdictStatus.Pass,
            $"never saturated: {worst}", pressure, 1, Math.Max(1 - pressure, 0));
    }

    private static Verdict Budget(ProductOutcome p, double budget, double durationSeconds)
    {
        double used = p.UserMinutes(durationSeconds);
        double margin = budget > 0 ? (budget - used) / budget : used > 0 ? -used : 0;
        bool fail = used > budget;
        string evidence = $"{used:0.00} user-minutes of errors (budget {budget:0.##}); peak error rate {Clock.Percent(p.PeakErrorRate)}"
            + (p.FirstErrorAtSeconds is { } f ? $", errors from {Clock.Format(f)}" : "");
        return new Verdict(ErrorBudget, $"{p.Name} ({p.Cluster})", fail ? VerdictStatus.Fail : VerdictStatus.Pass, evidence, used, budget,
            fail ? Math.Min(margin, 0) : margin, p.FirstErrorAtSeconds);
    }

    /// <summary>What went wrong first, fleet-wide: a saturation or a product's first minute over 1% errors.</summary>
    public static (double At, string What)? FirstTrouble(RunResult result, IReadOnlyList<ProductOutcome> products)
    {
        (double At, string What)? first = null;
        foreach (var c in result.Clusters)
            if (c.Apiserver.SaturatedAtSeconds is { } s && (first is null || s < first.Value.At))
                first = (s, $"{c.Name}'s API server saturated at {Clock.Format(s)}");
        foreach (var p in products)
            if (p.FirstErrorAtSeconds is { } e && (first is null || e < first.Value.At))
                first = (e, $"{p.Name} ({p.Cluster}) passed 1% errors at {Clock.Format(e)}");
        return first;
    }

    private static Verdict Reach(RunResult result, IReadOnlyList<ProductOutcome> products, double maxPercent)
    {
        if (result.Rollout is not { } r)
            return new Verdict(RolloutReach, "fleet", VerdictStatus.Pass, "no rollout in scenario", null, maxPercent, 1);
        double percent = r.Reach * 100;
        string state = r.Halted && r.HaltedAtSeconds is { } h ? $"halted at {Clock.Format(h)}"
            : r.CompletedAtSeconds is { } d ? $"completed at {Clock.Format(d)}" : "was still going at the end";
        string reached = $"reached {r.ClustersReached} of {r.Clusters} clusters ({percent:0.#}%)";
        if (FirstTrouble(result, products) is not { } trouble)
            return new Verdict(RolloutReach, "fleet", VerdictStatus.Pass, $"nothing went wrong; the rollout {state}, {reached}", percent, maxPercent, 1);
        double margin = (maxPercent - percent) / Math.Max(maxPercent, 1);
        bool fail = percent > maxPercent + 1e-9;
        return new Verdict(RolloutReach, "fleet", fail ? VerdictStatus.Fail : VerdictStatus.Pass,
            $"{trouble.What}; the rollout {state}, {reached}, limit {maxPercent:0.#}%", percent, maxPercent,
            fail ? Math.Min(margin, 0) : margin, trouble.At);
    }

    /// <summary>A cluster's incident: from its first saturation or its products' first impact to all of them healthy for good.</summary>
    private static Verdict Recover(ClusterResult c, IReadOnlyList<ProductOutcome> products, double withinSeconds, double durationSeconds)
    {
        double? start = c.Apiserver.SaturatedAtSeconds;
        double end = c.Apiserver.RecoveredAtSeconds ?? 0;
        var open = new List<string>();
        if (c.Apiserver.SaturatedAtSeconds is not null && c.Apiserver.RecoveredAtSeconds is null) open.Add("API server");
        foreach (var p in products)
        {
            if (p.Cluster != c.Name || p.FirstErrorAtSeconds is not { } e) continue;
            start = start is { } s ? Math.Min(s, e) : e;
            if (p.RecoveredAtSeconds is { } r) end = Math.Max(end, r);
            else open.Add(p.Name);
        }
        if (start is not { } from)
            return new Verdict(Recovery, c.Name, VerdictStatus.Pass, "nothing to recover from", null, withinSeconds, 1);
        string limit = $"limit {Clock.Format(withinSeconds)}";
        if (open.Count > 0)
        {
            double elapsed = durationSeconds - from;
            return new Verdict(Recovery, c.Name, VerdictStatus.Fail,
                $"trouble from {Clock.Format(from)}; {string.Join(", ", open)} not recovered by the end of the run, {Clock.Format(elapsed)} later ({limit})",
                null, withinSeconds, Math.Min((withinSeconds - elapsed) / withinSeconds, 0), from);
        }
        double took = end - from;
        bool fail = took > withinSeconds;
        double margin = (withinSeconds - took) / withinSeconds;
        return new Verdict(Recovery, c.Name, fail ? VerdictStatus.Fail : VerdictStatus.Pass,
            $"trouble from {Clock.Format(from)}, all healthy again at {Clock.Format(end)}: {Clock.Format(took)} ({limit})",
            took, withinSeconds, fail ? Math.Min(margin, 0) : margin, from);
    }
}
