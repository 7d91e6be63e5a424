using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Tests.Preflight;

/// <summary>
/// `compare` answers a variant that only changes client limits from the baseline's run when those limits would never
/// have made a request wait otherwise. The shortcut is only as good as that claim: such a variant run on its own must
/// give the baseline's result byte for byte, and one whose limits bind must be run.
/// </summary>
public class ClientLimitProbeTests
{
    private static readonly string[] Small = ["duration=5m", "cluster.nodes=200"];

    [Fact]
    public void A_probe_with_the_clients_own_limits_never_diverges_and_a_tighter_one_does_at_the_first_request_it_would_delay()
    {
        var client = new ApiClient(0, qps: 5, burst: 2, timeoutTicks: 0, maxRetries: 0);
        var same = new ClientLimitProbe(5, 2);
        var looser = new ClientLimitProbe(100, 50);
        var tighter = new ClientLimitProbe(5, 1);
        client.Watch(same);
        client.Watch(looser);
        client.Watch(tighter);
        long t = SimTime.FromSeconds(10);
        Assert.Equal(0, client.ReserveToken(t));                    // a token at hand for every limiter
        Assert.Null(tighter.DivergedAt);
        Assert.Equal(0, client.ReserveToken(t));                    // the second of the burst: none left under burst 1
        Assert.Equal(t, tighter.DivergedAt);
        Assert.True(client.ReserveToken(t) > 0);                    // the client's own bucket is empty now: it waits
        Assert.Null(same.DivergedAt);
        Assert.Equal(t, looser.DivergedAt);                         // 100 QPS, burst 50 would not have made it wait
    }

    [Fact]
    public void An_unlimited_client_and_an_unlimited_probe_never_part()
    {
        var client = new ApiClient(0, double.PositiveInfinity, 1, 0, 0);
        var probe = new ClientLimitProbe(double.PositiveInfinity, 1);
        client.Watch(probe);
        for (int i = 0; i < 1000; i++) Assert.Equal(0, client.ReserveToken(i));
        Assert.Null(probe.DivergedAt);
    }

    [Fact]
    public void A_probe_watching_many_clients_keeps_the_earliest_moment_any_of_them_parted()
    {
        var probe = new ClientLimitProbe(1, 1);
        var late = new ApiClient(0, 5, 10, 0, 0);
        var early = new ApiClient(1, 5, 10, 0, 0);
        late.Watch(probe);
        early.Watch(probe);
        late.ReserveToken(900);
        late.ReserveToken(900);        // burst 1 would have made this one wait: parted at 900
        Assert.Equal(900, probe.DivergedAt);
        early.ReserveToken(300);
        early.ReserveToken(300);       // another cluster's client, whose thread ran behind: parted at 300
        Assert.Equal(300, probe.DivergedAt);
        late.ReserveToken(1000);
        late.ReserveToken(1000);
        Assert.Equal(300, probe.DivergedAt);
    }

    [Fact]
    public void Why_names_each_probed_workload_and_says_the_run_was_not_repeated()
    {
        var why = ClientLimitProbes.Why([("a", new ClientLimitProbe(1, 1)), ("b", new ClientLimitProbe(0.5, 2))]);
        Assert.Equal("a's limits (1 QPS, burst 1) never made a request wait otherwise in the baseline's run; " +
            "b's limits (0.5 QPS, burst 2) never made a request wait otherwise in the baseline's run: the same run, not run again", why);
    }

    [Fact]
    public void The_baseline_itself_is_not_probed()
    {
        var baseline = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, Small);
        Assert.Null(ClientLimitProbes.Of(baseline, Variant.Baseline.Prepare(PreflightFixtures.ListStorm, Small)));
    }

    [Theory]
    [InlineData("client-qps", null, true)]
    [InlineData(null, "v:workloads[0].client.qps=50", true)]
    [InlineData(null, "v:workloads[0].client.qps=2,workloads[0].client.burst=3", true)]
    [InlineData(null, "v:workloads[0].client.qps=50,cluster.nodes=100", false)]   // also changes the cluster
    [InlineData(null, "v:workloads[0].calls[0].limit=500", false)]
    [InlineData("client-qps+pagination", null, false)]
    [InlineData("priority-level", null, false)]
    public void Only_a_variant_that_changes_nothing_but_client_limits_is_probed(string? mitigations, string? variant, bool probed)
    {
        var v = mitigations is not null ? Variant.OfMitigations(mitigations) : Variant.Parse(variant!);
        var baseline = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, Small);
        var probes = ClientLimitProbes.Of(baseline, v.Prepare(PreflightFixtures.ListStorm, Small));
        Assert.Equal(probed, probes is not null);
        if (probes is not null) Assert.Equal("telemetry-agent", Assert.Single(probes).Workload);
    }

    [Fact]
    public void A_variant_setting_a_limit_to_what_it_already_is_needs_no_probe_at_all()
    {
        var baseline = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, Small);
        var probes = ClientLimitProbes.Of(baseline, Variant.Parse("v:workloads[0].client.qps=5").Prepare(PreflightFixtures.ListStorm, Small));
        Assert.Empty(probes!);
        Assert.Equal("it changes no client's limits", ClientLimitProbes.Why(probes!));
    }

    /// <summary>
    /// Three variants of the list storm: the client-qps mitigation and a looser limit never bind (the agent lists once a
    /// minute), so compare answers them from the baseline; a limit of one request per 100 s binds, so it is run. Each
    /// answer is checked against a run of the variant on its own.
    /// </summary>
    [Fact]
    public void A_variant_answered_by_the_baseline_is_exactly_its_own_run_and_one_whose_limits_bind_is_run()
    {
        var variants = Comparison.Variants("client-qps",
            ["loose:workloads[0].client.qps=50", "tight:workloads[0].client.qps=0.01,workloads[0].client.burst=1"]);
        var result = Comparison.Run(PreflightFixtures.ListStorm, Small, null, variants, 2);
        var rows = result.Rows.ToDictionary(r => r.Variant);
        Assert.Null(rows["baseline"].SameAsBaseline);
        Assert.Contains("never made a request wait otherwise", rows["client-qps"].SameAsBaseline);
        Assert.Contains("(50 QPS, burst 10)", rows["loose"].SameAsBaseline);
        Assert.Null(rows["tight"].SameAsBaseline);

        string RunAlone(params string[] overrides)
        {
            var scenario = ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, [.. Small, .. overrides]);
            return Json.Serialize(ScenarioRunner.Run(scenario, 1, threads: 1).Result);
        }
        string baseline = RunAlone();
        Assert.Equal(baseline, RunAlone("workloads[0].client.qps=1", "workloads[0].client.burst=1"));
        Assert.Equal(baseline, RunAlone("workloads[0].client.qps=50"));
        Assert.NotEqual(baseline, RunAlone("workloads[0].client.qps=0.01", "workloads[0].client.burst=1"));
        Assert.Equal(Json.Serialize(rows["baseline"].Outcome), Json.Serialize(rows["loose"].Outcome));
    }

    [Fact]
    public void The_shortcut_changes_no_figure_of_the_comparison()
    {
        // The same rows with the probe-able variants made unprobe-able (an extra override that changes nothing the
        // run uses: the same seed), so every one of them is run: the outcomes agree.
        var probed = Comparison.Run(PreflightFixtures.ListStorm, Small, null,
            Comparison.Variants("none", ["loose:workloads[0].client.qps=50"]), 2);
        var run = Comparison.Run(PreflightFixtures.ListStorm, Small, null,
            Comparison.Variants("none", ["loose:workloads[0].client.qps=50,seed=1"]), 2);
        Assert.NotNull(probed.Rows[1].SameAsBaseline);
        Assert.Null(run.Rows[1].SameAsBaseline);
        Assert.Equal(Json.Serialize(probed.Rows[1].Outcome), Json.Serialize(run.Rows[1].Outcome));
    }
}
