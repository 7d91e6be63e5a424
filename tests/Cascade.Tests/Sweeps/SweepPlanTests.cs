using Cascade.Preflight;
using Cascade.Results;
using Cascade.Sweeps;
using SweepFile = Cascade.Sweeps.Sweep;

namespace Cascade.Tests.Sweeps;

/// <summary>The plan a sweep file gives: stable cell ids, a deterministic balanced split into shards, located mistakes, and verdicts counted over seeds.</summary>
public class SweepPlanTests(SweepFixture fx) : IClassFixture<SweepFixture>
{
    [Fact]
    public void A_cell_is_named_by_what_it_sets_not_by_where_it_falls_in_the_grid()
    {
        var plan = SweepFile.Load(fx.SweepFile).Plan;
        var reordered = fx.Write("sweeps/reordered.sweep.yaml", SweepFixture.Sweep
            .Replace("values: [20, 400]", "values: [400, 20, 60]")
            .Replace("seeds: [1, 2]", "seeds: [2, 1]"));
        var other = SweepFile.Load(reordered).Plan;

        Assert.Equal(8, plan.Cells.Count);
        Assert.Equal(8, plan.Cells.Select(c => c.Id).Distinct().Count());
        Assert.Subset(other.Cells.Select(c => c.Id).ToHashSet(), plan.Cells.Select(c => c.Id).ToHashSet());
        foreach (var c in plan.Cells)
        {
            var same = other.Cells.Single(o => o.Id == c.Id);
            Assert.Equal(c.Label, same.Label);
            Assert.Equal(c.Seed, same.Seed);
            Assert.Equal($"{c.Group}-s{c.Seed}", c.Id);
        }
        // The seeds of one setting share its group, and no other setting does.
        Assert.Equal(4, plan.Cells.Select(c => c.Group).Distinct().Count());
        Assert.NotEqual(plan.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void Shards_cover_every_cell_exactly_once_the_costliest_spread_first_the_same_way_every_time()
    {
        var plan = SweepFile.Load(fx.SweepFile).Plan;
        for (int n = 1; n <= 9; n++)
        {
            var shards = Enumerable.Range(0, n).Select(i => plan.Shard(i, n)).ToList();
            Assert.Equal(plan.Cells.Select(c => c.Id).Order(), shards.SelectMany(s => s).Select(c => c.Id).Order());
            Assert.Equal(shards.Select(s => s.Select(c => c.Id)), Enumerable.Range(0, n).Select(i => plan.Shard(i, n).Select(c => c.Id)));
            var loads = shards.Select(s => s.Sum(c => c.EstimatedEvents)).ToList();
            Assert.True(loads.Max() - loads.Min() <= plan.Cells.Max(c => c.EstimatedEvents) + 1e-9, $"{n} shards: loads {string.Join(", ", loads)}");
        }
        // Four 400-node cells and four 20-node cells over two shards: two of each per shard.
        var half = plan.Shard(0, 2);
        Assert.Equal(2, half.Count(c => c.Label.StartsWith("nodes=400", StringComparison.Ordinal)));
        Assert.Equal(2, half.Count(c => c.Label.StartsWith("nodes=20 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_mistake_is_located_in_the_sweep_file()
    {
        var unknown = fx.Write("sweeps/unknown.sweep.yaml", SweepFixture.Sweep.Replace("seeds: [1, 2]", "seedz: [1, 2]"));
        var e = Assert.Throws<InputException>(() => SweepFile.Load(unknown));
        Assert.Equal((unknown, 12, 1), (e.File, e.Line, e.Column));
        Assert.Contains("seedz", e.Message);

        var twice = fx.Write("sweeps/twice.sweep.yaml", SweepFixture.Sweep.Replace("seeds: [1, 2]", "seeds: [1, 1]"));
        e = Assert.Throws<InputException>(() => SweepFile.Load(twice));
        Assert.Equal((twice, 12, 12, "seeds[1]"), (e.File, e.Line, e.Column, e.Field));

        var mitigation = fx.Write("sweeps/mitigation.sweep.yaml", SweepFixture.Sweep + "mitigations: [none, no-such-thing]\n");
        e = Assert.Throws<InputException>(() => SweepFile.Load(mitigation));
        Assert.Equal((mitigation, 13, 21, "mitigations[1]"), (e.File, e.Line, e.Column, e.Field));

        var path = fx.Write("sweeps/path.sweep.yaml", SweepFixture.Sweep.Replace("set: [duration=1m]", "set: [duration=1m, cluster.nodez=3]"));
        e = Assert.Throws<InputException>(() => SweepFile.Load(path));
        Assert.Equal((path, 6, 20, "set[1]"), (e.File, e.Line, e.Column, e.Field));
        Assert.Contains("nodez", e.Message);
    }

    [Theory]
    [InlineData(5, 5, 0.5655, 1.0)]
    [InlineData(0, 5, 0.0, 0.4345)]
    [InlineData(3, 5, 0.2307, 0.8824)]
    [InlineData(0, 0, 0.0, 1.0)]
    public void The_pass_rate_interval_is_Wilsons(int passed, int runs, double low, double high) =>
        Assert.Equal((low, high), Wilson.Interval(passed, runs));

    [Fact]
    public void A_verdict_that_differs_between_seeds_flips_and_names_the_seeds_it_failed_with()
    {
        var setting = new SweepSetting("nodes", "cluster.nodes", "400");
        string group = SweepPlan.GroupId([setting], "none");
        var cells = new ulong[] { 1, 2, 3 }.Select(s => new SweepCell(SweepPlan.CellId(group, s), group, [setting], "none", s, 1, 1)).ToList();
        var plan = new SweepPlan(new SweepDefinition("t", "", "s.yaml", [], [new SweepAxisPlan("nodes", "cluster.nodes", ["400"])], ["none"], [1, 2, 3], "f"), cells);
        SweepCellResult Run(ulong seed, bool saturates)
        {
            var verdicts = new List<Verdict>
            {
                new(ObjectiveJudge.ApiServerSaturation, "prod", saturates ? VerdictStatus.Fail : VerdictStatus.Pass, "", 1, 1, saturates ? -0.1 : 0.1),
                new(ObjectiveJudge.Recovery, "prod", VerdictStatus.Pass, "", null, 1800, 1),
            };
            var outcome = new Outcome(saturates ? 1 : 0, 1, null, null, null, null, null, true, null, !saturates, [], new Collateral(null, 0));
            return new SweepCellResult(SweepPlan.CellId(group, seed), "f", null, [], verdicts, outcome);
        }
        var result = SweepResult.Of(plan, new Dictionary<string, SweepCellResult>
        {
            [cells[0].Id] = Run(1, false), [cells[1].Id] = Run(2, true), [cells[2].Id] = Run(3, false),
        });

        var rates = result.Groups.Single().Objectives.ToDictionary(o => o.Objective);
        Assert.Equal([ObjectiveJudge.ApiServerSaturation, ObjectiveJudge.Recovery, SweepResult.AllObjectives], result.Objectives);
        Assert.Equal((2, 3, SweepResult.Flips), (rates[ObjectiveJudge.ApiServerSaturation].Passed, rates[ObjectiveJudge.ApiServerSaturation].Runs, rates[ObjectiveJudge.ApiServerSaturation].Verdict));
        Assert.Equal([2UL], rates[ObjectiveJudge.ApiServerSaturation].FailedSeeds);
        Assert.Equal(SweepResult.Holds, rates[ObjectiveJudge.Recovery].Verdict);
        Assert.Equal(SweepResult.Flips, rates[SweepResult.AllObjectives].Verdict);
        Assert.Equal(Wilson.Interval(2, 3), (rates[SweepResult.AllObjectives].Low, rates[SweepResult.AllObjectives].High));
    }

    [Theory]
    [InlineData("", "\"\"")]
    [InlineData("0", "0")]
    [InlineData("-5", "-5")]
    [InlineData(" x", "\" x\"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("spec.nodeName=$(NODE_NAME)", "spec.nodeName=$(NODE_NAME)")]
    public void A_grid_value_becomes_a_set_value_YAML_reads_back_as_written(string value, string yaml) =>
        Assert.Equal(yaml, SweepValue.AsYaml(value));
}
