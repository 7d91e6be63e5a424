using Cascade.Preflight;
using Cascade.Results;

namespace Cascade.Tests.Preflight;

/// <summary>
/// A sensitivity analysis's arithmetic on hand-made figures, without runs: one input's effect on one
/// figure (delta, swing, "never"), an input's row, the ranking of inputs, a tornado, and shares of a limit.
/// </summary>
public class SensitivityEffectTests
{
    [Theory]
    [InlineData(10.0, 8.0, 13.0, 5.0, 5.0)] // moved one way: swing = |delta|
    [InlineData(10.0, 12.0, 11.0, -1.0, 2.0)] // both ends above the baseline: the swing still counts it
    [InlineData(10.0, 10.0, 10.0, 0.0, 0.0)]
    [InlineData(0.0, 0.0, 1 / 3.0, 0.3333, 0.3333)] // to 4 places
    public void An_effect_is_high_minus_low_and_its_swing_the_spread_of_baseline_low_and_high(double baseline, double low, double high, double delta, double swing)
    {
        var e = Sensitivity.Effect("x", baseline, low, high);
        Assert.Equal(new SensitivityEffect("x", baseline, low, high, delta, swing, false), e);
    }

    [Fact]
    public void A_figure_that_happens_in_some_runs_and_not_others_is_never_and_has_no_delta()
    {
        Assert.Equal(new SensitivityEffect("x", 1, null, 2, null, 1, true), Sensitivity.Effect("x", 1, null, 2));
        Assert.Equal(new SensitivityEffect("x", null, 3, null, null, 0, true), Sensitivity.Effect("x", null, 3, null));
        Assert.Equal(new SensitivityEffect("x", null, 3, 5, 2, 2, true), Sensitivity.Effect("x", null, 3, 5));
    }

    [Fact]
    public void A_figure_that_never_happens_in_any_run_has_no_swing_and_is_not_never()
    {
        Assert.Equal(new SensitivityEffect("x", null, null, null, null, 0, false), Sensitivity.Effect("x", null, null, null));
    }

    private static SensitivityInput Input(string name) => new(name, [new VaryChange("p", "1", "2")], "why", "--vary p=1..2");

    private static List<SensitivityObjective> Figures(params (string Objective, double? Value)[] figures) =>
        figures.Select(f => new SensitivityObjective(f.Objective, null, f.Value)).ToList();

    [Fact]
    public void An_inputs_row_has_its_effect_on_every_baseline_figure_in_the_baselines_order_and_the_largest_swing()
    {
        var baseline = Figures(("a", 1), ("b", null), ("c", 2));
        var input = Input("in");
        var row = Sensitivity.Row(input, baseline, Figures(("c", 2), ("a", 0.5)), Figures(("a", 3), ("b", null), ("extra", 9), ("c", 2)));
        Assert.Equal(("in", "why", 2.5, false), (row.Name, row.Why, row.MaxSwing, row.Never));
        Assert.Equal([
            new SensitivityEffect("a", 1, 0.5, 3, 2.5, 2.5, false),
            new SensitivityEffect("b", null, null, null, null, 0, false),
            new SensitivityEffect("c", 2, 2, 2, 0, 0, false),
        ], row.Effects);
        Assert.Same(input.Changes, row.Changes);
    }

    [Fact]
    public void A_figure_missing_from_a_variant_counts_as_never_happening_there()
    {
        var row = Sensitivity.Row(Input("in"), Figures(("a", 1), ("b", 4)), Figures(("a", 1)), Figures(("a", 1), ("b", 4)));
        Assert.Equal((0.0, true), (row.MaxSwing, row.Never));
        Assert.Equal(new SensitivityEffect("b", 4, null, 4, null, 0, true), row.Effects[1]);
    }

    [Fact]
    public void An_input_with_no_figures_to_move_has_swing_0()
    {
        var row = Sensitivity.Row(Input("in"), [], [], []);
        Assert.Equal((0.0, false), (row.MaxSwing, row.Never));
        Assert.Empty(row.Effects);
    }

    private static SensitivityInputResult Row(string name, double swing, bool never = false, double? objectiveSwing = null) =>
        new(name, [], "", swing, never, [new SensitivityEffect("o", 0, 0, objectiveSwing ?? swing, objectiveSwing ?? swing, objectiveSwing ?? swing, never)]);

    [Fact]
    public void Inputs_rank_by_making_a_figure_appear_or_disappear_then_by_largest_swing_and_ties_keep_their_order()
    {
        var ranked = Sensitivity.Rank([Row("small", 1), Row("tie-1", 3), Row("never-small", 0.5, never: true), Row("tie-2", 3), Row("big", 7), Row("never-big", 2, never: true)]);
        Assert.Equal(["never-big", "never-small", "big", "tie-1", "tie-2", "small"], ranked.Select(r => r.Name));
    }

    [Fact]
    public void A_tornado_orders_inputs_by_their_effect_on_that_objective_not_by_their_largest_swing()
    {
        var result = new SensitivityResult("s", 1, 60, SensitivityResult.Objectives, "× limit", [],
        [
            new SensitivityInputResult("wide", [], "", 9, false, [new SensitivityEffect("o", 0, 0, 1, 1, 1, false), new SensitivityEffect("q", 0, 0, 9, 9, 9, false)]),
            new SensitivityInputResult("narrow", [], "", 2, false, [new SensitivityEffect("o", 0, 0, 2, 2, 2, false), new SensitivityEffect("q", 0, 0, 0, 0, 0, false)]),
            new SensitivityInputResult("gone", [], "", 0, true, [new SensitivityEffect("o", 0, null, 0, null, 0, true), new SensitivityEffect("q", 0, 0, 0, 0, 0, false)]),
        ]);
        Assert.Equal(["gone", "narrow", "wide"], result.Tornado("o").Select(x => x.Input.Name));
        Assert.Equal(["wide", "narrow", "gone"], result.Tornado("q").Select(x => x.Input.Name));
        Assert.Equal([0.0, 2, 1], result.Tornado("o").Select(x => x.Effect.Swing));
    }

    [Theory]
    [InlineData(3.0, 4.0, 0.75)]
    [InlineData(2.0, 3.0, 0.6667)]
    [InlineData(5.0, 0.0, 5.0)] // no positive limit: the value itself
    [InlineData(5.0, -1.0, 5.0)]
    [InlineData(5.0, null, 5.0)]
    [InlineData(1.23456, null, 1.2346)]
    public void An_objectives_figure_is_its_verdicts_value_as_a_share_of_its_limit_to_4_places(double value, double? limit, double share)
    {
        Assert.Equal(share, Sensitivity.ShareOfLimit(new Verdict("o", "s", VerdictStatus.Pass, "", value, limit, 0)));
    }

    [Fact]
    public void A_verdict_without_a_value_has_no_figure()
    {
        Assert.Null(Sensitivity.ShareOfLimit(new Verdict("o", "s", VerdictStatus.Pass, "", null, 4, 1)));
    }
}
