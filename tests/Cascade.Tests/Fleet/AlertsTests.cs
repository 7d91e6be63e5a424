using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>Alert rules on stub clusters: when they fire, where, how often, and what the first firing sets off.</summary>
public class AlertsTests
{
    private static PlannedAction Shift(string cluster, double fraction, double afterDetection) => new(ActionKind.ShiftTraffic, "", [cluster], null, null,
        At(afterDetection), 0, new Identity("u", []), 0, 0, 1, [], 0, 0, 0, 0, 1, fraction);

    /// <summary>
    /// Clusters a1, a2, b. Rule nodes (NotReady > 5 for 20 s) on a*; rule errors (error rate > 0.1 at once) on all.
    /// a1 and b have 9 nodes NotReady from the start, a2 from 100 s; b's products fail from 50 s.
    /// </summary>
    private static (FleetModel Fleet, Alerts Alerts) Fleet()
    {
        var fleet = Stubs("a1", "a2", "b");
        fleet.Stub("a1").NotReady = () => 9;
        fleet.Stub("a2").NotReady = () => fleet.Sim.Now >= At(100) ? 9 : 0;
        fleet.Stub("b").NotReady = () => 9;
        fleet.Stub("b").ErrorRate = () => fleet.Sim.Now >= At(50) ? 0.123456 : 0;
        var alerts = new Alerts(fleet, [
            new AlertRule("nodes", new Condition(Signal.NodesNotReady, 5, At(20)), ["a*"]),
            new AlertRule("errors", new Condition(Signal.ProductErrorRate, 0.1, 0), ["*"]),
        ], null);
        fleet.Alerts = alerts;
        fleet.Remediation = new Remediation(fleet, [Shift("b", 0.5, 15)], null);
        return (fleet, alerts);
    }

    [Fact]
    public void Each_rule_fires_once_per_cluster_it_names_when_its_condition_has_held_for_its_duration()
    {
        var (fleet, alerts) = Fleet();
        Assert.Null(alerts.FirstFiredAt);
        alerts.Start();
        RunFleetKernel(fleet, 600);
        Assert.Equal(new[]
        {
            (30.0, "a1", "alert nodes firing (NodesNotReady = 9)"),
            (50.0, "b", "alert errors firing (ProductErrorRate = 0.123)"),
            (120.0, "a2", "alert nodes firing (NodesNotReady = 9)"),
        }, Entries(fleet, "alert"));
    }

    [Fact]
    public void The_first_firing_is_the_detection_and_sets_off_what_is_keyed_to_it_once()
    {
        var (fleet, alerts) = Fleet();
        alerts.Start();
        RunFleetKernel(fleet, 600);
        Assert.Equal(At(30), alerts.FirstFiredAt);
        Assert.Equal("nodes", alerts.FirstFiredRule);
        Assert.Equal(At(30), fleet.DetectedAt);
        Assert.Equal(new[] { 0.5 }, fleet.Stub("b").Shifted);
        Assert.Equal(new[] { (45.0, "*", "ShiftTraffic started on b") }, Entries(fleet, "action").Where(e => e.Cluster == "*"));
    }

    [Fact]
    public void Rules_are_evaluated_every_ten_seconds_from_the_next_whole_ten()
    {
        var (fleet, alerts) = Fleet();
        RunFleetKernel(fleet, 4);
        alerts.Start();
        Assert.Equal(At(10), fleet.Sim.NextEventTime);
        RunFleetKernel(fleet, 10);
        Assert.Equal(At(20), fleet.Sim.NextEventTime);
        Assert.Equal(1, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void Without_rules_nothing_is_evaluated_and_nothing_is_detected()
    {
        var fleet = Stubs("a");
        fleet.Stub("a").NotReady = () => 100;
        var alerts = new Alerts(fleet, [], null);
        fleet.Alerts = alerts;
        alerts.Start();
        Assert.Equal(0, fleet.Sim.PendingEvents);
        Assert.Null(fleet.DetectedAt);
    }

    [Fact]
    public void A_fleet_without_alerts_has_no_detection()
    {
        Assert.Null(Stubs("a").DetectedAt);
    }
}
