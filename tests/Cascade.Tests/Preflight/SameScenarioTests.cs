using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Tests.Preflight;

/// <summary>`compare` and `sensitivity` run a scenario once, however many rows or ends leave it the same.</summary>
public class SameScenarioTests
{
    private static readonly string[] Small = ["duration=3m", "cluster.nodes=200"];

    [Fact]
    public void Compare_answers_a_variant_that_changes_nothing_from_the_baseline_and_a_repeated_variant_from_its_first()
    {
        int total = -1;
        var result = Comparison.Run(PreflightFixtures.ListStorm, Small, null,
            Comparison.Variants("none", ["same:cluster.nodes=200", "four:cluster.apiServer.replicas=4", "again:cluster.apiServer.replicas=4", "five:cluster.apiServer.replicas=5"]),
            2, (done, all) => total = all);
        var rows = result.Rows.ToDictionary(r => r.Variant);
        Assert.Equal(3, total);                                   // baseline, four and five
        Assert.Equal("the same scenario as the baseline's: the same run, not run again", rows["same"].SameAsBaseline);
        Assert.Null(rows["same"].SameRunAs);
        Assert.Equal(new SameRun("four", "the same scenario as four's: the same run, not run again"), rows["again"].SameRunAs);
        Assert.Null(rows["four"].SameRunAs);
        Assert.Null(rows["five"].SameRunAs);
        Assert.Equal(Json.Serialize(rows["baseline"].Outcome), Json.Serialize(rows["same"].Outcome));
        Assert.Equal(Json.Serialize(rows["four"].Outcome), Json.Serialize(rows["again"].Outcome));
        // Each row says what its run cost: a row answered by another run has that run's events.
        Assert.Equal(rows["baseline"].Events, rows["same"].Events);
        Assert.Equal(rows["four"].Events, rows["again"].Events);
        Assert.Equal(ScenarioRunner.Run(ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, [.. Small, "cluster.apiServer.replicas=5"]), 1, threads: 1).Result.Events,
            rows["five"].Events);
        Assert.NotEqual(rows["four"].Events, rows["five"].Events);
    }

    /// <summary>
    /// The list storm has no alert, so nothing is ever detected: a variant adding a break-glass step keyed to detection is
    /// the baseline's run, and one adding a second step to it is that variant's. With an alert on the API server's
    /// latency detection comes, and both are run.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compare_answers_a_step_waiting_for_a_detection_that_never_came_and_runs_it_when_it_came(bool alert)
    {
        string[] storm = [.. Small, "workloads[0].calls[0].every=2s"];
        if (alert) storm = [.. storm, "alerts=[{name: slow, signal: apiserverLatencyP99, threshold: 0.001, for: 0s}]"];
        const string glass = "{action: breakGlass, workloads: [telemetry-agent], afterDetection: 0s}";
        const string shift = "{action: shiftTraffic, fraction: 0.5, afterDetection: 30s}";
        int total = -1;
        var result = Comparison.Run(PreflightFixtures.ListStorm, storm, null,
            Comparison.Variants("none", [$"glass:remediation=[{glass}]", $"both:remediation=[{glass}, {shift}]"]), 2, (_, all) => total = all);
        var rows = result.Rows.ToDictionary(r => r.Variant);
        Assert.Equal(3, total);
        if (!alert)
        {
            Assert.Equal("'breakGlass' starts after detection, and nothing was detected in baseline's run: the same run, not run again", rows["glass"].SameAsBaseline);
            Assert.Equal(new SameRun("glass", "'shiftTraffic' starts after detection, and nothing was detected in glass's run: the same run, not run again"), rows["both"].SameRunAs);
            Assert.Equal(Json.Serialize(rows["baseline"].Outcome), Json.Serialize(rows["both"].Outcome));
            return;
        }
        Assert.All(result.Rows, r => Assert.Null(r.SameAsBaseline ?? r.SameRunAs?.Why));
    }

    [Fact]
    public void Sensitivity_runs_an_end_at_the_baselines_own_value_once()
    {
        var totals = new List<int>();
        string[] storm = [.. Small, "workloads[0].calls[0].every=2s"];
        var (r, baseline) = Sensitivity.Run(PreflightFixtures.ListStorm, storm, null,
            [SensitivityInput.ParseVary("cluster.apiServer.replicas=3..1"), SensitivityInput.ParseVary("cluster.apiServer.cpuCores=8..8")],
            threads: 2, progress: (done, all) => totals.Add(all));
        // The baseline's run comes back whole (result.json and the report are written from it).
        Assert.Equal(Json.Serialize(ScenarioRunner.Run(Cascade.Scenarios.ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, storm), 1, threads: 1).Result),
            Json.Serialize(baseline.Result));
        Assert.All(totals, t => Assert.Equal(3, t));              // of five: replicas=3 is the baseline, and cpuCores' two ends are one scenario
        var replicas = r.Inputs.Single(i => i.Name == "cluster.apiServer.replicas");
        var cores = r.Inputs.Single(i => i.Name == "cluster.apiServer.cpuCores");
        Assert.All(replicas.Effects, e => Assert.Equal(e.Baseline, e.AtLow));
        Assert.Contains(replicas.Effects, e => e.AtHigh != e.AtLow);
        Assert.All(cores.Effects, e => Assert.Equal(e.AtLow, e.AtHigh));
        Assert.Contains(cores.Effects, e => e.AtLow != e.Baseline);
    }
}
