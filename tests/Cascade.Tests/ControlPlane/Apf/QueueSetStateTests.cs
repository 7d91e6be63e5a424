using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// The queue set's bookkeeping seen from outside: requests leaving a queue by time-out from its head, middle or
/// tail; a queue emptied by a time-out; the scan for the smallest virtual finish across the 64-queue words of the
/// waiting mask.
/// </summary>
public class QueueSetStateTests
{
    private static readonly WorkEstimate OneSeat = WorkEstimator.ForGet();
    private static long S(double seconds) => SimTime.FromSeconds(seconds);

    [Fact]
    public void Time_outs_at_the_tail_middle_and_head_leave_the_rest_of_the_queue_in_order()
    {
        var config = ApfFixtures.OneLevel(shares: 1, queues: 1, handSize: 1);
        var host = new ApfTestHost().Start(config, 6);
        int pl = config.PriorityLevelIndex("test");
        var c = ApfFixtures.User(config, "alice");
        host.Send(0, c, OneSeat, S(30));                       // holds the only seat until 30 s
        int[] waits = [10, 5, 50, 3];                          // ids 1..4, queued in this order
        for (int i = 0; i < waits.Length; i++)
        {
            host.QueueWaitLimit = S(waits[i]);
            host.Send(i + 1, c, OneSeat, S(1));
        }
        Assert.Equal(4, host.Apf.QueuedRequests(pl));

        host.RunFor(3.5);
        Assert.Equal((1, 4), (host.RejectCount, host.LastRejectedId));   // the tail
        host.RunFor(2);
        Assert.Equal((2, 2), (host.RejectCount, host.LastRejectedId));   // the middle
        host.RunFor(5);
        Assert.Equal((3, 1), (host.RejectCount, host.LastRejectedId));   // the head
        Assert.Equal(1, host.Apf.QueuedRequests(pl));
        Assert.Equal(1, host.Apf.SeatsInUse(pl));

        host.RunFor(20);                                       // t = 30.5: request 0 ended at 30 s, 3 runs
        Assert.Equal(S(30), host.DispatchedAt[3]);
        host.QueueWaitLimit = S(50);
        host.Send(5, c, OneSeat, S(1));
        Assert.Equal(-1, host.DispatchedAt[5]);
        host.RunFor(1);
        Assert.Equal(S(31), host.DispatchedAt[5]);
        Assert.Equal((0, 1, 1), (host.Apf.QueuedRequests(pl), host.Apf.ExecutingRequests(pl), host.Apf.SeatsInUse(pl)));
        host.RunFor(1);
        Assert.Equal((0, 0, 0), (host.Apf.QueuedRequests(pl), host.Apf.ExecutingRequests(pl), host.Apf.SeatsInUse(pl)));
        Assert.Equal(3, host.RejectCount);
        Assert.Equal(3, host.Apf.Rejected(pl, RejectReason.TimeOut));
    }

    [Fact]
    public void A_queue_emptied_by_a_time_out_is_never_chosen_again_and_the_other_queues_go_on()
    {
        var config = ApfFixtures.OneLevel(shares: 1, queues: 2, handSize: 1);
        var host = new ApfTestHost().Start(config, 6);
        int pl = config.PriorityLevelIndex("test");
        var (inX, inY) = (FlowIn(pl, 2, 1, 0), FlowIn(pl, 2, 1, 1));
        host.Send(0, inY, OneSeat, S(10));
        host.QueueWaitLimit = S(2);
        host.Send(1, inX, OneSeat, S(1));                      // alone in queue 0; times out at 2 s
        host.QueueWaitLimit = S(50);
        host.Send(2, inY, OneSeat, S(1));
        host.RunFor(3);
        Assert.Equal((1, 1), (host.RejectCount, host.LastRejectedId));
        host.RunFor(8);
        Assert.Equal(S(10), host.DispatchedAt[2]);
        host.RunFor(2);
        Assert.Equal((0, 0, 0), (host.Apf.QueuedRequests(pl), host.Apf.ExecutingRequests(pl), host.Apf.SeatsInUse(pl)));
    }

    [Fact]
    public void The_smallest_virtual_finish_is_found_whichever_64_queue_word_holds_it()
    {
        // 128 queues, hand size 1: each flow has one queue. Requests of equal work arrive one second apart while
        // the only seat is busy, so their virtual finish times are in arrival order, and so is their dispatch.
        var config = ApfFixtures.OneLevel(shares: 1, queues: 128, handSize: 1);
        var host = new ApfTestHost().Start(config, 6);
        int pl = config.PriorityLevelIndex("test");
        host.Send(0, FlowIn(pl, 128, 1, 5), OneSeat, S(10));
        host.QueueWaitLimit = S(59);
        int[] queues = [127, 64, 63, 70, 3, 0, 65];
        for (int i = 0; i < queues.Length; i++)
        {
            host.RunFor(1);
            host.Send(i + 1, FlowIn(pl, 128, 1, queues[i]), OneSeat, S(1));
        }
        host.RunFor(30);
        for (int i = 0; i < queues.Length; i++)
            Assert.True(S(10 + i) == host.DispatchedAt[i + 1], $"the request in queue {queues[i]} ran at {SimTime.ToSeconds(host.DispatchedAt[i + 1])} s, not {10 + i} s");
        Assert.Equal(0, host.RejectCount);
    }

    /// <summary>A classification whose flow's hand (of <paramref name="hand"/> among <paramref name="queues"/>) starts at <paramref name="queue"/>.</summary>
    private static Classification FlowIn(int pl, int queues, int hand, int queue)
    {
        var dealt = new int[hand];
        for (ulong h = 0; ; h++)
        {
            ShuffleShardDealer.Deal(h, queues, dealt);
            if (dealt[0] == queue) return new Classification(pl, 0, h, Exempt: false);
        }
    }
}
