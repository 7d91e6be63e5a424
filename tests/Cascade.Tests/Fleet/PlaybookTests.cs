using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Results;

namespace Cascade.Tests.Fleet;

/// <summary>How the people's playbook reaches the clusters.</summary>
public class PlaybookTests
{
    private const string Yaml = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 50m
        clusters:
          - {name: east, nodes: 50}
          - {name: west, nodes: 50}
          - {name: north, nodes: 50}
        remediation:
          - {name: shift, action: shiftTraffic, at: 5m, duration: 10m, clustersAtOnce: 1, fraction: 0.5}
        """;

    private static List<Cascade.Engine.TimelineEntry> Effects(params string[] overrides)
    {
        var s = YamlBinder.Load<Scenario>(Yaml, "playbook.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        return ScenarioRunner.Run(s, 1).Result.Timeline.Where(e => e.Kind == "action" && e.Message.Contains("succeeded")).ToList();
    }

    [Fact]
    public void A_team_working_one_cluster_at_a_time_finishes_them_one_duration_apart_in_order()
    {
        var done = Effects();
        Assert.Equal(new[] { "east", "west", "north" }, done.Select(e => e.Cluster));
        Assert.Equal(new[] { 15 * 60.0, 25 * 60.0, 35 * 60.0 }, done.Select(e => e.Time));
    }

    [Fact]
    public void Two_at_a_time_is_sooner_and_all_at_once_is_soonest()
    {
        Assert.Equal(new[] { 15 * 60.0, 15 * 60.0, 25 * 60.0 }, Effects("remediation[0].clustersAtOnce=2").Select(e => e.Time));
        Assert.All(Effects("remediation[0].clustersAtOnce=0"), e => Assert.Equal(15 * 60.0, e.Time));
    }
}
