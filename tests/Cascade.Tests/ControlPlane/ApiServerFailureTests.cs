using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Samples;
using static Cascade.Tests.ControlPlane.ApiServerRig;

namespace Cascade.Tests.ControlPlane;

/// <summary>The API servers when something is wrong: probes that fail for a reason, timeouts in each phase, fan-out of replicas that died, and the books kept meanwhile.</summary>
public class ApiServerFailureTests
{
    [Fact]
    public void A_set_may_have_at_most_64_replica_slots()
    {
        var sim = new Simulation(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ApiServerSet(sim, "c", Config(maxReplicas: 65), new ResourceRegistry(), new Timeline()));
        Assert.Equal(64, new ApiServerSet(sim, "c", Config(maxReplicas: 64), new ResourceRegistry(), new Timeline()).ReplicaSlots);
    }

    [Fact]
    public void A_replica_too_busy_to_answer_its_probe_in_time_is_restarted_and_the_timeline_says_why()
    {
        // 5 s of fixed work a request, 1 core: with three requests running the probe's share takes 20 s, over its 15 s timeout.
        var rig = new ApiServerRig(livenessThreshold: 1, cpuCores: 1, baseCpu: SimTime.FromSeconds(5));
        var caller = new Caller();
        for (int i = 0; i < 3; i++) rig.Api.Send(rig.Client(), rig.Call("get", resourceVersion: "0"), caller, i);
        rig.RunFor(10.5);
        Assert.Equal(1, rig.Api.LivenessRestarts);
        Assert.EndsWith("failed 1 times in a row (too busy to answer)", Assert.Single(rig.Timeline.Entries, e => e.Kind == "liveness-restart").Message);
        Assert.All(caller.Answers, a => Assert.Equal(RequestOutcome.Unavailable, a.Outcome));
        Assert.Equal(3, caller.Answers.Count);
    }

    [Fact]
    public void Two_busy_requests_leave_the_probe_its_time()
    {
        var rig = new ApiServerRig(livenessThreshold: 1, cpuCores: 1, baseCpu: SimTime.FromSeconds(5));
        var caller = new Caller();
        for (int i = 0; i < 2; i++) rig.Api.Send(rig.Client(), rig.Call("get", resourceVersion: "0"), caller, i);
        rig.RunFor(10.5); // (2 + 1) × 5 s = 15 s: exactly the timeout, still a pass
        Assert.Equal(0, rig.Api.LivenessRestarts);
    }

    [Fact]
    public void A_replica_whose_etcd_answers_its_probe_too_slowly_is_restarted()
    {
        // Each range takes 1 s of etcd's 2 cores; with three in flight the probe's key takes 2 s: the limit. Four: over it.
        var rig = new ApiServerRig(minor: 30, livenessThreshold: 1, etcdRequest: SimTime.FromSeconds(1) - 601 + EtcdRequest);
        var caller = new Caller();
        rig.RunFor(9);
        for (int i = 0; i < 4; i++) rig.Api.Send(rig.Client(), rig.Call("get"), caller, i);
        rig.RunFor(1.5);
        Assert.Equal(1, rig.Api.LivenessRestarts);
        Assert.EndsWith("(etcd answers too slowly)", Assert.Single(rig.Timeline.Entries, e => e.Kind == "liveness-restart").Message);
        var calm = new ApiServerRig(minor: 30, livenessThreshold: 1, etcdRequest: SimTime.FromSeconds(1) - 601 + EtcdRequest);
        calm.RunFor(9);
        for (int i = 0; i < 3; i++) calm.Api.Send(calm.Client(), calm.Call("get"), caller, i);
        calm.RunFor(1.5);
        Assert.Equal(0, calm.Api.LivenessRestarts);
    }

    [Fact]
    public void A_failed_probe_followed_by_a_good_one_starts_the_count_again()
    {
        var rig = new ApiServerRig(livenessThreshold: 2);
        rig.Api.Etcd.KillMembers(0, SimTime.FromSeconds(15)); // down for the probe at 10 s, back for the one at 20 s
        rig.RunFor(35);
        rig.Api.Etcd.KillMembers(0, SimTime.FromSeconds(15)); // down for the probe at 40 s, back for 50 s
        rig.RunFor(30);
        Assert.Equal(0, rig.Api.LivenessRestarts);
    }

    [Fact]
    public void A_restarted_replica_is_probed_again_and_a_replica_stopped_for_good_no_more()
    {
        var rig = new ApiServerRig(livenessThreshold: 1, replicas: 2);
        rig.Api.StopReplica(1, 0, "gone");
        rig.Api.Etcd.KillMembers(0, SimTime.FromMinutes(10));
        rig.RunFor(10.5);
        Assert.Equal(1, rig.Api.LivenessRestarts); // replica 0 only
        rig.RunFor(30 + 10);                        // back at 40.5 s; probed at 50.5 s, etcd still down
        Assert.Equal(2, rig.Api.LivenessRestarts);
        Assert.Equal(["apiserver-0", "apiserver-0"], rig.Timeline.Entries.Where(e => e.Kind == "liveness-restart").Select(e => e.Message.Split(' ')[0]));
        rig.RunFor(39); // killed at 50 s, again within 10 min: 30 s restart + 10 s back-off
        Assert.False(rig.Api.ReplicaUp(0));
        rig.RunFor(1);
        Assert.True(rig.Api.ReplicaUp(0));
    }

    [Fact]
    public void A_request_running_on_the_cpu_at_its_deadline_is_stopped_there_with_a_504()
    {
        var rig = new ApiServerRig(cpuCores: 1, baseCpu: SimTime.FromSeconds(70));
        var get = rig.Call("get", resourceVersion: "0");
        var a = rig.Once(get);
        Assert.Equal((RequestOutcome.ServerTimeout, SimTime.FromSeconds(60)), (a.Outcome, a.LatencyTicks));
        rig.RunFor(20); // its CPU work was taken away: nothing finishes at 70 s
        Assert.Equal((1, 0), (rig.Api.Metrics.TimedOut, rig.Api.Metrics.Completed));
        Assert.Equal(0, rig.Api.InFlight);
    }

    [Fact]
    public void A_request_waiting_for_a_cold_cache_before_131_times_out_with_a_504_and_leaves_no_waiter()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Api.Etcd.KillMembers(0, SimTime.FromMinutes(5)); // every cache re-initialises and cannot until etcd is back
        var list = rig.Call("list", resourceVersion: InformerCalls.LastSynced);
        var a = rig.Once(list);
        Assert.Equal((RequestOutcome.ServerTimeout, SimTime.FromSeconds(60)), (a.Outcome, a.LatencyTicks));
        rig.RunFor(300);
        Assert.True(rig.Api.CacheReady(0, rig.Pods.Index));
        Assert.Equal(1, list.Dispatched);
        Assert.Equal(0, list.CpuTicksDemanded);
        rig.Api.CheckAccounting();
    }

    [Fact]
    public void A_client_that_gave_up_on_a_queued_watch_gets_no_watch_opened_for_it()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Api.Etcd.KillMembers(0, SimTime.FromSeconds(5));
        var caller = new Caller();
        rig.Api.Send(rig.Client(timeoutTicks: SimTime.FromSeconds(1)), rig.Call("watch"), caller, 1);
        rig.RunFor(30);
        Assert.Equal([RequestOutcome.ClientTimeout], caller.Answers.Select(x => x.Outcome));
        Assert.Equal(0, rig.Api.WatchCount(0, rig.Pods.Index));
        // It waited for the watch cache to be fresh, which ends with its context: a 504 nobody reads.
        Assert.Equal((0L, 1L), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut));
    }

    [Fact]
    public void A_client_that_gave_up_on_a_paginated_list_stops_after_the_page_in_flight()
    {
        var rig = new ApiServerRig(minor: 30);
        var list = rig.Call("list", limit: 100);
        var caller = new Caller();
        rig.Api.Send(rig.Client(timeoutTicks: 20_000), list, caller, 1);
        rig.RunFor(5);
        Assert.Equal(RequestOutcome.ClientTimeout, Assert.Single(caller.Answers).Outcome);
        Assert.Equal(1, list.Dispatched); // pages of 100 take 26.6 ms each: the first was in flight, no other follows
    }

    [Fact]
    public void Every_replica_serving_decodes_each_write_and_one_that_is_down_does_not()
    {
        var rig = new ApiServerRig(replicas: 3);
        rig.Api.StopReplica(2, 0, "gone");
        rig.Once(rig.Call("create", ns: "ops"));
        rig.RunFor(1);
        Assert.Equal(2 * DecodePod, rig.Api.FanOutCoreSeconds * SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void A_replica_that_dies_before_its_fan_out_window_forgets_that_work()
    {
        var rig = new ApiServerRig(replicas: 2);
        for (int i = 0; i < 2; i++) rig.Once(rig.Call("watch"), rig.Client());
        rig.Once(rig.Call("create", ns: "ops"));
        rig.Api.StopReplica(0, SimTime.FromMilliseconds(10), "test");
        rig.Api.StopReplica(1, SimTime.FromMilliseconds(10), "test");
        rig.RunFor(1);
        Assert.Equal(0, rig.Api.FanOutCoreSeconds);
        rig.Once(rig.Call("create", ns: "ops"));
        rig.RunFor(1);
        Assert.Equal(2 * DecodePod, rig.Api.FanOutCoreSeconds * SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void Etcds_answers_are_timed_by_operation_and_apfs_waits_by_level()
    {
        var rig = new ApiServerRig(minor: 30);
        var get = rig.Call("get");
        rig.Once(get);
        rig.Once(rig.Call("list"));
        rig.Once(rig.Call("create", ns: "ops"));
        rig.Api.StopReplica(0, 1, "restart"); // its caches' two LISTs from etcd
        rig.RunFor(10);
        var s = rig.Api.Metrics.Samples[0];
        Assert.Equal(1, s.EtcdRequestDuration.RowCount((int)EtcdOperation.Get));
        Assert.Equal(3, s.EtcdRequestDuration.RowCount((int)EtcdOperation.List));
        Assert.Equal(1, s.EtcdRequestDuration.RowCount((int)EtcdOperation.Create));
        Assert.Equal(SimTime.ToSeconds(EtcdRangeOfPods(1)) + SimTime.ToSeconds(EtcdWrite), s.EtcdRequestDuration.SumSeconds((int)EtcdOperation.Get) + s.EtcdRequestDuration.SumSeconds((int)EtcdOperation.Create), 9);
        int level = get.Classification.PriorityLevel;
        Assert.Equal(3, s.FlowControlWait.RowCount(level * 2 + 1));
        Assert.Equal(0, s.FlowControlWait.RowCount(level * 2));
        Assert.True(s.EtcdCpuSeconds > 0);
        Assert.Equal(s.EtcdCpuSeconds, rig.Api.Etcd.BusyCoreTicks / SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void Each_second_the_sample_takes_the_replicas_memory_and_etcds()
    {
        var rig = new ApiServerRig(replicas: 2);
        rig.RunFor(10.5);
        var s = rig.Api.Metrics.Samples[0];
        long warm = BaseMemory + 2 * (1000 * PodBytes + 10 * NodeBytes);
        Assert.Equal([warm, warm], s.MemoryBytesByReplica);
        Assert.Equal(GiB, s.EtcdMemoryBytes);
        Assert.Equal(GiB, rig.Api.Metrics.EtcdPeakMemoryBytes);
        Assert.Equal(0, rig.Api.Metrics.PeakSeatUtilization);
    }

    [Fact]
    public void The_accounting_check_counts_requests_at_the_server_and_not_the_caches_own_lists()
    {
        var rig = new ApiServerRig(minor: 30);
        var caller = new Caller();
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        rig.Api.Send(rig.Client(), rig.Call("list", resourceVersion: InformerCalls.LastSynced), caller, 1); // waits for the cache
        rig.Api.Send(rig.Client(), rig.Call("get"), caller, 2);                                            // in etcd
        rig.Api.Send(rig.Client(qps: 1, burst: 1), rig.Call("get"), caller, 3);
        rig.Sim.Run(untilTicks: 100);
        Assert.Equal(3, rig.Api.InFlight);
        rig.Api.CheckAccounting();
        rig.RunFor(5);
        Assert.Equal(0, rig.Api.InFlight);
        rig.Api.CheckAccounting();
    }
}
