using Cascade.Preflight;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Scenarios;

/// <summary>A scenario's fingerprint: the same for the same scenario however it is loaded, different for any change a run could see.</summary>
public class ScenarioFingerprintTests
{
    public static TheoryData<string> Bundled() => new(Directory.GetFiles(Path.Combine(PreflightFixtures.RepoRoot(), "scenarios"), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Bundled))]
    public void Every_bundled_scenario_has_one_fingerprint(string file)
    {
        string path = PreflightFixtures.Scenario(file);
        Assert.Equal(ScenarioFingerprint.Of(ScenarioLoader.LoadFile(path)), ScenarioFingerprint.Of(ScenarioLoader.LoadFile(path)));
    }

    [Theory]
    [InlineData("clusters[4].nodes=5001")]
    [InlineData("clusters[0].dns.recordTtl=21m")]
    [InlineData("workloads[0].calls[0].jitter=0.2")]
    [InlineData("rollout.waves[1].bake=11m")]
    [InlineData("alerts[0].for=3m")]
    [InlineData("duration=4h")]
    [InlineData("metadata.description=another")]
    public void Any_change_changes_it(string change)
    {
        var baseline = ScenarioFingerprint.Of(ScenarioLoader.LoadFile(PreflightFixtures.Replay));
        Assert.NotEqual(baseline, ScenarioFingerprint.Of(ScenarioLoader.LoadFile(PreflightFixtures.Replay, [change])));
    }

    [Fact]
    public void A_value_set_to_what_it_already_is_leaves_it_and_the_playbook_is_left_out_only_when_asked()
    {
        var replay = ScenarioLoader.LoadFile(PreflightFixtures.Replay);
        Assert.Equal(ScenarioFingerprint.Of(replay),
            ScenarioFingerprint.Of(ScenarioLoader.LoadFile(PreflightFixtures.Replay, ["clusters[0].dns.discovery=dns", "remediation[5].clustersAtOnce=1", "seed=1"])));
        var later = ScenarioLoader.LoadFile(PreflightFixtures.Replay, ["remediation[0].afterDetection=15m"]);
        Assert.NotEqual(ScenarioFingerprint.Of(replay), ScenarioFingerprint.Of(later));
        Assert.Equal(ScenarioFingerprint.Of(replay, playbook: false), ScenarioFingerprint.Of(later, playbook: false));
    }

    [Fact]
    public void The_apf_objects_a_mitigation_keeps_in_memory_are_part_of_it()
    {
        var level = Variant.OfMitigations("priority-level").Prepare(PreflightFixtures.Replay, []).Scenario!;
        var baseline = ScenarioLoader.LoadFile(PreflightFixtures.Replay);
        Assert.NotNull(level.Clusters[0].ApiServer.Apf.MitigationObjects);
        Assert.NotEqual(ScenarioFingerprint.Of(baseline), ScenarioFingerprint.Of(level));
        level.Clusters.ForEach(c => c.ApiServer.Apf.MitigationObjects = null);
        Assert.Equal(ScenarioFingerprint.Of(baseline), ScenarioFingerprint.Of(level));
    }

    [Fact]
    public void Each_scenario_is_answered_by_the_first_one_like_it()
    {
        Scenario Load(params string[] o) => ScenarioLoader.LoadFile(PreflightFixtures.ListStorm, o);
        var list = new[] { Load(), Load("cluster.nodes=10"), Load("cluster.nodes=5000"), Load("cluster.nodes=20"), Load("cluster.nodes=10") };
        Assert.Equal([0, 1, 0, 3, 1], ScenarioFingerprint.FirstSame(list));
        Assert.Empty(ScenarioFingerprint.FirstSame([]));
    }
}
