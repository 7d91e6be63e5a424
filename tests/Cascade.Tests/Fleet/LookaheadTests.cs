using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;
using static Cascade.Tests.Fleet.FleetModelTests;
using Cascade.Cluster;

namespace Cascade.Tests.Fleet;

/// <summary>
/// The fleet's lookahead: on more than one thread the clusters run ahead of the fleet's evaluations (alerts, gates) to
/// its next action, noting the signals those evaluations read as they pass their moments; a run is what stepping the
/// clusters to every fleet event gives.
/// </summary>
public class LookaheadTests
{
    private static Alerts Alert(FleetModel fleet, Signal signal, double forSeconds = 0) =>
        new(fleet, [new AlertRule("r", new Condition(signal, 0.5, At(forSeconds)), ["*"])], null);

    [Fact]
    public void The_clusters_may_run_to_the_next_action_or_the_next_evaluation_plus_the_least_delay_of_what_it_may_start()
    {
        var fleet = Stubs("a", "b");
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1), Shift("b", null, null, 90, 0.2), Shift("b", null, null, 45, 0.3)], null);
        fleet.Start();
        // The alerts evaluate at 10 s; a detection then starts the 45 s step at 55 s, before the step at 600 s.
        Assert.Equal(At(55), fleet.Horizon());
        fleet.Stub("b").ErrorRate = () => 1;
        fleet.RunUntil(At(10), threads: 2);
        Assert.Equal(At(10), fleet.DetectedAt);
        // Detected: the alerts start nothing more; the next action is the detection's own step.
        Assert.Equal(At(55), fleet.Horizon());
        fleet.RunUntil(At(56), threads: 2);
        Assert.Equal(At(100), fleet.Horizon());
        fleet.RunUntil(At(101), threads: 2);
        Assert.Equal(At(600), fleet.Horizon());
        fleet.RunUntil(At(601), threads: 2);
        Assert.Equal(SimTime.Never, fleet.Horizon());
    }

    [Fact]
    public void The_least_delay_is_taken_over_the_playbook_and_the_faults()
    {
        // Detection starts a fault 20 s later and a step 45 s later; a halt starts a step 15 s later and a fault 35 s later.
        var fleet = Stubs("a", "b");
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1), Shift("b", null, null, 45, 0.2), Shift("b", null, 15, 0, 0.3)], null);
        fleet.Faults = new Faults(fleet, [Lose("a", new Trigger(null, null, At(20))), Lose("b", new Trigger(null, At(35), null))]);
        fleet.Start();
        Assert.Equal(At(30), fleet.Horizon());   // 10 s + 20 s
        fleet.Rollout = new Rollout(fleet, "chg", 0, [new Wave(["a"], At(300)), new Wave(["b"], 0)], [new Condition(Signal.ChangeMemory, 1e12, 0)]);
        fleet.Rollout.Start();
        Assert.Equal(At(0), fleet.Horizon());    // the first wave, now
        fleet.RunUntil(At(1), threads: 2);
        Assert.Equal(At(25), fleet.Horizon());   // 10 s + 15 s
    }

    [Fact]
    public void Alerts_without_rules_and_a_rollout_without_gates_start_nothing()
    {
        var fleet = Stubs("a", "b");
        fleet.Alerts = new Alerts(fleet, [], null);
        fleet.Rollout = new Rollout(fleet, "chg", At(1000), [new Wave(["a"], 0)], []);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1), Shift("b", null, 5, 0, 0.2), Shift("b", null, null, 7, 0.3)], null);
        fleet.Start();
        fleet.Sim.Schedule(At(10), new Evaluating(), 0);
        // An evaluation at 10 s, a halt's step 5 s and a detection's 7 s after: neither can come.
        Assert.Equal(At(600), fleet.Horizon());
    }

    /// <summary>A fleet event that counts as an evaluation, so that the horizon has one to bound by.</summary>
    private sealed class Evaluating : IEventHandler, IEvaluations
    {
        public void OnEvent(int kind, long arg) { }
        public bool Evaluates(int kind) => true;
        public bool MayStart => false;
        public bool ReadsMovingSignal => false;
    }

    [Fact]
    public void A_halted_rollout_bounds_nothing_and_one_gate_of_several_on_changeCpu_turns_the_lookahead_off()
    {
        var fleet = Stubs("a", "b");
        fleet.Rollout = new Rollout(fleet, "chg", 0, [new Wave(["a"], At(300)), new Wave(["b"], 0)],
            [new Condition(Signal.ChangeMemory, -1, 0), new Condition(Signal.ChangeCpu, 1e12, 0)]);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1), Shift("b", null, 30, 0, 0.2)], null);
        fleet.Start();
        fleet.RunUntil(At(1), threads: 2);
        Assert.Equal(At(1), fleet.Horizon());    // the second gate reads changeCpu: no lookahead
        fleet.RunUntil(At(10), threads: 2);      // the first gate (memory above −1) halts at once
        Assert.True(fleet.Rollout.Halted);
        Assert.Equal(At(40), fleet.Horizon());   // the halt's step; the gates read nothing more
        var alerts = Stubs("a");
        alerts.Alerts = new Alerts(alerts, [new AlertRule("m", new Condition(Signal.ChangeMemory, 1, 0), ["*"]), new AlertRule("c", new Condition(Signal.ChangeCpu, 1, 0), ["*"])], null);
        alerts.Start();
        Assert.Equal(0, alerts.Horizon());
    }

    [Fact]
    public void An_action_put_behind_clusters_that_ran_ahead_is_refused()
    {
        var fleet = Stubs("a", "b");
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate);
        fleet.Start();
        fleet.RunUntil(At(10), threads: 2, mayRunTo: At(300));
        Assert.All(fleet.Clusters, c => Assert.Equal(At(300), c.Sim.Now));
        fleet.Sim.Schedule(At(20), new Call(() => { }), 0);
        var e = Assert.Throws<InvalidOperationException>(() => fleet.RunUntil(At(60), threads: 2, mayRunTo: At(300)));
        Assert.Contains("ran on to 300 s", e.Message);
        // On one thread too: the clusters that ran ahead are still ahead.
        e = Assert.Throws<InvalidOperationException>(() => fleet.RunUntil(At(60), threads: 1));
        Assert.Equal("the fleet would act at 30 s on clusters that ran on to 300 s", e.Message);
    }

    [Fact]
    public void Without_a_step_that_waits_on_detection_the_alerts_bound_nothing()
    {
        var fleet = Stubs("a", "b");
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1)], null);
        fleet.Start();
        Assert.Equal(At(600), fleet.Horizon());
    }

    [Fact]
    public void Gates_bound_the_lookahead_by_what_a_halt_starts_until_the_rollout_is_done()
    {
        var fleet = Stubs("a", "b");
        fleet.Rollout = new Rollout(fleet, "chg", 0, [new Wave(["a"], At(300)), new Wave(["b"], 0)], [new Condition(Signal.ChangeMemory, 1e12, 0)]);
        fleet.Faults = new Faults(fleet, [new PlannedFault(FaultKind.LoseNodes, "", ["b"], new Trigger(null, At(30), null), 0, null, "", new PodBudget(0, 100), 0.5)]);
        fleet.Start();
        fleet.RunUntil(At(1), threads: 2);
        // The gates evaluate at 10 s; a halt then starts the fault 30 s later, before the second wave at 300 s.
        Assert.Equal(At(40), fleet.Horizon());
        fleet.RunUntil(At(301), threads: 2);
        Assert.NotNull(fleet.Rollout.CompletedAt);
        Assert.Equal(SimTime.Never, fleet.Horizon());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_signal_whose_reading_moves_the_cluster_turns_the_lookahead_off_while_it_may_be_read(bool alert)
    {
        var fleet = Stubs("a", "b");
        if (alert) fleet.Alerts = Alert(fleet, Signal.ChangeCpu);
        else fleet.Rollout = new Rollout(fleet, "chg", At(100), [new Wave(["a"], 0)], [new Condition(Signal.ChangeCpu, 1, 0)]);
        fleet.Remediation = new Remediation(fleet, [Shift("a", 600, null, 0, 0.1)], null);
        fleet.Start();
        fleet.RunUntil(At(20), threads: 2);
        Assert.Equal(At(20), fleet.Horizon());
        if (alert) return;
        fleet.RunUntil(At(101), threads: 2);
        Assert.NotNull(fleet.Rollout!.CompletedAt);
        Assert.Equal(At(600), fleet.Horizon()); // done: its gates read nothing more
    }

    /// <summary>A fleet whose cluster b fails its users from 35 s on (by its own clock), an alert that must see it for 20 s, and a step 45 s after detection.</summary>
    private static FleetModel Failing()
    {
        var fleet = Stubs("a", "b", "c");
        var b = fleet.Stub("b");
        b.ErrorRate = () => b.Sim.Now >= At(35) ? 1 : 0;
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate, forSeconds: 20);
        fleet.Remediation = new Remediation(fleet, [Shift("b", null, null, 45, 0.2), Shift("c", 250, null, 0, 0.3)], null);
        fleet.Start();
        return fleet;
    }

    [Fact]
    public void A_run_with_the_lookahead_is_the_run_stepped_to_every_evaluation()
    {
        var stepped = Failing();
        stepped.Lookahead = false;
        var ahead = Failing();
        for (int minute = 1; minute <= 5; minute++)
        {
            stepped.RunUntil(At(60 * minute), threads: 1);
            ahead.RunUntil(At(60 * minute), threads: 2, mayRunTo: At(300));
        }
        Assert.Equal(At(60), stepped.DetectedAt); // above 0.5 at 40, 50 and 60 s: held 20 s at 60
        Assert.Equal(stepped.DetectedAt, ahead.DetectedAt);
        Assert.Equal(Entries(stepped, "action"), Entries(ahead, "action"));
        Assert.Equal(Entries(stepped, "alert"), Entries(ahead, "alert"));
        Assert.Equal(new[] { 0.2 }, ahead.Stub("b").Shifted);
        Assert.Equal(new[] { 105.0 }, ahead.Stub("b").ShiftedAt);   // the step found b at its own time
        Assert.Equal(new[] { 250.0 }, ahead.Stub("c").ShiftedAt);
        // Stepped to every evaluation, the clusters would pause 30 times in 5 min; ahead, they pause at the detection's
        // bound (10 s + 45 s, then each evaluation to 60 s + 45 s), the steps (105 s, 250 s) and the end.
        Assert.InRange(ahead.ClusterSteps, 3, 14);
        Assert.Equal(0, stepped.ClusterSteps); // without the lookahead the clusters step in turn to every fleet event
        Assert.All(ahead.Clusters, c => Assert.Equal(At(300), c.Sim.Now));
    }

    /// <summary>
    /// The replay's first 40 minutes (the rollout, saturation, detection at ~22 min and the playbook's first steps) on
    /// one thread: the clusters run ahead one after another, or each steps to every fleet event, with the same result.
    /// </summary>
    [Fact]
    public void On_one_thread_a_run_with_the_lookahead_is_the_run_stepped_to_every_fleet_event()
    {
        var scenario = Cascade.Scenarios.ScenarioLoader.LoadFile(Cascade.Tests.Preflight.PreflightFixtures.Scenario("openai-2024-12-11.yaml"), ["duration=40m"]);
        string Run(bool lookahead)
        {
            FleetModel? fleet = null;
            var output = Cascade.Results.ScenarioRunner.Run(scenario, (ulong)scenario.Seed, Cascade.Tests.Preflight.PreflightFixtures.RepoRoot(), threads: 1,
                beforeStart: f => { f.Lookahead = lookahead; fleet = f; });
            Assert.Equal(lookahead, fleet!.ClusterSteps > 0);
            Assert.NotNull(output.Result.DetectedAtSeconds);
            return Cascade.Json.Serialize(output.Result);
        }
        Assert.Equal(Run(lookahead: false), Run(lookahead: true));
    }

    [Fact]
    public void A_cluster_added_behind_the_others_catches_up_before_the_fleet_reads_it()
    {
        var fleet = Stubs("a", "b");
        fleet.RunUntil(At(10), threads: 2, mayRunTo: At(100));
        Assert.All(fleet.Clusters, c => Assert.Equal(At(100), c.Sim.Now));
        var late = new StubCluster("c");
        late.ErrorRate = () => late.Sim.Now >= At(15) ? 1 : 0;
        fleet.Clusters.Add(late);
        fleet.Alerts = Alert(fleet, Signal.ProductErrorRate);
        fleet.Alerts.Start();   // evaluates at 20 s: a and b from their readings, c once it has caught up
        fleet.RunUntil(At(30), threads: 2, mayRunTo: At(100));
        Assert.Equal(At(100), late.Sim.Now);
        Assert.Equal(At(20), fleet.DetectedAt);   // c, read as it was at 20 s
    }

    [Fact]
    public void A_signal_is_read_as_noted_when_the_cluster_passed_its_moment()
    {
        var c = new StubCluster("a");
        c.ErrorRate = () => c.Sim.Now >= At(20) ? 0.9 : 0.4;
        c.Sim.Run(untilTicks: At(10));
        SignalReader.Record(c, "chg");
        c.Sim.Run(untilTicks: At(30));
        Assert.Equal(0.4, SignalReader.Read(c, Signal.ProductErrorRate, "chg", At(10)));
        Assert.Equal(0.9, SignalReader.Read(c, Signal.ProductErrorRate, "chg", At(30)));   // the cluster is there: read now
        var e = Assert.Throws<InvalidOperationException>(() => SignalReader.Read(c, Signal.ProductErrorRate, "chg", At(20)));
        Assert.Equal("cluster a ran past 20 s without noting its ProductErrorRate then", e.Message);
        // changeCpu is never noted: reading it takes what the change's pods received since the last reading.
        Assert.Throws<InvalidOperationException>(() => SignalReader.Read(c, Signal.ChangeCpu, "chg", At(10)));
        Assert.True(SignalReader.MovesCluster(Signal.ChangeCpu));
        Assert.DoesNotContain(Enum.GetValues<Signal>(), s => s != Signal.ChangeCpu && SignalReader.MovesCluster(s));
    }
}
