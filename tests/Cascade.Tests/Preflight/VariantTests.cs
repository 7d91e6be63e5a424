using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios.Schema;
using static Cascade.Tests.Preflight.HandMade;

namespace Cascade.Tests.Preflight;

/// <summary>
/// A comparison's rows without running them: which variants `--mitigations` and `--variant` make, how a
/// variant is prepared, how its row is filled from a hand-made run; and a sensitivity input's ends.
/// </summary>
public class VariantTests
{
    [Fact]
    public void A_named_combination_expands_to_its_mitigations_in_order_and_keeps_its_name()
    {
        var v = Variant.OfMitigations(Mitigations.Safeguards);
        Assert.Equal("safeguards", v.Name);
        Assert.Equal(["priority-level", "health-gate", "canary-largest", "break-glass"], v.Mitigations.Select(m => m.Name));
        Assert.Empty(v.Overrides);
        var plus = Variant.OfMitigations("client-qps + watch-cache");
        Assert.Equal(("client-qps + watch-cache", new[] { "client-qps", "watch-cache" }), (plus.Name, plus.Mitigations.Select(m => m.Name).ToArray()), Pairs);
    }

    private static readonly IEqualityComparer<(string, string[])> Pairs =
        EqualityComparer<(string, string[])>.Create((x, y) => x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2));

    [Theory]
    [InlineData("client-qps++watch-cache", "empty mitigation name")]
    [InlineData("client-qps+", "empty mitigation name")]
    [InlineData("prayer", "prayer")]
    public void A_combination_with_an_empty_or_unknown_name_is_bad_input(string combination, string said)
    {
        var e = Assert.Throws<InputException>(() => Variant.OfMitigations(combination));
        Assert.Contains(said, e.Message);
        Assert.Equal("--mitigations", e.Field);
    }

    [Fact]
    public void Without_mitigations_named_the_rows_are_every_built_in_then_the_default_combinations_unless_a_users_variant_is_given()
    {
        var all = Comparison.Variants(null, []).Select(v => v.Name).ToList();
        Assert.Equal(["baseline", .. Mitigations.All.Select(m => m.Name), "priority-level+health-gate", "health-gate+break-glass", "safeguards"], all);
        Assert.Equal(15, all.Count);
        Assert.Equal(["baseline", "mine"], Comparison.Variants(null, ["mine:cluster.nodes=10"]).Select(v => v.Name));
        Assert.Equal(["baseline", "mine"], Comparison.Variants("none", ["mine:cluster.nodes=10"]).Select(v => v.Name));
        Assert.Equal(all.Append("mine"), Comparison.Variants("all", ["mine:cluster.nodes=10"]).Select(v => v.Name));
    }

    [Fact]
    public void A_mitigation_named_twice_is_one_row_and_two_user_variants_of_one_name_are_bad_input()
    {
        Assert.Equal(["baseline", "watch-cache", "informer"], Comparison.Variants(" watch-cache, informer,watch-cache,,none", []).Select(v => v.Name));
        Assert.Equal(15, Comparison.Variants("all,watch-cache", []).Count);
        var e = Assert.Throws<InputException>(() => Comparison.Variants("none", ["x:a=1", "x:b=2"]));
        Assert.Equal(("two rows are named 'x'", "--variant"), (e.Message, e.Field));
    }

    [Theory]
    [InlineData("baseline:cluster.nodes=1")]
    [InlineData("informer:cluster.nodes=1")]
    [InlineData("safeguards:cluster.nodes=1")]
    public void A_users_variant_may_not_take_a_built_in_rows_name(string text)
    {
        var e = Assert.Throws<InputException>(() => Variant.Parse(text));
        Assert.EndsWith("is the name of a built-in row; choose another", e.Message);
    }

    [Theory]
    [InlineData("nodes")]
    [InlineData(":cluster.nodes=1")]
    [InlineData("big:")]
    [InlineData("big:cluster.nodes")]
    [InlineData("big:cluster.nodes=1,replicas")]
    public void A_users_variant_without_a_name_or_a_path_value_pair_is_bad_input(string text)
    {
        var e = Assert.Throws<InputException>(() => Variant.Parse(text));
        Assert.Equal("--variant", e.Field);
    }

    [Theory]
    [InlineData(" big :cluster.nodes=10", "big", new[] { "cluster.nodes=10" })]
    [InlineData("q:metadata.description='a, b',cluster.nodes=3", "q", new[] { "metadata.description='a, b'", "cluster.nodes=3" })]
    [InlineData("q:metadata.description=\"[a, {b\",cluster.nodes=3", "q", new[] { "metadata.description=\"[a, {b\"", "cluster.nodes=3" })]
    [InlineData("n:a=[[1, 2], {x: [3, 4]}], b=2 ,, c=3", "n", new[] { "a=[[1, 2], {x: [3, 4]}]", "b=2", "c=3" })]
    public void A_users_overrides_split_at_commas_outside_quotes_brackets_and_braces(string text, string name, string[] overrides)
    {
        var v = Variant.Parse(text);
        Assert.Equal(name, v.Name);
        Assert.Equal(overrides, v.Overrides);
        Assert.Empty(v.Mitigations);
    }

    [Fact]
    public void A_prepared_variant_records_its_overrides_then_its_mitigations_changes_and_names_the_mitigation_that_did_not_apply()
    {
        var both = Variant.OfMitigations("client-qps+health-gate");
        var prepared = both.Prepare(PreflightFixtures.ListStorm, []);
        Assert.Null(prepared.Scenario);
        Assert.Equal("health-gate: the scenario has no rollout to gate", prepared.NotApplicable);
        Assert.Single(prepared.Context.Changes, c => c.Contains(".client: qps", StringComparison.Ordinal));

        var alone = Variant.OfMitigations("health-gate").Prepare(PreflightFixtures.ListStorm, []);
        Assert.Equal("the scenario has no rollout to gate", alone.NotApplicable);

        var user = Variant.Parse("mine:cluster.nodes=77").Prepare(PreflightFixtures.ListStorm, ["cluster.nodes=50"]);
        Assert.Equal((77, (string?)null), (user.Scenario!.Cluster.Nodes, user.NotApplicable));
        Assert.Equal(["cluster.nodes=77"], user.Context.Changes);
    }

    [Fact]
    public void A_comparisons_rows_keep_the_variants_order_judge_each_run_by_its_own_objectives_and_say_why_a_variant_did_not_run()
    {
        var ctx = new MitigationContext("/");
        ctx.Changes.Add("what it did");
        var lenient = new Scenario();
        lenient.Objectives.ApiServerSaturation.Enabled = false;
        var prepared = new List<PreparedVariant>
        {
            new(Variant.Baseline, new Scenario(), new MitigationContext("/"), null),
            new(Variant.OfMitigations("health-gate"), null, ctx, "the scenario has no rollout to gate"),
            new(Variant.Parse("lenient:a=1"), lenient, ctx, null),
        };
        var run = Run([ClusterNamed("a", 300, 900)]);
        var others = new Collateral(0.5, 3);
        var rows = Comparison.Rows(prepared, [(run, others), null, (run, others)]);

        Assert.Equal(["baseline", "health-gate", "lenient"], rows.Select(r => r.Variant));
        Assert.Equal(["apiServerSaturation a"], rows[0].Outcome!.FailedObjectives);
        Assert.Equal(rows[0].Verdicts.Count, rows[2].Verdicts.Count + 1);
        Assert.True(rows[2].Outcome!.ObjectivesHold);
        Assert.Equal((1, (double?)600, others), (rows[2].Outcome!.ClustersSaturated, rows[2].Outcome!.TimeToRecoverSeconds, rows[2].Outcome!.Others));
        Assert.Equal(((string?)"the scenario has no rollout to gate", (Outcome?)null, 0), (rows[1].NotApplicable, rows[1].Outcome, rows[1].Verdicts.Count));
        Assert.Equal(["what it did"], rows[1].Changes);
        Assert.Null(rows[2].NotApplicable);
    }

    [Fact]
    public void A_vary_input_is_named_by_its_path_and_sets_it_to_either_end()
    {
        var input = SensitivityInput.ParseVary(" cluster.nodes = 50 .. 100 ");
        Assert.Equal(("cluster.nodes", "50", "100", "", "--vary  cluster.nodes = 50 .. 100 "), (input.Name, input.Low, input.High, input.Why, input.Origin));
        Assert.Equal(["cluster.nodes=50"], input.Overrides(high: false));
        Assert.Equal(["cluster.nodes=100"], input.Overrides(high: true));
        Assert.Equal(("a.sel=x", "1", "2"), VaryRange.Split("a.sel=x=1..2"));
    }

    [Fact]
    public void A_replays_unknowns_are_inputs_in_their_order_named_by_name_or_path_with_their_companion_fields()
    {
        var replay = new ReplaySpec
        {
            Unknowns =
            [
                new UnknownSpec { Name = "TTL", Path = "cluster.dns.recordTtl", Low = "1m", High = "5m", Why = "not public",
                    With = [new UnknownChangeSpec { Path = "cluster.dns.nodeLocalCache.successTtl", Low = "2m", High = "6m" }] },
                new UnknownSpec { Path = "cluster.nodes", Low = "10", High = "20" },
            ],
        };
        var inputs = SensitivityInput.Of(replay);
        Assert.Equal([("TTL", "not public", "replay.unknowns[0]", "1m", "5m"), ("cluster.nodes", "", "replay.unknowns[1]", "10", "20")],
            inputs.Select(i => (i.Name, i.Why, i.Origin, i.Low, i.High)));
        Assert.Equal(["cluster.dns.recordTtl=1m", "cluster.dns.nodeLocalCache.successTtl=2m"], inputs[0].Overrides(high: false));
        Assert.Equal(["cluster.dns.recordTtl=5m", "cluster.dns.nodeLocalCache.successTtl=6m"], inputs[0].Overrides(high: true));
    }

    [Theory]
    [InlineData("no-colon", "'no-colon' is not name:path=value,...")]
    [InlineData(":a=1", "':a=1' is not name:path=value,...")]
    [InlineData("x:", "'x:' needs at least one path=value after the name")]
    [InlineData("x:a", "'x:a' needs at least one path=value after the name")]
    public void A_malformed_variant_says_what_it_should_look_like(string text, string message)
    {
        var e = Assert.Throws<InputException>(() => Variant.Parse(text));
        Assert.Equal((message, "--variant"), (e.Message, e.Field));
    }

    [Fact]
    public void A_variant_named_like_a_built_in_row_is_refused_at_the_variant_flag()
    {
        var e = Assert.Throws<InputException>(() => Variant.Parse("client-qps:a=1"));
        Assert.Equal(("'client-qps' is the name of a built-in row; choose another", "--variant"), (e.Message, e.Field));
    }

    [Fact]
    public void A_comparison_hands_every_applicable_row_to_the_resource_guard_before_any_run()
    {
        var admitted = new List<int>();
        Assert.Throws<OperationCanceledException>(() => Comparison.Run(PreflightFixtures.ListStorm, [], 1,
            [Variant.Baseline, Variant.Parse("small:cluster.nodes=50")], 4,
            admit: (scenarios, threads) =>
            {
                admitted.AddRange([scenarios.Count, threads]);
                throw new OperationCanceledException("stop before running");
            }));
        Assert.Equal([2, 2], admitted);
    }
}
