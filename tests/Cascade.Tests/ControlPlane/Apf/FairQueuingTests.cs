using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

public class FairQueuingTests
{
    private static readonly WorkEstimate OneSeat = WorkEstimator.ForGet();
    private static readonly long Ms50 = 50 * SimTime.TicksPerMillisecond;

    [Fact]
    public void Two_flows_with_equal_demand_in_one_level_get_equal_seat_seconds()
    {
        var config = ApfFixtures.OneLevel();
        var host = new ApfTestHost().Start(config, 100);
        host.StartClients(0, 200, ApfFixtures.User(config, "alice"), OneSeat, Ms50, flow: 0);
        host.StartClients(1000, 200, ApfFixtures.User(config, "bob"), OneSeat, Ms50, flow: 1);
        host.RunFor(5);
        host.ClearTotals();
        host.RunFor(60);

        double a = host.SeatSecondsByFlow[0], b = host.SeatSecondsByFlow[1];
        Assert.True(a + b > 0.9 * 95 * 60, $"the level was not kept busy: {a + b:F0} seat-seconds");
        Assert.InRange(a / b, 0.95, 1.05);
        Assert.Equal(0, host.RejectCount);
    }

    [Fact]
    public void A_flow_of_ten_seat_lists_does_not_get_ten_times_the_share_of_a_one_seat_flow()
    {
        var config = ApfFixtures.OneLevel();
        var host = new ApfTestHost().Start(config, 100);
        var tenSeats = WorkEstimator.ForList(storedObjects: 5000, servedFromCache: true, hasSelector: false, limit: 0);
        Assert.Equal(10, tenSeats.InitialSeats);
        // Two flows whose shuffle-sharded hands share no queue: a shared queue would go to whichever flow
        // fills it with more work, which is shuffle sharding's doing, not fair queuing's.
        var lister = ApfFixtures.User(config, "alice");
        var getter = ApfFixtures.User(config, "bob");
        int[] listerHand = new int[6], getterHand = new int[6];
        ShuffleShardDealer.Deal(lister.FlowHash, 64, listerHand);
        ShuffleShardDealer.Deal(getter.FlowHash, 64, getterHand);
        Assert.Empty(listerHand.Intersect(getterHand));
        host.StartClients(0, 200, lister, tenSeats, Ms50, flow: 0);
        host.StartClients(1000, 200, getter, OneSeat, Ms50, flow: 1);
        host.RunFor(5);
        host.ClearTotals();
        host.RunFor(60);

        double listerSeatSeconds = host.SeatSecondsByFlow[0], getterSeatSeconds = host.SeatSecondsByFlow[1];
        Assert.InRange(listerSeatSeconds / getterSeatSeconds, 0.9, 1.1);
        // ... while by request count the getter is served about ten times as often.
        Assert.InRange(host.CompletedByFlow[1] / (double)host.CompletedByFlow[0], 7, 13);
    }

    [Fact]
    public void A_wide_request_at_the_head_blocks_dispatch_until_enough_seats_are_free()
    {
        // Upstream's TestFindDispatchQueueLocked (queueset_test.go), its cases "seats are not available for
        // request with the least finish R, queue is not picked" and "seats become available before 3rd attempt".
        // 8 queues, hand size 1: a flow hash h always lands in queue h % 8.
        var config = ApfFixtures.OneLevel(shares: 100, queues: 8, handSize: 1);
        var host = new ApfTestHost().Start(config, 105);
        int pl = config.PriorityLevelIndex("test");
        Assert.Equal(100, host.Apf.CurrentConcurrencyLimit(pl));
        var busy = new Classification(pl, 0, FlowHash: 0, Exempt: false);
        var wide = new Classification(pl, 0, FlowHash: 1, Exempt: false);
        long second = SimTime.TicksPerSecond;

        // Flow 0 fills 95 of 100 seats with long requests that end one by one, 1 s apart from t = 10 s.
        for (int i = 0; i < 95; i++) host.Send(i, busy, OneSeat, 10 * second + i * second);
        // A 10-seat request needs 10 seats; 5 are free, so it waits at the head of its queue.
        host.Send(200, wide, new WorkEstimate(10, 0, 0), second);
        Assert.Equal(-1, host.DispatchedAt[200]);
        // A 1-seat request of flow 0 arrives: it would fit, but its queue has already been served 95 × 3 ms of
        // work, so the wide request's queue has the earlier virtual finish time and nothing passes it.
        host.Send(201, busy, OneSeat, second);
        Assert.Equal(-1, host.DispatchedAt[201]);
        Assert.Equal(95, host.Apf.SeatsInUse(pl));
        Assert.Equal(2, host.Apf.QueuedRequests(pl));

        host.RunFor(12.5);  // three 1-seat requests have finished: 8 free, still not 10
        Assert.Equal(-1, host.DispatchedAt[200]);
        Assert.Equal(-1, host.DispatchedAt[201]);
        Assert.Equal(92, host.Apf.SeatsInUse(pl));

        host.RunFor(2);     // the fifth finish at t = 14 s frees the tenth seat
        Assert.Equal(14 * second, host.DispatchedAt[200]);
        Assert.Equal(100, host.Apf.SeatsInUse(pl));
        Assert.Equal(-1, host.DispatchedAt[201]);           // the level is full again
        host.RunFor(1);
        Assert.Equal(15 * second, host.DispatchedAt[201]);  // the next seat to free goes to it
    }

    [Fact]
    public void A_full_queue_rejects_with_queue_full_when_every_seat_is_busy()
    {
        var config = ApfFixtures.OneLevel(shares: 2, queues: 1, handSize: 1, queueLengthLimit: 3);
        var host = new ApfTestHost().Start(config, 7);
        int pl = config.PriorityLevelIndex("test");
        Assert.Equal(2, host.Apf.CurrentConcurrencyLimit(pl));
        var c = ApfFixtures.User(config, "alice");
        for (int i = 0; i < 5; i++) host.Send(i, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(0, host.RejectCount);
        Assert.Equal(3, host.Apf.QueuedRequests(pl));

        host.Send(5, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(1, host.RejectCount);
        Assert.Equal(5, host.LastRejectedId);
        Assert.Equal(RejectReason.QueueFull, host.LastRejectReason);
        Assert.Equal(1, host.LastRetryAfter);
        Assert.Equal(1, host.Apf.Rejected(pl, RejectReason.QueueFull));
        // The rejected id is free again at once.
        host.RunFor(1.5);
        host.Send(5, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(1, host.RejectCount);
    }

    [Fact]
    public void A_request_that_waits_past_its_queue_wait_limit_is_rejected_with_time_out()
    {
        var config = ApfFixtures.OneLevel(shares: 1, queues: 4, handSize: 2);
        var host = new ApfTestHost().Start(config, 6);
        int pl = config.PriorityLevelIndex("test");
        var c = ApfFixtures.User(config, "alice");
        host.Send(0, c, OneSeat, 60 * SimTime.TicksPerSecond);          // holds the only seat for a minute
        host.QueueWaitLimit = ApfDispatcher.QueueWaitLimitFor(60 * SimTime.TicksPerSecond);
        host.Send(1, c, OneSeat, SimTime.TicksPerSecond);
        host.RunFor(14.9);
        Assert.Equal(0, host.RejectCount);
        host.RunFor(0.2);
        Assert.Equal(1, host.RejectCount);
        Assert.Equal(RejectReason.TimeOut, host.LastRejectReason);
        Assert.Equal(15 * SimTime.TicksPerSecond, host.LastRejectTime);
        Assert.Equal(0, host.Apf.QueuedRequests(pl));
        Assert.Equal(1, host.Apf.Rejected(pl, RejectReason.TimeOut));
    }

    [Fact]
    public void A_dispatched_request_never_times_out_in_the_queue()
    {
        var config = ApfFixtures.OneLevel(shares: 1, queues: 4, handSize: 2);
        var host = new ApfTestHost().Start(config, 6);
        var c = ApfFixtures.User(config, "alice");
        host.QueueWaitLimit = 5 * SimTime.TicksPerSecond;
        host.Send(0, c, OneSeat, 2 * SimTime.TicksPerSecond);
        host.Send(1, c, OneSeat, 10 * SimTime.TicksPerSecond);  // waits 2 s, then runs 10 s
        host.RunFor(30);
        Assert.Equal(0, host.RejectCount);
        Assert.Equal(2 * SimTime.TicksPerSecond, host.DispatchedAt[1]);
    }

    [Fact]
    public void Catch_all_rejects_with_concurrency_limit_when_its_seats_are_full()
    {
        var config = ApfConfiguration.Default;
        var host = new ApfTestHost().Start(config, 600);
        var c = config.Classify(new RequestDigest("mystery", Array.Empty<string>(), "get", "", "pods", "default", true, null));
        int pl = c.PriorityLevel;
        Assert.Equal("catch-all", host.Apf.PriorityLevelName(pl));
        int limit = host.Apf.CurrentConcurrencyLimit(pl);
        Assert.True(limit >= 13, $"catch-all's limit {limit} is below its nominal 13");
        for (int i = 0; i < limit; i++) host.Send(i, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(0, host.RejectCount);
        Assert.Equal(0, host.Apf.QueuedRequests(pl));
        host.Send(limit, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(1, host.RejectCount);
        Assert.Equal(RejectReason.ConcurrencyLimit, host.LastRejectReason);
    }

    [Fact]
    public void The_exempt_level_dispatches_everything_at_once_and_counts_it()
    {
        var config = ApfConfiguration.Default;
        var host = new ApfTestHost().Start(config, 600);
        var admin = config.Classify(new RequestDigest("admin", ApfIdentity.MastersGroups, "list", "", "pods", null, true, null));
        for (int i = 0; i < 2000; i++) host.Send(i, admin, new WorkEstimate(10, 0, 0), SimTime.TicksPerSecond);
        Assert.Equal(2000, host.DispatchCount);
        Assert.Equal(20_000, host.Apf.SeatsInUse(admin.PriorityLevel));
        Assert.Equal(20_000, host.Apf.TotalSeatsInUse);
        host.RunFor(2);
        Assert.Equal(0, host.Apf.TotalSeatsInUse);
    }

    [Fact]
    public void Retry_after_doubles_under_sustained_drops_up_to_32s_and_decays_by_one()
    {
        var config = ApfFixtures.OneLevel(shares: 1, queues: 1, handSize: 1, queueLengthLimit: 1);
        var host = new ApfTestHost().Start(config, 6);
        int pl = config.PriorityLevelIndex("test");
        var c = ApfFixtures.User(config, "alice");
        host.Send(0, c, OneSeat, 10 * SimTime.TicksPerMinute);   // the seat stays busy
        host.Send(1, c, OneSeat, SimTime.TicksPerSecond);        // the queue is full
        int id = 2;
        var seen = new List<int>();
        // 100 drops a second for 60 s.
        for (int s = 0; s < 60; s++)
        {
            for (int k = 0; k < 100; k++) host.Send(id++ % 10_000 + 2, c, OneSeat, 1);
            seen.Add(host.LastRetryAfter);
            host.RunFor(1);
        }
        Assert.Equal(1, seen[0]);
        Assert.Equal(32, seen.Max());
        Assert.Equal(32, host.Apf.RetryAfterSeconds(pl));
        Assert.Contains(2, seen);
        Assert.Contains(16, seen);
        // Then a trickle of one drop every 2 s: once the burst has left the window, each drop finds fewer drops
        // than retryAfter in it and lowers it by exactly one second.
        var trickle = new List<int>();
        for (int s = 0; s < 40; s++)
        {
            host.RunFor(2);
            host.Send(9000, c, OneSeat, 1);
            trickle.Add(host.LastRetryAfter);
        }
        Assert.Equal(32, trickle[0]);
        int firstFall = trickle.FindIndex(v => v < 32);
        Assert.True(firstFall > 0, "Retry-After never decayed");
        for (int i = 1; i < trickle.Count; i++) Assert.Equal(i < firstFall ? 0 : 1, trickle[i - 1] - trickle[i]);
    }

    [Fact]
    public void Final_seats_of_a_write_with_many_watchers_are_held_for_the_additional_latency()
    {
        var config = ApfFixtures.OneLevel(shares: 100, queues: 8, handSize: 1);
        var host = new ApfTestHost().Start(config, 105);
        int pl = config.PriorityLevelIndex("test");
        var write = WorkEstimator.ForMutating(watchers: 250);  // 25 final seats × 5 ms, narrowed to 10 × 12.5 ms
        Assert.Equal(new WorkEstimate(1, 10, 12_500), write);
        host.Send(0, new Classification(pl, 0, 0, false), write, 2 * SimTime.TicksPerMillisecond);
        Assert.Equal(10, host.Apf.SeatsInUse(pl));                       // max(initial, final) from dispatch on
        host.Sim.Run(host.Sim.Now + 2 * SimTime.TicksPerMillisecond);    // finished, still lingering
        Assert.Equal(0, host.Apf.ExecutingRequests(pl));
        Assert.Equal(10, host.Apf.SeatsInUse(pl));
        host.Sim.Run(host.Sim.Now + 12_499);
        Assert.Equal(10, host.Apf.SeatsInUse(pl));
        host.Sim.Run(host.Sim.Now + 1);
        Assert.Equal(0, host.Apf.SeatsInUse(pl));
    }

    [Fact]
    public void A_crashed_replica_forgets_queued_and_executing_requests_without_telling_the_host()
    {
        var config = ApfFixtures.OneLevel(shares: 2, queues: 1, handSize: 1);
        var host = new ApfTestHost().Start(config, 7);
        int pl = config.PriorityLevelIndex("test");
        var c = ApfFixtures.User(config, "alice");
        host.QueueWaitLimit = SimTime.TicksPerSecond;
        for (int i = 0; i < 5; i++) host.Send(i, c, OneSeat, 10 * SimTime.TicksPerSecond);
        Assert.Equal(2, host.DispatchCount);
        host.Apf.Reset();
        Assert.Equal(0, host.Apf.SeatsInUse(pl));
        Assert.Equal(0, host.Apf.QueuedRequests(pl));
        host.RunFor(20);  // the queue-wait timers were cancelled and the executor's Finish calls are ignored
        Assert.Equal(0, host.RejectCount);
        Assert.Equal(2, host.DispatchCount);
        // The same ids can be used again.
        host.Send(3, c, OneSeat, SimTime.TicksPerSecond);
        Assert.Equal(3, host.DispatchCount);
    }

    [Fact]
    public void The_same_seed_and_inputs_give_the_same_dispatch_order()
    {
        long[] Run()
        {
            var config = ApfFixtures.OneLevel(shares: 20, queues: 16, handSize: 3, queueLengthLimit: 20);
            var host = new ApfTestHost().Start(config, 25);
            for (int f = 0; f < 8; f++)
                host.StartClients(f * 100, 30, ApfFixtures.User(config, "user" + f), new WorkEstimate(1 + f % 3, 0, 0), (10 + f) * SimTime.TicksPerMillisecond, f);
            host.RunFor(20);
            return host.CompletedByFlow.Concat(host.RejectedByFlow).Append(host.DispatchCount).ToArray();
        }
        Assert.Equal(Run(), Run());
    }
}
