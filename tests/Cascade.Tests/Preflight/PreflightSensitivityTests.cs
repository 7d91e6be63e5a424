using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Tests.Preflight;

/// <summary>`cascade sensitivity`: which input moves which marker, one at a time.</summary>
public class PreflightSensitivityTests
{
    private static SensitivityResult Run(int threads = 2)
    {
        var path = SensitivityFixture.File();
        var inputs = SensitivityInput.Of(ScenarioLoader.LoadFile(path).Replay!);
        return Sensitivity.Run(path, [], null, inputs, threads).Result;
    }

    [Fact]
    public void The_tornado_puts_the_input_that_moves_a_marker_first_and_an_input_that_changes_nothing_has_swing_zero()
    {
        var r = Run();
        Assert.Equal(SensitivityResult.Markers, r.Measure);
        Assert.Equal(["DNS TTL", "description"], r.Inputs.Select(i => i.Name));
        Assert.True(r.Inputs[0].MaxSwing > 0);
        var nothing = r.Inputs.Single(i => i.Name == "description");
        Assert.Equal(0, nothing.MaxSwing);
        Assert.All(nothing.Effects, e => Assert.Equal((0.0, false), (e.Swing, e.Never)));
        Assert.Equal("DNS TTL", r.Tornado("peak impact")[0].Input.Name);
    }

    [Fact]
    public void A_longer_dns_ttl_delays_the_peak_and_a_marker_that_never_happens_reads_never_not_zero()
    {
        var r = Run();
        var ttl = r.Inputs.Single(i => i.Name == "DNS TTL");
        var peak = ttl.Effects.Single(e => e.Objective == "peak impact");
        Assert.True(peak.AtHigh > peak.AtLow, $"peak at {peak.AtLow} min with 2m TTLs, {peak.AtHigh} min with 8m");
        Assert.True(peak.Delta > 0);
        // The control plane never comes back within the run, so neither does the API.
        var recovered = ttl.Effects.Single(e => e.Objective == "API recovered");
        Assert.Equal((null, null, null), (recovered.Baseline, recovered.AtLow, recovered.AtHigh));
        Assert.Equal((0.0, false, (double?)null), (recovered.Swing, recovered.Never, recovered.Delta));
    }

    [Fact]
    public void The_analysis_is_the_same_with_one_thread_or_two()
    {
        Assert.Equal(Json.Serialize(Run(threads: 1)), Json.Serialize(Run(threads: 2)));
    }

    [Fact]
    public void A_scenario_without_a_replay_is_measured_by_its_objectives_share_of_the_limit_and_more_api_server_cores_lower_the_pressure()
    {
        var r = Sensitivity.Run(PreflightFixtures.ListStorm, ["cluster.nodes=300", "duration=3m", "workloads[0].calls[0].every=2s"], null,
            [SensitivityInput.ParseVary("cluster.apiServer.cpuCores=1..32"), SensitivityInput.ParseVary("metadata.description=a..b")], threads: 2).Result;
        Assert.Equal(SensitivityResult.Objectives, r.Measure);
        var cores = r.Inputs.Single(i => i.Name == "cluster.apiServer.cpuCores");
        var saturation = cores.Effects.Single(e => e.Objective == "apiServerSaturation prod");
        Assert.True(saturation.AtHigh < saturation.AtLow, $"pressure {saturation.AtLow} on 1 core, {saturation.AtHigh} on 32");
        Assert.Equal("cluster.apiServer.cpuCores", r.Inputs[0].Name);
        Assert.Equal(0, r.Inputs[1].MaxSwing);
    }

    [Theory]
    [InlineData("cluster.nodes=5m..", "TO")]
    [InlineData("cluster.nodes=..20", "FROM")]
    [InlineData("cluster.nodes", "PATH=FROM..TO")]
    [InlineData("=1..2", "is not PATH=FROM..TO")]
    [InlineData("a..b=1", "is not PATH=FROM..TO")]
    [InlineData("a=1..2..3", "has more than one '..'")]
    [InlineData("a= ..2", "is missing its FROM value")]
    [InlineData("a=1.. ", "is missing its TO value")]
    public void A_malformed_range_says_what_is_missing(string vary, string expected)
    {
        var e = Assert.Throws<InputException>(() => SensitivityInput.ParseVary(vary));
        Assert.Contains(expected, e.Message);
        Assert.Equal("--vary", e.Field);
    }

    [Fact]
    public void The_bundled_replays_unknowns_load_at_both_ends_and_its_dns_ttl_reaches_every_cluster_through_the_anchor()
    {
        var replay = ScenarioLoader.LoadFile(PreflightFixtures.Replay).Replay!;
        var unknowns = SensitivityInput.Of(replay);
        Assert.True(unknowns.Count >= 4, $"{unknowns.Count} unknowns");
        foreach (var u in unknowns)
            foreach (bool high in new[] { false, true })
                ScenarioLoader.LoadFile(PreflightFixtures.Replay, u.Overrides(high));
        var dns = unknowns.Single(u => u.Changes.Any(c => c.Path.EndsWith(".dns.recordTtl", StringComparison.Ordinal)));
        var clusters = ScenarioLoader.LoadFile(PreflightFixtures.Replay, dns.Overrides(high: true)).ExpandedClusters();
        Assert.Equal(6, clusters.Count);
        Assert.All(clusters, c => Assert.Equal((1800.0, 1800.0), (c.Dns.RecordTtl.Seconds, c.Dns.NodeLocalCache.SuccessTtl.Seconds)));
        // The DNS design too: set on the anchor, every cluster's products discover through the API server.
        var design = unknowns.Single(u => u.Changes.Any(c => c.Path.EndsWith(".dns.discovery", StringComparison.Ordinal)));
        Assert.All(ScenarioLoader.LoadFile(PreflightFixtures.Replay, design.Overrides(high: true)).ExpandedClusters(),
            c => Assert.Equal(Cascade.Scenarios.Schema.Discovery.Api, c.Dns.Discovery));
    }
}
