using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>A rollout's waves and gates on stub clusters whose signals the test sets: no cluster is simulated.</summary>
public class RolloutTests
{
    private static readonly Condition NotReadyGate = new(Signal.NodesNotReady, 5, At(20));

    private static Rollout Attach(FleetModel fleet, long startAt, Wave[] waves, params Condition[] gates)
    {
        var r = new Rollout(fleet, "chg", startAt, waves, gates);
        fleet.Rollout = r;
        return r;
    }

    private static List<string> Messages(FleetModel fleet, string kind) => Entries(fleet, kind).Select(e => e.Message).ToList();

    [Fact]
    public void Waves_reach_their_clusters_one_bake_apart_from_the_start_and_the_last_completes_the_rollout()
    {
        var fleet = Stubs("a", "b", "c", "d");
        var r = Attach(fleet, At(30), [new Wave(["a"], At(60)), new Wave(["b", "c"], At(100))]);
        Assert.Equal(0, r.Reach);
        r.Start();
        RunFleetKernel(fleet, 1000);

        Assert.Equal(new long?[] { At(30), At(90), At(90), null }, r.ReachedAt);
        Assert.Equal(At(90), r.CompletedAt);
        Assert.False(r.Halted);
        Assert.Null(r.HaltedAt);
        Assert.Equal(2, r.WavesStarted);
        Assert.Equal(3, r.ClustersReached);
        Assert.Equal(0.75, r.Reach);
        Assert.True(r.HasReached(1));
        Assert.False(r.HasReached(3));
        Assert.Equal("chg", r.Change);
        Assert.Equal(new[]
        {
            (30.0, "*", "wave 1/2: chg applied to a"),
            (90.0, "*", "wave 2/2: chg applied to b, c"),
            (90.0, "*", "rollout of chg complete: 3 of 4 clusters"),
        }, Entries(fleet, "rollout"));
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void A_wave_naming_only_clusters_already_reached_applies_to_no_new_cluster()
    {
        var fleet = Stubs("a", "b");
        var r = Attach(fleet, 0, [new Wave(["*"], At(10)), new Wave(["a"], At(10)), new Wave(["b"], 0)]);
        r.Start();
        RunFleetKernel(fleet, 100);
        Assert.Equal(new[] { "wave 1/3: chg applied to a, b", "wave 2/3: chg applied to no new cluster", "wave 3/3: chg applied to no new cluster", "rollout of chg complete: 2 of 2 clusters" },
            Messages(fleet, "rollout"));
        Assert.Equal(new long?[] { 0, 0 }, r.ReachedAt);
    }

    [Fact]
    public void A_rollout_started_after_its_time_begins_at_once()
    {
        var fleet = Stubs("a");
        RunFleetKernel(fleet, 50);
        var r = Attach(fleet, At(20), [new Wave(["a"], 0)]);
        r.Start();
        RunFleetKernel(fleet, 1000);
        Assert.Equal(new long?[] { At(50) }, r.ReachedAt);
    }

    [Fact]
    public void A_rollout_without_waves_applies_nothing_and_never_completes()
    {
        var fleet = Stubs("a");
        var r = Attach(fleet, 0, []);
        r.Start();
        RunFleetKernel(fleet, 100);
        Assert.Empty(Messages(fleet, "rollout"));
        Assert.Null(r.CompletedAt);
        Assert.Equal(0, r.WavesStarted);
    }

    [Fact]
    public void Reach_of_an_empty_fleet_is_zero()
    {
        var r = new Rollout(Stubs(), "chg", 0, [new Wave(["*"], 0)], []);
        Assert.Equal(0, r.Reach);
        Assert.Equal(0, r.ClustersReached);
    }

    /// <summary>Waves a (bake 60 s), b (bake 120 s), c; b and c breach the gate's threshold from the start, a never does.</summary>
    private static (FleetModel Fleet, Rollout Rollout) Gated(params Condition[] gates)
    {
        var fleet = Stubs("a", "b", "c");
        fleet.Stub("b").NotReady = () => 9;
        fleet.Stub("c").NotReady = () => 9;
        var r = Attach(fleet, 0, [new Wave(["a"], At(60)), new Wave(["b"], At(120)), new Wave(["c"], 0)], gates);
        fleet.Remediation = new Remediation(fleet, [new PlannedAction(ActionKind.ShiftTraffic, "abort", ["a"], null, At(5), At(1), 0,
            new Cascade.Cluster.Identity("u", []), 0, 0, 1, [], 0, 0, 0, 0, 1, 0.25)], "chg");
        return (fleet, r);
    }

    [Fact]
    public void A_gate_halts_the_rollout_once_its_condition_has_held_for_its_duration_on_a_cluster_the_change_reached()
    {
        var (fleet, r) = Gated(NotReadyGate);
        r.Start();
        RunFleetKernel(fleet, 1000);

        // b is reached at 60 s, breaches at the evaluation then, and has held for 20 s at 80 s. c breached all along
        // but the change never reached it, so it never counted.
        Assert.True(r.Halted);
        Assert.Equal(At(80), r.HaltedAt);
        Assert.Null(r.CompletedAt);
        Assert.Equal(new long?[] { 0, At(60), null }, r.ReachedAt);
        Assert.Equal(2, r.WavesStarted);
        Assert.Equal(new[] { (80.0, "b", "rollout halted by gate NodesNotReady > 5 for 20 s (value 9); 2 of 3 clusters reached") }, Entries(fleet, "gate"));
        Assert.DoesNotContain(Messages(fleet, "rollout"), m => m.StartsWith("wave 3", StringComparison.Ordinal));
        // What is keyed to the halt starts its delay then, once.
        Assert.Equal(new[] { 0.25 }, fleet.Stub("a").Shifted);
        Assert.Contains(Entries(fleet, "action"), e => e.Time == 85 && e.Message == "ShiftTraffic 'abort' started on a");
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void Gates_are_read_every_evaluation_period_and_any_gate_may_halt()
    {
        var quiet = new Condition(Signal.ProductErrorRate, 0.5, 0);
        var (fleet, r) = Gated(quiet, NotReadyGate with { ForTicks = At(30) });
        r.Start();
        RunFleetKernel(fleet, 1000);
        Assert.Equal(At(90), r.HaltedAt);
        Assert.Single(Entries(fleet, "gate"));
    }

    [Fact]
    public void A_gate_whose_condition_breaks_before_its_duration_lets_the_rollout_complete()
    {
        var (fleet, r) = Gated(NotReadyGate with { ForTicks = At(30) });
        // b breaches only from 60 s to 85 s; c's breach never counts.
        fleet.Stub("b").NotReady = () => fleet.Sim.Now < At(85) ? 9 : 1;
        r.Start();
        RunFleetKernel(fleet, 1000);
        Assert.False(r.Halted);
        Assert.Equal(At(180), r.CompletedAt);
        Assert.Empty(Entries(fleet, "gate"));
        Assert.Empty(fleet.Stub("a").Shifted);
        // Gates are not read once the rollout is complete: c breaching from 180 s on halts nothing.
        Assert.Equal(0, fleet.Sim.PendingEvents);
    }

    [Fact]
    public void Without_gates_nothing_is_evaluated()
    {
        var fleet = Stubs("a");
        var r = Attach(fleet, At(15), [new Wave(["a"], 0)]);
        r.Start();
        Assert.Equal(1, fleet.Sim.PendingEvents);
        RunFleetKernel(fleet, 1000);
        Assert.Equal(1, fleet.Sim.EventsProcessed);
    }

    [Fact]
    public void With_gates_the_first_evaluation_is_on_the_next_whole_ten_seconds()
    {
        var fleet = Stubs("a");
        RunFleetKernel(fleet, 3);
        var r = Attach(fleet, At(100), [new Wave(["a"], 0)], NotReadyGate);
        r.Start();
        Assert.Equal(2, fleet.Sim.PendingEvents);
        Assert.Equal(At(10), fleet.Sim.NextEventTime);
    }
}
