using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>When planned steps start: at a time, a delay after the rollout halts, or a delay after detection.</summary>
public class TriggerTests
{
    private static (Simulation Sim, Recorder Rec, TriggeredSteps Steps) Steps(params Trigger[] triggers)
    {
        var sim = new Simulation(1);
        var rec = new Recorder(sim);
        return (sim, rec, new TriggeredSteps(sim, triggers, rec, 7));
    }

    [Fact]
    public void A_step_at_a_time_starts_then_with_its_index_and_the_handlers_kind()
    {
        var (sim, rec, steps) = Steps(new Trigger(At(30), null, null), new Trigger(null, At(5), null), new Trigger(At(12), null, null));
        steps.Start();
        sim.Run();
        Assert.Equal(new[] { (12.0, 7, 2L), (30.0, 7, 0L) }, rec.Heard);
    }

    [Fact]
    public void A_step_whose_time_has_passed_starts_at_once_and_one_due_later_starts_at_its_time()
    {
        var (sim, rec, steps) = Steps(new Trigger(At(20), null, null), new Trigger(At(50), null, null));
        sim.Run(untilTicks: At(40)); // nothing to run: the clock moves to 40 s
        steps.Start();
        sim.Run();
        Assert.Equal(new[] { 40.0, 50.0 }, rec.Heard.Select(h => h.At));
    }

    [Fact]
    public void Steps_after_detection_start_their_delay_after_it_and_only_then()
    {
        var (sim, rec, steps) = Steps(new Trigger(null, null, At(60)), new Trigger(null, At(5), null), new Trigger(At(1), null, null), new Trigger(null, null, At(0)));
        sim.Schedule(At(100), new Call(steps.OnDetected), 0);
        sim.Run();
        Assert.Equal(new[] { (100.0, 7, 3L), (160.0, 7, 0L) }, rec.Heard);
    }

    [Fact]
    public void Steps_after_a_halt_start_their_delay_after_it_and_only_then()
    {
        var (sim, rec, steps) = Steps(new Trigger(null, null, At(60)), new Trigger(null, At(5), null), new Trigger(At(1), null, null));
        sim.Schedule(At(100), new Call(steps.OnRolloutHalted), 0);
        sim.Run();
        Assert.Equal(new[] { (105.0, 7, 1L) }, rec.Heard);
    }

    [Fact]
    public void A_playbook_action_is_triggered_by_its_time_else_its_halt_delay_else_its_reaction_time()
    {
        static PlannedAction A(long? at, long? afterHalt) => new(ActionKind.ShiftTraffic, "", ["*"], at, afterHalt, At(90), 0,
            new Identity("u", []), 0, 0, 1, [], 0, 0, 0, 0, 1, 0.5);
        Assert.Equal(new Trigger(At(5), null, null), A(At(5), At(7)).When);
        Assert.Equal(new Trigger(At(5), null, null), A(At(5), null).When);
        Assert.Equal(new Trigger(null, At(7), null), A(null, At(7)).When);
        Assert.Equal(new Trigger(null, null, At(90)), A(null, null).When);
    }
}

/// <summary>An event that calls an action.</summary>
internal sealed class Call(Action action) : IEventHandler
{
    public void OnEvent(int kind, long arg) => action();
}
