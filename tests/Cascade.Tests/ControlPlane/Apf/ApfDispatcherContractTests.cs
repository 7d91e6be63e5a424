using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>What APF refuses from its host, and what it reports of a level, on a dispatcher driven by hand.</summary>
public class ApfDispatcherContractTests
{
    private sealed class Host : IApfHost
    {
        public readonly List<int> Dispatched = new();
        public readonly List<(int Id, RejectReason Reason, int RetryAfter)> Rejected = new();
        public void OnDispatched(int requestId) => Dispatched.Add(requestId);
        public void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds) => Rejected.Add((requestId, reason, retryAfterSeconds));
    }

    private static readonly WorkEstimate OneSeat = new(1, 0, 0);

    [Fact]
    public void A_dispatcher_needs_a_simulation_a_configuration_and_a_host()
    {
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel();
        Assert.Throws<ArgumentNullException>(() => new ApfDispatcher(null!, config, 100, new Host()));
        Assert.Throws<ArgumentNullException>(() => new ApfDispatcher(sim, null!, 100, new Host()));
        Assert.Throws<ArgumentNullException>(() => new ApfDispatcher(sim, config, 100, null!));
    }

    [Fact]
    public void A_request_must_have_a_non_negative_number_a_real_level_and_not_be_held_already()
    {
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel();
        var host = new Host();
        var apf = new ApfDispatcher(sim, config, 100, host);
        var alice = ApfFixtures.User(config, "alice");
        Assert.Throws<ArgumentOutOfRangeException>(() => apf.Admit(-1, alice, OneSeat, SimTime.Never));
        Assert.Throws<ArgumentOutOfRangeException>(() => apf.Admit(0, alice with { PriorityLevel = 3 }, OneSeat, SimTime.Never));
        Assert.Throws<ArgumentOutOfRangeException>(() => apf.Admit(0, alice with { PriorityLevel = -1 }, OneSeat, SimTime.Never));
        apf.Admit(0, alice, OneSeat, SimTime.Never);
        Assert.Equal([0], host.Dispatched);
        Assert.Throws<InvalidOperationException>(() => apf.Admit(0, alice, OneSeat, SimTime.Never));
        apf.Finish(0);
        apf.Admit(0, alice, OneSeat, SimTime.Never); // finished: its number may come back
        Assert.Equal([0, 0], host.Dispatched);
        apf.Finish(5_000); // never held: ignored
        apf.Finish(-3);
        Assert.Throws<InvalidOperationException>(() => apf.OnEvent(99, 0));
    }

    [Fact]
    public void Every_reject_reason_has_its_counter_slot_and_its_metric_label()
    {
        Assert.Equal(RejectReasons.Count, Enum.GetValues<RejectReason>().Length);
        Assert.Equal(RejectReasons.Count, Cascade.Samples.MetricLabels.RejectReasonLabels.Length);
        Assert.Equal("cancelled", Cascade.Samples.MetricLabels.RejectReasonLabels[(int)RejectReason.Cancelled]);
    }

    [Fact]
    public void Cancelling_ejects_only_a_request_waiting_in_this_dispatchers_queue()
    {
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel(shares: 1, queues: 1, handSize: 1);
        var table = new ApfRequestTable();
        var host = new Host();
        var apf = new ApfDispatcher(sim, config, 1, host, table);
        var sibling = new ApfDispatcher(sim, config, 1, new Host(), table);
        var alice = ApfFixtures.User(config, "alice");
        int level = alice.PriorityLevel;
        apf.Admit(0, alice, OneSeat, SimTime.FromSeconds(15));
        apf.Admit(1, alice, OneSeat, SimTime.FromSeconds(15));
        Assert.Equal([0], host.Dispatched);
        Assert.Equal(1, apf.QueuedRequests(level));
        apf.Cancel(0);                 // executing: it keeps its seat
        sibling.Cancel(1);             // waiting, but in the other replica's queue
        apf.Cancel(7);                 // never held
        apf.Cancel(table.Items.Length); // beyond the table
        Assert.Equal((1, 0), (apf.QueuedRequests(level), host.Rejected.Count));
        int pending = sim.PendingEvents;
        apf.Cancel(1);
        Assert.Equal((0, 1L), (apf.QueuedRequests(level), apf.Rejected(level, RejectReason.Cancelled)));
        Assert.Equal(pending - 1, sim.PendingEvents); // its queue-wait timer went with it
        Assert.Equal((1, RejectReason.Cancelled), (host.Rejected[0].Id, host.Rejected[0].Reason));
        apf.Cancel(1);                 // once only
        sim.Run(untilTicks: SimTime.FromSeconds(20));
        Assert.Single(host.Rejected);
        apf.Finish(0);
        Assert.Equal([0], host.Dispatched); // nothing was left to dispatch
    }

    [Fact]
    public void A_level_is_quiet_with_nobody_waiting_and_at_most_half_its_seats_taken()
    {
        // What lets ApiServerSet serve a write in closed form (docs/model.md, "Closed-form Lease renewals").
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel(shares: 4, queues: 1, handSize: 1);
        var apf = new ApfDispatcher(sim, config, 8, new Host());
        var alice = ApfFixtures.User(config, "alice");
        int level = alice.PriorityLevel;
        Assert.Equal(4, apf.CurrentConcurrencyLimit(level));
        Assert.True(apf.Quiet(level) && apf.Quiet());
        apf.Admit(0, alice, OneSeat, SimTime.Never);
        apf.Admit(1, alice, OneSeat, SimTime.Never);
        Assert.True(apf.Quiet(level) && apf.Quiet());                  // exactly half
        apf.Admit(2, alice, OneSeat, SimTime.Never);
        Assert.False(apf.Quiet(level) || apf.Quiet());                 // three of four
        apf.Admit(3, alice, OneSeat, SimTime.Never);
        apf.Admit(4, alice, OneSeat, SimTime.Never);
        Assert.Equal((4, 1), (apf.SeatsInUse(level), apf.QueuedRequests(level)));
        Assert.False(apf.Quiet(level) || apf.Quiet());
        for (int id = 0; id < 5; id++) apf.Finish(id);
        Assert.True(apf.Quiet(level) && apf.Quiet());
    }

    [Fact]
    public void A_queued_request_cannot_finish_and_a_level_reports_its_limits_and_retry_after()
    {
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel(shares: 2, queues: 1, handSize: 1, queueLengthLimit: 1);
        var host = new Host();
        var apf = new ApfDispatcher(sim, config, 7, host);
        var alice = ApfFixtures.User(config, "alice");
        int level = alice.PriorityLevel;
        Assert.Equal((2, 2, 1), (apf.NominalConcurrencyLimit(level), apf.CurrentConcurrencyLimit(level), apf.MaxSeatsPerRequest(level)));
        Assert.Equal("test", apf.PriorityLevelName(level));
        Assert.Equal(7, apf.ServerConcurrencyLimit);
        Assert.Same(config, apf.Configuration);
        apf.Admit(0, alice, OneSeat, SimTime.Never);
        apf.Admit(1, alice, OneSeat, SimTime.Never);
        apf.Admit(2, alice, OneSeat, SimTime.Never);
        Assert.Equal((2, 1, 2), (apf.SeatsInUse(level), apf.QueuedRequests(level), apf.ExecutingRequests(level)));
        Assert.Throws<InvalidOperationException>(() => apf.Finish(2));
        apf.Admit(3, alice, OneSeat, SimTime.Never); // the one queue is full
        Assert.Equal([(3, RejectReason.QueueFull, 1)], host.Rejected);
        Assert.Equal((1L, 0L, 3L), (apf.Rejected(level, RejectReason.QueueFull), apf.Rejected(level, RejectReason.TimeOut), apf.Dispatched(level) + 1));
        Assert.Equal(1, apf.RetryAfterSeconds(level));
        Assert.Equal(2, apf.TotalSeatsInUse);
        apf.Finish(0);
        Assert.Equal([0, 1, 2], host.Dispatched);
        Assert.Equal(0, apf.QueuedRequests(level));
        Assert.Equal(0, apf.SmoothedSeatDemand(level));
    }

    [Fact]
    public void A_reset_forgets_every_request_and_the_final_seats_still_held_without_telling_the_host()
    {
        var sim = new Simulation(1);
        var config = ApfFixtures.OneLevel(shares: 20, queues: 1, handSize: 1);
        var host = new Host();
        var apf = new ApfDispatcher(sim, config, 25, host);
        var alice = ApfFixtures.User(config, "alice");
        int level = alice.PriorityLevel;
        apf.Admit(0, alice, new WorkEstimate(1, 2, SimTime.FromSeconds(1)), SimTime.Never);
        apf.Finish(0); // its two final seats stay held for 1 s
        Assert.Equal((2, 2), (apf.SeatsInUse(level), apf.LingeringSeats(level)));
        for (int id = 1; id <= 18; id++) apf.Admit(id, alice, OneSeat, SimTime.Never);
        apf.Admit(19, alice, OneSeat, SimTime.FromSeconds(5));
        Assert.Equal((20, 1), (apf.SeatsInUse(level), apf.QueuedRequests(level)));
        apf.Reset();
        Assert.Equal((0, 0, 0), (apf.SeatsInUse(level), apf.LingeringSeats(level), apf.QueuedRequests(level)));
        sim.Run(untilTicks: SimTime.FromSeconds(30));
        Assert.Empty(host.Rejected); // the queue-wait timer went with it
        Assert.Equal(19, host.Dispatched.Count);
        apf.Admit(19, alice, OneSeat, SimTime.Never);
        Assert.Equal(19, host.Dispatched[^1]);
    }

}
