using Cascade.Fleet;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Preflight;

/// <summary>
/// `compare` answers a variant that adds to another row only playbook steps keyed to a moment that row's run never
/// reached (detection, a halt) from that row's run. The premise is checked for every kind of step; each answer is
/// checked against the variant run on its own; a variant whose other row did reach the moment is run.
/// </summary>
public class UnreachedStepsTests
{
    // The replay's first 21 minutes: the baseline is detected at 22.5 min, so nothing is detected here.
    private static readonly string[] Short = ["duration=21m"];

    private static List<PreparedVariant> Prepare(string path, string[] overrides, params string[] mitigations) =>
        Comparison.Variants(string.Join(',', mitigations), []).Select(v => v.Prepare(path, overrides)).ToList();

    [Fact]
    public void A_variant_extends_the_row_whose_playbook_is_its_own_but_its_last_deferred_steps()
    {
        var prepared = Prepare(PreflightFixtures.Replay, Short, "health-gate", "health-gate+break-glass", "break-glass", "safeguards", "priority-level");
        var found = UnreachedSteps.Of(prepared);
        string[] names = prepared.Select(p => p.Variant.Name).ToArray();
        Assert.Equal(["baseline", "health-gate", "health-gate+break-glass", "break-glass", "safeguards", "priority-level"], names);

        // health-gate+break-glass is health-gate and a break-glass step; break-glass is the baseline and the same step.
        var gateAndGlass = found[2]!;
        Assert.Equal(1, gateAndGlass.Other);
        Assert.Equal(ActionKind.BreakGlass, Assert.Single(gateAndGlass.Steps).Action);
        Assert.Equal(0, found[3]!.Other);
        Assert.Equal("preflight break-glass", Assert.Single(found[3]!.Steps).Name);

        // The baseline and health-gate extend nothing (the gates differ from the baseline's rollout); safeguards also
        // changes APF and the waves, which no row has without its break-glass step; priority-level adds no step.
        Assert.Null(found[0]);
        Assert.Null(found[1]);
        Assert.Null(found[4]);
        Assert.Null(found[5]);
    }

    [Fact]
    public void The_other_row_with_the_longest_playbook_is_chosen_and_a_step_at_a_time_or_one_that_reserves_room_never_qualifies()
    {
        var prepared = Prepare(PreflightFixtures.Replay, Short);
        var baseline = prepared[0].Scenario!;
        PreparedVariant With(string name, params ActionSpec[] steps)
        {
            var s = ScenarioLoader.LoadFile(PreflightFixtures.Replay, Short);
            s.Remediation.AddRange(steps);
            return new PreparedVariant(new Variant(name, [], []), s, new MitigationContext(""), null);
        }
        var glass = new ActionSpec { Action = ActionKind.BreakGlass, Name = "glass", AfterDetection = Duration.FromSeconds(60) };
        var abort = new ActionSpec { Action = ActionKind.Rollback, Name = "abort", AfterHalt = Duration.FromSeconds(0) };
        var atTime = new ActionSpec { Action = ActionKind.BreakGlass, Name = "at", At = Duration.FromSeconds(60) };
        var scale = new ActionSpec { Action = ActionKind.ScaleApiServers, Name = "scale", Replicas = 9, AfterDetection = Duration.FromSeconds(60) };
        var list = new List<PreparedVariant>
        {
            prepared[0],
            With("one", glass),
            With("two", glass, abort),
            With("at", atTime),
            With("scale", scale),
            With("one-again", glass),
        };
        var found = UnreachedSteps.Of(list);
        Assert.Equal(0, found[1]!.Other);
        Assert.Equal(1, found[2]!.Other);                 // "one" (one step in common), not the baseline
        Assert.Equal("abort", Assert.Single(found[2]!.Steps).Name);
        Assert.Null(found[3]);
        Assert.Null(found[4]);
        Assert.Equal(0, found[5]!.Other);                 // the same playbook as "one" is no extension of it
        Assert.True(ScenarioBuilder.ReservesRoom(scale));
        Assert.Equal(baseline.Remediation.Count, list[0].Scenario!.Remediation.Count);
    }

    [Fact]
    public void A_step_is_unreached_only_when_the_moment_it_waits_for_never_came()
    {
        var detected = new ActionSpec { Action = ActionKind.BreakGlass, Name = "glass" };
        var halted = new ActionSpec { Action = ActionKind.Rollback, Name = "abort", AfterHalt = Duration.FromSeconds(0) };
        var quiet = new RunResult { Rollout = new RolloutResult { Halted = false } };
        var paged = new RunResult { DetectedAtSeconds = 1350, Rollout = new RolloutResult { Halted = false } };
        var stopped = new RunResult { Rollout = new RolloutResult { Halted = true } };
        Assert.True(UnreachedSteps.Unreached(new(0, [detected]), quiet));
        Assert.False(UnreachedSteps.Unreached(new(0, [detected]), paged));
        Assert.True(UnreachedSteps.Unreached(new(0, [detected]), stopped));
        Assert.True(UnreachedSteps.Unreached(new(0, [halted]), quiet));
        Assert.True(UnreachedSteps.Unreached(new(0, [halted]), paged));
        Assert.False(UnreachedSteps.Unreached(new(0, [halted]), stopped));
        Assert.False(UnreachedSteps.Unreached(new(0, [halted, detected]), paged));
        Assert.True(UnreachedSteps.Unreached(new(0, [halted]), new RunResult()));   // no rollout: nothing to halt
        Assert.Equal("'glass' starts after detection, and nothing was detected in a's run; 'abort' starts when the rollout halts, " +
                     "and it never halted in a's run: the same run, not run again", UnreachedSteps.Why(new(0, [detected, halted]), "a"));
    }

    /// <summary>
    /// The premise, for every kind of step the builder makes no room for: added to a run that never detects anything
    /// (the list storm has no alert), keyed to detection, it leaves the whole result the same, byte for byte.
    /// </summary>
    [Fact]
    public void A_step_of_any_kind_waiting_for_a_detection_that_never_comes_changes_no_byte_of_the_run()
    {
        string[] small = ["duration=3m", "cluster.nodes=100"];
        var steps = new Dictionary<ActionKind, string>
        {
            [ActionKind.Rollback] = "{action: rollback, workloads: [telemetry-agent], afterDetection: 0s}",
            [ActionKind.BlockApiAccess] = "{action: blockApiAccess, from: nodes, afterDetection: 0s}",
            [ActionKind.BreakGlass] = "{action: breakGlass, workloads: [telemetry-agent], afterDetection: 0s}",
            [ActionKind.ShiftTraffic] = "{action: shiftTraffic, fraction: 0.5, afterDetection: 0s}",
            [ActionKind.RunJob] = "{action: runJob, pods: 50, afterDetection: 0s}",
            [ActionKind.UnblockApiAccess] = "{action: unblockApiAccess, from: nodes, fraction: 0.1, every: 1m, afterDetection: 0s}",
        };
        // Every kind is either here or one the builder makes room for.
        foreach (var kind in Enum.GetValues<ActionKind>())
            Assert.True(steps.ContainsKey(kind) != ScenarioBuilder.ReservesRoom(new ActionSpec { Action = kind }), $"{kind}");

        string Run(params string[] overrides)
        {
            var scenario = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, [.. small, .. overrides]);
            var result = ScenarioRunner.Run(scenario, 1, threads: 1).Result;
            Assert.Null(result.DetectedAtSeconds);
            return Json.Serialize(result);
        }
        string baseline = Run();
        foreach (var (kind, step) in steps)
            Assert.True(baseline == Run($"remediation=[{step}]"), $"a {kind} step waiting for detection changed the run");
        // The same steps at a time do act (so the comparison above could have seen a difference).
        Assert.NotEqual(baseline, Run("remediation=[{action: breakGlass, workloads: [telemetry-agent], at: 60s}]"));
    }

    /// <summary>
    /// The replay's first 21 minutes: health-gate halts the rollout before anything is detected, and the baseline is
    /// detected only at 22.5 min, so break-glass is answered by the baseline and health-gate+break-glass by health-gate.
    /// Each answer is the variant's own run, byte for byte.
    /// </summary>
    [Fact]
    public void A_variant_answered_by_another_rows_run_is_exactly_its_own_run()
    {
        var variants = Comparison.Variants("health-gate,health-gate+break-glass,break-glass", []);
        var result = Comparison.Run(PreflightFixtures.Replay, Short, null, variants, 2);
        var rows = result.Rows.ToDictionary(r => r.Variant);
        Assert.Null(rows["health-gate"].SameRunAs);
        Assert.Null(rows["health-gate"].SameAsBaseline);
        Assert.Equal("health-gate", rows["health-gate+break-glass"].SameRunAs!.Variant);
        Assert.Contains("nothing was detected in health-gate's run", rows["health-gate+break-glass"].SameRunAs!.Why);
        Assert.Contains("nothing was detected in baseline's run", rows["break-glass"].SameAsBaseline);
        Assert.Null(rows["break-glass"].SameRunAs);

        string Alone(string mitigations) =>
            Json.Serialize(ScenarioRunner.Run(Variant.OfMitigations(mitigations).Prepare(PreflightFixtures.Replay, Short).Scenario!, 1, threads: 2).Result);
        Assert.Equal(Alone("health-gate"), Alone("health-gate+break-glass"));
        Assert.Equal(Json.Serialize(rows["health-gate"].Outcome), Json.Serialize(rows["health-gate+break-glass"].Outcome));
    }

    /// <summary>Longer: the baseline is detected at 22.7 min and break-glass acts at 27.7 min, so it is run, and differs by 36 min.</summary>
    [Fact]
    public void A_variant_whose_step_the_other_row_reached_is_run()
    {
        string[] longer = ["duration=36m"];
        var result = Comparison.Run(PreflightFixtures.Replay, longer, null, Comparison.Variants("break-glass", []), 2);
        var glass = result.Rows.Single(r => r.Variant == "break-glass");
        Assert.Null(glass.SameAsBaseline);
        Assert.Null(glass.SameRunAs);
        var baseline = result.Rows.Single(r => r.Variant == "baseline");
        Assert.NotEqual(Json.Serialize(baseline.Outcome), Json.Serialize(glass.Outcome));
    }

    /// <summary>
    /// A chain on the list storm (100 nodes, 3 minutes), with an alert on latency that fires: "paged" pages, "shifted"
    /// adds a traffic shift after detection (reached, so it is run, after waiting for "paged"), and "rolled" adds to
    /// that a rollback when the rollout halts (there is no rollout, so it never halts): "rolled" is answered by
    /// "shifted"'s run, though that run itself waited, and the answer is "rolled"'s own run, byte for byte.
    /// </summary>
    [Fact]
    public void A_variant_extending_a_row_that_was_run_after_waiting_is_answered_by_that_run()
    {
        string[] small = ["duration=3m", "cluster.nodes=100"];
        const string Alert = "alerts=[{name: slow, signal: apiserverLatencyP99, threshold: 0, for: 0s}]";
        const string Shift = "{action: shiftTraffic, fraction: 0.5, afterDetection: 0s}";
        const string Roll = "{action: rollback, workloads: [telemetry-agent], afterHalt: 0s}";
        var variants = new List<Variant>
        {
            Variant.Baseline,
            Variant.Parse($"paged:{Alert}"),
            Variant.Parse($"shifted:{Alert},remediation=[{Shift}]"),
            Variant.Parse($"rolled:{Alert},remediation=[{Shift}, {Roll}]"),
        };
        var rows = Comparison.Run(PreflightFixtures.ListStorm, small, null, variants, 2).Rows.ToDictionary(r => r.Variant);
        Assert.NotNull(rows["paged"].Outcome);
        Assert.Null(rows["shifted"].SameRunAs);
        Assert.Null(rows["shifted"].SameAsBaseline);
        Assert.Equal("shifted", rows["rolled"].SameRunAs?.Variant);
        Assert.Contains("never halted in shifted's run", rows["rolled"].SameRunAs!.Why);

        string Alone(Variant v)
        {
            var result = ScenarioRunner.Run(v.Prepare(PreflightFixtures.ListStorm, small).Scenario!, 1, threads: 1).Result;
            Assert.NotNull(result.DetectedAtSeconds);
            return Json.Serialize(result);
        }
        Assert.Equal(Alone(variants[2]), Alone(variants[3]));
        Assert.NotEqual(Alone(variants[1]), Alone(variants[2]));
    }
}
