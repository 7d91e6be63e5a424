using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using static Cascade.Tests.ControlPlane.ApiServerRig;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// One request at a time through a hand-built control plane (<see cref="ApiServerRig"/>): where it is served, what
/// it costs to the tick, and how it ends when something is in its way.
/// </summary>
public class ApiServerRequestTests
{
    [Fact]
    public void A_get_from_etcd_pays_one_keys_range_then_decode_and_encode_of_the_object()
    {
        var rig = new ApiServerRig(minor: 30);
        var get = rig.Call("get");
        var a = rig.Once(get);
        Assert.Equal(RequestOutcome.Ok, a.Outcome);
        Assert.Equal(EtcdRangeOfPods(1), get.EtcdTicksDemanded);
        Assert.Equal(BaseCpu + DecodePod + EncodePod, get.CpuTicksDemanded);
        Assert.Equal(EtcdRangeOfPods(1) + BaseCpu + DecodePod + EncodePod, a.LatencyTicks);
        Assert.Equal(1, get.Dispatched);
        Assert.Equal((1, 1, 0), (rig.Api.Metrics.Issued, rig.Api.Metrics.Completed, rig.Api.Metrics.Rejected));
        Assert.Equal(0, rig.Api.InFlight);
    }

    [Fact]
    public void A_get_at_resource_version_0_is_served_by_the_watch_cache_without_touching_etcd()
    {
        var rig = new ApiServerRig();
        var get = rig.Call("get", resourceVersion: "0");
        var a = rig.Once(get);
        Assert.Equal((RequestOutcome.Ok, BaseCpu + EncodePod), (a.Outcome, a.LatencyTicks));
        Assert.Equal(0, get.EtcdTicksDemanded);
    }

    [Fact]
    public void While_its_cache_initialises_after_a_restart_a_replica_sends_a_get_at_resource_version_0_to_etcd()
    {
        var rig = new ApiServerRig();
        Assert.True(rig.Api.StopReplica(0, 1, "restarted by a test"));
        rig.Sim.Run(untilTicks: 1);
        Assert.True(rig.Api.ReplicaUp(0));
        Assert.False(rig.Api.CacheReady(0, rig.Pods.Index));
        var get = rig.Call("get", resourceVersion: "0");
        rig.Once(get);
        Assert.Equal(EtcdRangeOfPods(1), get.EtcdTicksDemanded);
        rig.RunFor(5);
        Assert.True(rig.Api.CacheReady(0, rig.Pods.Index));
        var again = rig.Call("get", resourceVersion: "0");
        rig.Once(again);
        Assert.Equal(0, again.EtcdTicksDemanded);
    }

    [Fact]
    public void A_list_of_every_pod_costs_the_cache_its_scan_and_etcd_a_range_and_a_decode_of_every_pod()
    {
        // From the cache: fixed work, a scan of 1,000 pods and the encoding of all of them.
        var rig = new ApiServerRig(minor: 30);
        var cached = rig.Call("list", resourceVersion: "0");
        var c = rig.Once(cached);
        Assert.Equal(BaseCpu + 1000 + 1000 * EncodePod, c.LatencyTicks);
        Assert.Equal((0L, BaseCpu + 1000 + 1000 * EncodePod), (cached.EtcdTicksDemanded, cached.CpuTicksDemanded));
        Assert.Equal((1, 0), (rig.Api.Metrics.ListsFromCache, rig.Api.Metrics.ListsFromEtcd));

        // A consistent read before 1.31: a range over every pod, decoded, then encoded.
        var fromEtcd = rig.Call("list", resourceVersion: "");
        var e = rig.Once(fromEtcd);
        Assert.Equal(EtcdRangeOfPods(1000), fromEtcd.EtcdTicksDemanded);
        Assert.Equal(BaseCpu + 1000 * (DecodePod + EncodePod), fromEtcd.CpuTicksDemanded);
        Assert.Equal(EtcdRangeOfPods(1000) + BaseCpu + 1000 * (DecodePod + EncodePod), e.LatencyTicks);
        Assert.Equal((1, 1), (rig.Api.Metrics.ListsFromCache, rig.Api.Metrics.ListsFromEtcd));
        Assert.Equal(2, rig.Api.Metrics.Lists);
    }

    [Fact]
    public void From_131_a_consistent_list_is_served_by_the_watch_cache()
    {
        var rig = new ApiServerRig(minor: 31);
        var list = rig.Call("list", resourceVersion: "");
        rig.Once(list);
        Assert.Equal(0, list.EtcdTicksDemanded);
        Assert.Equal(1, rig.Api.Metrics.ListsFromCache);
    }

    [Fact]
    public void A_selective_list_from_the_cache_encodes_only_the_matches_and_scans_only_them_with_an_index()
    {
        var rig = new ApiServerRig();
        var scanned = rig.Call("list", resourceVersion: "0", selector: true, selectivity: 0.01);
        var indexed = rig.Call("list", resourceVersion: "0", selector: true, selectivity: 0.01, indexed: true);
        Assert.Equal(BaseCpu + 1000 + 10 * EncodePod, rig.Once(scanned).LatencyTicks);
        Assert.Equal(BaseCpu + 10 + 10 * EncodePod, rig.Once(indexed).LatencyTicks);
    }

    [Fact]
    public void A_selective_list_from_etcd_decodes_every_pod_but_encodes_only_the_matches()
    {
        var rig = new ApiServerRig(minor: 30);
        var list = rig.Call("list", resourceVersion: "", selector: true, selectivity: 0.01);
        rig.Once(list);
        Assert.Equal(BaseCpu + 1000 * DecodePod + 10 * EncodePod, list.CpuTicksDemanded);
    }

    [Fact]
    public void A_paginated_list_from_etcd_follows_its_continue_token_page_by_page()
    {
        // 1,000 pods in pages of 400: 400, 400, 200, each a range of its own and a request of its own.
        var rig = new ApiServerRig(minor: 30);
        var list = rig.Call("list", resourceVersion: "", limit: 400);
        var a = rig.Once(list);
        Assert.Equal(RequestOutcome.Ok, a.Outcome);
        Assert.Equal(3, list.Dispatched);
        Assert.Equal(2 * EtcdRangeOfPods(400) + EtcdRangeOfPods(200), list.EtcdTicksDemanded);
        Assert.Equal(3 * BaseCpu + 1000 * (DecodePod + EncodePod), list.CpuTicksDemanded);
        Assert.Equal(list.EtcdTicksDemanded + list.CpuTicksDemanded, a.LatencyTicks);
        Assert.Equal((3, 3, 3), (rig.Api.Metrics.Issued, rig.Api.Metrics.ListsFromEtcd, rig.Api.Metrics.Lists));
    }

    [Fact]
    public void A_paginated_list_with_a_selector_fills_each_page_with_matches_so_a_narrow_one_is_one_request()
    {
        // kube-apiserver reads etcd until a page holds `limit` matches (storage/etcd3/store.go GetList). 10 of 1,000
        // pods match, so a limit of 400 is never reached: one page, costing what the unpaginated LIST costs but for a
        // second etcd range's fixed part (400 keys, then the 600 left of a range of 800).
        var rig = new ApiServerRig(minor: 30);
        var paged = rig.Call("list", resourceVersion: "", selector: true, selectivity: 0.01, limit: 400);
        var whole = rig.Call("list", resourceVersion: "", selector: true, selectivity: 0.01);
        var a = rig.Once(paged);
        var b = rig.Once(whole);
        Assert.Equal((1L, 1L), (paged.Dispatched, whole.Dispatched));
        Assert.Equal((whole.EtcdTicksDemanded + EtcdRequest, whole.CpuTicksDemanded, b.LatencyTicks + EtcdRequest),
            (paged.EtcdTicksDemanded, paged.CpuTicksDemanded, a.LatencyTicks));
        Assert.Equal((EtcdRangeOfPods(1000), BaseCpu + 1000 * DecodePod + 10 * EncodePod), (whole.EtcdTicksDemanded, whole.CpuTicksDemanded));

        // Half of the pods match: a page of 200 matches reads 400 pods in two ranges of 200. 400, 400 and 200 read;
        // 200, 200 and 100 returned.
        var half = rig.Call("list", resourceVersion: "", selector: true, selectivity: 0.5, limit: 200);
        rig.Once(half);
        Assert.Equal(3, half.Dispatched);
        Assert.Equal(2 * (EtcdRangeOfPods(400) + EtcdRequest) + EtcdRangeOfPods(200), half.EtcdTicksDemanded);
        Assert.Equal(3 * BaseCpu + 1000 * DecodePod + 500 * EncodePod, half.CpuTicksDemanded);
    }

    [Fact]
    public void A_paginated_list_that_fits_one_page_is_one_request_and_the_cache_ignores_the_limit()
    {
        var rig = new ApiServerRig(minor: 30);
        var exact = rig.Call("list", resourceVersion: "", limit: 1000);
        rig.Once(exact);
        Assert.Equal(1, exact.Dispatched);
        var cached = rig.Call("list", resourceVersion: "0", limit: 400);
        rig.Once(cached);
        Assert.Equal((1L, 0L), (cached.Dispatched, cached.EtcdTicksDemanded));
        Assert.Equal(BaseCpu + 1000 + 1000 * EncodePod, cached.CpuTicksDemanded);
    }

    [Fact]
    public void A_write_runs_its_admission_and_encoding_on_the_api_server_then_commits_in_etcd()
    {
        var rig = new ApiServerRig();
        var create = rig.Call("create", ns: "ops");
        var a = rig.Once(create);
        long cpu = BaseCpu + MutatingCpu + 2 * EncodePod;
        Assert.Equal((RequestOutcome.Ok, cpu + EtcdWrite), (a.Outcome, a.LatencyTicks));
        Assert.Equal((cpu, 0L), (create.CpuTicksDemanded, create.EtcdTicksDemanded));
    }

    [Fact]
    public void An_eviction_reads_the_pod_and_its_budget_from_etcd_before_the_delete()
    {
        var rig = new ApiServerRig();
        var evict = rig.Call("create", "pods/eviction", ns: "ops");
        var a = rig.Once(evict);
        long read = EtcdRequest + 2 + 2 * PodBytes / 100;
        long cpu = BaseCpu + MutatingCpu + 2 * EncodePod + 2 * DecodePod;
        Assert.Equal((read, cpu), (evict.EtcdTicksDemanded, evict.CpuTicksDemanded));
        Assert.Equal(read + cpu + EtcdWrite, a.LatencyTicks);
    }

    [Fact]
    public void Pods_log_reads_the_pod_without_encoding_it_and_holds_no_seat()
    {
        var rig = new ApiServerRig();
        var log = rig.Call("get", "pods/log", ns: "ops");
        Assert.True(log.Classification.Exempt);
        Assert.Equal((VerbClass.Get, "get"), (log.Class, log.Verb));
        rig.Once(log);
        Assert.Equal((EtcdRangeOfPods(1), BaseCpu + DecodePod), (log.EtcdTicksDemanded, log.CpuTicksDemanded));
    }

    [Fact]
    public void A_watch_opens_on_the_replica_and_closing_it_takes_it_away()
    {
        var rig = new ApiServerRig();
        var watch = rig.Call("watch", resourceVersion: InformerCalls.LastSynced);
        var a = rig.Once(watch);
        Assert.Equal((RequestOutcome.Ok, BaseCpu), (a.Outcome, a.LatencyTicks));
        Assert.Equal(new WatchHandle(0, 0, 0), a.Watch);
        Assert.Equal(1, rig.Api.WatchCount(0, rig.Pods.Index));
        Assert.Equal(0, rig.Api.WatchCount(0, rig.Nodes.Index));
        Assert.Equal(1, rig.Api.Metrics.Completed);
        rig.Api.CloseWatch(a.Watch);
        Assert.Equal(0, rig.Api.WatchCount(0, rig.Pods.Index));
        rig.Api.CloseWatch(WatchHandle.None);
    }

    [Fact]
    public void A_watch_list_streams_every_pod_from_the_cache_before_it_watches()
    {
        var rig = new ApiServerRig();
        var watchList = rig.Call("watch", initialEvents: true);
        var a = rig.Once(watchList);
        Assert.Equal(BaseCpu + 1000 + 1000 * EncodePod, a.LatencyTicks);
        Assert.False(a.Watch.IsNone);
    }

    [Fact]
    public void A_handle_from_before_a_replica_died_closes_nothing_on_its_next_life()
    {
        var rig = new ApiServerRig();
        var caller = new Caller();
        var old = rig.Once(rig.Call("watch"), caller: caller).Watch;
        rig.Api.StopReplica(0, 1, "restart");
        Assert.Equal([7L], caller.Broken);
        rig.Sim.Run(untilTicks: rig.Sim.Now + 1);
        rig.RunFor(5);
        var fresh = rig.Once(rig.Call("watch")).Watch;
        Assert.Equal((0, 1), (fresh.Id, fresh.Life));
        rig.Api.CloseWatch(old with { Id = fresh.Id });
        Assert.Equal(1, rig.Api.WatchCount(0, rig.Pods.Index));
    }

    [Fact]
    public void A_write_is_sent_to_every_watcher_of_its_resource_and_costs_the_replica_the_fan_out()
    {
        var rig = new ApiServerRig();
        for (int i = 0; i < 3; i++) rig.Once(rig.Call("watch"));
        rig.Once(rig.Call("watch", "nodes"));
        rig.Once(rig.Call("create", ns: "ops"));
        Assert.Equal((3L, 3 * PodBytes), (rig.Api.Metrics.WatchEventsSent, rig.Api.Metrics.WatchBytesSent));
        rig.RunFor(1);
        // Decode once, encode once, then per watcher a hand-off (10 µs) and its bytes at 1 GB/s (10 µs).
        Assert.Equal(DecodePod + EncodePod + 3 * (10 + 10), rig.Api.FanOutCoreSeconds * SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void A_write_to_one_object_is_heard_by_its_own_watchers_and_the_unselective_ones_only()
    {
        var rig = new ApiServerRig();
        int a = rig.Api.WatchKey("svc-a"), b = rig.Api.WatchKey("svc-b");
        Assert.Equal((1, 2, 1), (a, b, rig.Api.WatchKey("svc-a")));
        rig.Once(rig.Call("watch", "endpoints", watchKey: a));
        rig.Once(rig.Call("watch", "endpoints", watchKey: b));
        rig.Once(rig.Call("watch", "endpoints"));
        rig.Once(rig.Call("update", "endpoints", ns: "ops", watchKey: a, objectBytes: 7_000));
        Assert.Equal((2L, 14_000L), (rig.Api.Metrics.WatchEventsSent, rig.Api.Metrics.WatchBytesSent));
        rig.RunFor(1);
        // Decoded and encoded once, handed to all three, sent to two: 70 + 35 + 3 × 10 + 2 × 7 µs.
        Assert.Equal(70 + 35 + 30 + 14, rig.Api.FanOutCoreSeconds * SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void A_write_nobody_watches_is_only_decoded()
    {
        var rig = new ApiServerRig();
        rig.Once(rig.Call("create", ns: "ops"));
        rig.RunFor(1);
        Assert.Equal(0, rig.Api.Metrics.WatchEventsSent);
        Assert.Equal(DecodePod, rig.Api.FanOutCoreSeconds * SimTime.TicksPerSecond, 6);
    }

    [Fact]
    public void Fan_out_takes_at_most_95_percent_of_the_cores_a_window_and_carries_the_rest_over()
    {
        // 1 core; 5 writes of a 10 MB object to 100 watchers: each 0.1 s decode + 0.05 s encode + 100 × (10 µs + 10 ms) = 1.151 s.
        var rig = new ApiServerRig(cpuCores: 1);
        var caller = new Caller();
        var client = rig.Client();
        var watch = rig.Call("watch");
        for (int i = 0; i < 100; i++) rig.Api.Send(client, watch, caller, i);
        rig.RunUntil(() => caller.Answers.Count == 100);
        var create = rig.Call("create", ns: "ops", objectBytes: 10_000_000);
        for (int i = 0; i < 5; i++) rig.Api.Send(client, create, caller, i);
        rig.RunFor(1);
        double before = rig.Api.FanOutCoreSeconds;
        rig.RunFor(1);
        Assert.Equal(0.95, rig.Api.FanOutCoreSeconds - before, 9);
        rig.RunFor(60);
        Assert.Equal(5 * 1.151, rig.Api.FanOutCoreSeconds, 9);
    }

    [Fact]
    public void A_watch_from_a_version_older_than_the_caches_history_is_answered_410_expired()
    {
        var rig = new ApiServerRig();
        rig.RunFor(100);
        var watch = rig.Call("watch", resourceVersion: InformerCalls.LastSynced);
        var caller = new Caller();
        rig.Api.Send(rig.Client(), watch, caller, 1, rig.Sim.Now - SimTime.FromSeconds(76));
        rig.Api.Send(rig.Client(), watch, caller, 2, rig.Sim.Now - SimTime.FromSeconds(74));
        rig.RunUntil(() => caller.Answers.Count == 2);
        Assert.Equal([RequestOutcome.Expired, RequestOutcome.Ok], caller.Answers.OrderBy(x => x.Tag).Select(x => x.Outcome));
        Assert.Equal(2, rig.Api.Metrics.Completed);
        Assert.Equal(1, rig.Api.WatchCount(0, rig.Pods.Index));
    }

    [Fact]
    public void With_no_replica_serving_a_request_is_refused_after_a_round_trip()
    {
        var rig = new ApiServerRig();
        rig.Api.StopReplica(0, 0, "gone");
        var a = rig.Once(rig.Call("get"));
        Assert.Equal((RequestOutcome.Unavailable, SimTime.FromMilliseconds(1)), (a.Outcome, a.LatencyTicks));
        Assert.Equal((1, 1, 1), (rig.Api.Metrics.Issued, rig.Api.Metrics.Rejected, rig.Api.Metrics.RejectedUnavailable));
        Assert.Equal(0, rig.Api.InFlight);
    }

    /// <summary>
    /// A refused attempt fails the error window (ApiserverErrorRate) only if it is not exempt: system:masters' requests
    /// are left out of it, as they are when served.
    /// </summary>
    [Fact]
    public void A_refused_exempt_request_is_left_out_of_the_error_window_and_a_refused_other_is_not()
    {
        var rig = new ApiServerRig();
        rig.Once(rig.Call("get"));
        rig.Api.StopReplica(0, 0, "gone");
        var admin = rig.Call("get", user: "admin", groups: [ApfDefaults.SystemMasters, ApfDefaults.SystemAuthenticated]);
        Assert.True(admin.Classification.Exempt);
        Assert.Equal(RequestOutcome.Unavailable, rig.Once(admin).Outcome);
        Assert.Equal(RequestOutcome.Unavailable, rig.Once(rig.Call("get")).Outcome);
        rig.RunFor(10);
        // Of the two non-exempt requests, one served and one refused; the refused exempt one counts in neither.
        Assert.Equal(0.5, rig.Api.Metrics.Samples[^1].WindowFailureRatio, 12);
        Assert.Equal(2, rig.Api.Metrics.RejectedUnavailable);
    }

    [Fact]
    public void A_client_cut_off_by_the_network_never_reaches_an_api_server()
    {
        var rig = new ApiServerRig();
        var client = rig.Client();
        client.Blocked = true;
        var a = rig.Once(rig.Call("get"), client);
        Assert.Equal((RequestOutcome.Unavailable, 0L), (a.Outcome, a.LatencyTicks));
        Assert.Equal((0, 1), (rig.Api.Metrics.Issued, rig.Api.Metrics.BlockedAttempts));
    }

    [Fact]
    public void A_blocked_client_with_a_timeout_hears_nothing_until_it_gives_up()
    {
        var rig = new ApiServerRig();
        var client = rig.Client(timeoutTicks: SimTime.FromSeconds(5));
        client.Blocked = true;
        var a = rig.Once(rig.Call("get"), client);
        Assert.Equal((RequestOutcome.ClientTimeout, SimTime.FromSeconds(5)), (a.Outcome, a.LatencyTicks));
        Assert.Equal(1, rig.Api.Metrics.ClientTimeouts);
    }

    [Fact]
    public void A_client_that_stops_waiting_hears_its_timeout_once_and_never_the_late_answer()
    {
        var rig = new ApiServerRig(minor: 30);
        var caller = new Caller();
        var list = rig.Call("list");
        rig.Api.Send(rig.Client(timeoutTicks: 100_000), list, caller, 3);
        rig.RunFor(5);
        Assert.Equal([new Answer(3, RequestOutcome.ClientTimeout, 100_000, WatchHandle.None)], caller.Answers);
        // A range over etcd stops as its context ends: a 504 the client never reads, not a completion.
        Assert.Equal((0L, 1L, 1L), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut, rig.Api.Metrics.ClientTimeouts));
        Assert.Equal(EtcdRangeOfPods(1000), list.EtcdTicksDemanded); // what it asked of etcd when it started
    }

    [Theory]
    [InlineData("", 0.1, 0L, 1L)]  // from etcd: the range (5 s) stops as the context ends
    [InlineData("", 7.0, 0L, 1L)]  // from etcd, given up while what etcd returned is decoded (5 s to 12.5 s): the decode stops
    [InlineData("0", 0.1, 1L, 0L)] // from the watch cache: nothing checks the context while the items are encoded
    public void An_executing_list_whose_client_gives_up_stops_only_where_its_context_is_checked(string resourceVersion, double timeoutSeconds,
        long completed, long timedOut)
    {
        var rig = new ApiServerRig(minor: 30, pods: 50_000);
        var caller = new Caller();
        rig.Api.Send(rig.Client(timeoutTicks: SimTime.FromSeconds(timeoutSeconds)), rig.Call("list", resourceVersion: resourceVersion), caller, 3);
        rig.RunFor(timeoutSeconds + 0.1);
        Assert.Equal([RequestOutcome.ClientTimeout], caller.Answers.Select(a => a.Outcome));
        Assert.Equal(timedOut, rig.Api.Metrics.TimedOut);
        Assert.Equal(1 - timedOut, rig.Api.InFlight); // the cache's LIST still holds its seats
        rig.RunFor(30);
        Assert.Equal((completed, timedOut), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut));
        Assert.Single(caller.Answers);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(12.0)]
    public void Seats_of_lists_whose_client_gave_up_serve_the_request_queued_behind_them(double hogTimeoutSeconds)
    {
        // The twelve LISTs of Behind range over etcd from 10 s for about 20 s. A GET queued behind them at 10 s waits for
        // a seat; when their client gives up at 12 s, the ranges stop and the GET is served then, where otherwise it is
        // turned away at its queue-wait limit (25 s) while they still range.
        var (rig, apf, level, caller) = Behind(waiting: 1, timeoutSeconds: 0, hogTimeoutSeconds: hogTimeoutSeconds);
        rig.RunFor(20);
        var answer = Assert.Single(caller.Answers);
        if (hogTimeoutSeconds == 0)
        {
            Assert.Equal(RequestOutcome.TooManyRequests, answer.Outcome);
            Assert.Equal(SimTime.FromSeconds(15), answer.LatencyTicks);
            Assert.Equal(0, rig.Api.Metrics.TimedOut);
        }
        else
        {
            Assert.Equal(RequestOutcome.Ok, answer.Outcome);
            Assert.InRange(answer.LatencyTicks, SimTime.FromSeconds(2), SimTime.FromSeconds(2.1));
            Assert.True(rig.Api.Metrics.TimedOut > 0);
            Assert.Equal(0, apf.SeatsInUse(level));
        }
    }

    [Fact]
    public void A_write_whose_client_gives_up_during_its_admission_is_never_committed()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Once(rig.Call("watch")); // a watcher of pods would see a commit
        var caller = new Caller();
        // Admission takes 3 ms of CPU: the client gives up after 2 ms, and the write it would send fails on the ended context.
        rig.Api.Send(rig.Client(timeoutTicks: 2_000), rig.Call("create", ns: "ops"), caller, 1);
        rig.RunFor(5);
        Assert.Equal([RequestOutcome.ClientTimeout], caller.Answers.Select(a => a.Outcome));
        Assert.Equal((1L, 1L, 0L), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut, rig.Api.Metrics.WatchEventsSent));
    }

    [Fact]
    public void A_write_whose_client_gives_up_while_etcd_commits_it_is_answered_at_once_and_still_commits()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Once(rig.Call("watch")); // a watcher of pods sees the write's event
        var create = rig.Call("create", ns: "ops");
        rig.Once(create);            // a write that commits while its client waits
        long completed = rig.Api.Metrics.Completed, events = rig.Api.Metrics.WatchEventsSent;
        Assert.Equal(1, events);
        // A member lost with the leader: no commit until a new leader is elected, 1–2 s on.
        rig.Api.Etcd.KillMembers(1, SimTime.FromSeconds(60));
        var caller = new Caller();
        rig.Api.Send(rig.Client(timeoutTicks: SimTime.FromSeconds(0.5)), create, caller, 1);
        rig.RunFor(0.6);
        // The handler's finisher answers 504 as the context ends, and the request's seats are free ...
        Assert.Equal([RequestOutcome.ClientTimeout], caller.Answers.Select(a => a.Outcome));
        Assert.Equal((completed, 1L, 0L), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut, rig.Api.InFlight));
        Assert.Equal(0, rig.Api.ReplicaDispatcher(0).SeatsInUse(create.Classification.PriorityLevel));
        Assert.Equal(events, rig.Api.Metrics.WatchEventsSent);
        Assert.Equal(1, rig.Api.RequestsInUse); // the commit's
        // ... while etcd, which has the write, commits it, and the watcher hears of it.
        rig.RunFor(5);
        Assert.Equal(events + 1, rig.Api.Metrics.WatchEventsSent);
        Assert.Equal(0, rig.Api.RequestsInUse);
        Assert.Equal((completed, 1L), (rig.Api.Metrics.Completed, rig.Api.Metrics.TimedOut));
        Assert.Single(caller.Answers);
        rig.Api.CheckAccounting();
    }

    /// <summary>
    /// One replica whose workload-low seats twelve LISTs of 50,000 pods from etcd hold from 10 s on (each ranging some
    /// 20 s, beside the others; those left queued give up at 15 s), and <paramref name="waiting"/> GETs of another flow
    /// sent at 10 s by a client that gives up after <paramref name="timeoutSeconds"/> (0: never) and does not retry a 429.
    /// </summary>
    private static (ApiServerRig Rig, ApfDispatcher Apf, int Level, Caller Caller) Behind(int waiting, double timeoutSeconds, double hogTimeoutSeconds = 0)
    {
        var rig = new ApiServerRig(minor: 30, pods: 50_000, seats: 10);
        var hog = rig.Call("list", user: "system:serviceaccount:ops:hog");
        for (int i = 0; i < 12; i++) rig.Api.Send(rig.Client(maxRetries: 0, timeoutTicks: SimTime.FromSeconds(hogTimeoutSeconds)), hog, new Caller(), 0);
        rig.RunFor(10); // the first borrowing adjustment lets most of them in
        var get = rig.Call("get");
        var client = rig.Client(timeoutTicks: SimTime.FromSeconds(timeoutSeconds), maxRetries: 0);
        var caller = new Caller();
        for (int i = 0; i < waiting; i++) rig.Api.Send(client, get, caller, i + 1);
        Assert.Equal(0, rig.Api.Metrics.Completed);
        return (rig, rig.Api.ReplicaDispatcher(0), get.Classification.PriorityLevel, caller);
    }

    [Fact]
    public void A_request_whose_client_gives_up_while_it_waits_in_its_queue_leaves_the_queue_then_as_a_cancelled_429()
    {
        var (rig, apf, level, caller) = Behind(waiting: 1, timeoutSeconds: 2);
        int hogs = apf.QueuedRequests(level) - 1;
        rig.RunFor(1.9);
        Assert.Equal(hogs + 1, apf.QueuedRequests(level));
        rig.RunFor(0.2);
        // queueset.go request.wait: the context ends with the client, decisionCancel ejects the request from its queue.
        Assert.Equal(hogs, apf.QueuedRequests(level));
        Assert.Equal([new Answer(1, RequestOutcome.ClientTimeout, SimTime.FromSeconds(2), WatchHandle.None)], caller.Answers);
        Assert.Equal((1L, 0L, 1L), (rig.Api.Metrics.RejectedCancelled, rig.Api.Metrics.RejectedQueueTimeOut, rig.Api.Metrics.ClientTimeouts));
        Assert.Equal(1, apf.Rejected(level, RejectReason.Cancelled));
        rig.RunFor(120);
        // Never dispatched nor answered again; only the LISTs that got seats completed.
        Assert.Single(caller.Answers);
        Assert.Equal((1L, 12L - hogs), (rig.Api.Metrics.RejectedCancelled, rig.Api.Metrics.Completed));
        Assert.Equal(rig.Api.Metrics.Issued, rig.Api.Metrics.Completed + rig.Api.Metrics.Rejected + rig.Api.Metrics.TimedOut + rig.Api.InFlight);
    }

    [Fact]
    public void A_request_whose_client_waits_longer_than_the_queue_stays_queued_until_the_queue_wait_limit()
    {
        foreach (double timeout in new[] { 0.0, 20 })
        {
            var (rig, apf, level, caller) = Behind(waiting: 1, timeoutSeconds: timeout);
            rig.RunFor(14.9);
            Assert.Equal(1, apf.QueuedRequests(level)); // the LISTs left queued gave up at 15 s
            rig.RunFor(0.2);
            Assert.Equal(0, apf.QueuedRequests(level));
            Assert.Equal([new Answer(1, RequestOutcome.TooManyRequests, SimTime.FromSeconds(15), WatchHandle.None)], caller.Answers);
            Assert.Equal(0, rig.Api.Metrics.RejectedCancelled);
        }
    }

    [Fact]
    public void Requests_whose_client_gave_up_free_their_places_in_the_queues_for_the_requests_after_them()
    {
        // 300 GETs of one flow fill its hand's 6 queues to their limit of 50 while the LISTs hold the seats. A 301st of
        // the same flow is turned away as queue-full while they wait; once their client has given up on them, it queues.
        foreach (double timeout in new[] { 0.0, 2 })
        {
            var (rig, apf, level, _) = Behind(waiting: 300, timeoutSeconds: timeout);
            rig.RunFor(3);
            int queued = apf.QueuedRequests(level);
            var late = new Caller();
            rig.Api.Send(rig.Client(maxRetries: 0), rig.Call("get"), late, 7);
            if (timeout == 0)
            {
                Assert.Equal([new Answer(7, RequestOutcome.TooManyRequests, 0, WatchHandle.None)], late.Answers);
                Assert.Equal(queued, apf.QueuedRequests(level));
                Assert.Equal(0, rig.Api.Metrics.RejectedCancelled);
            }
            else
            {
                Assert.Empty(late.Answers);
                Assert.Equal(queued + 1, apf.QueuedRequests(level));
                Assert.Equal((0L, 300L), (rig.Api.Metrics.RejectedQueueFull, rig.Api.Metrics.RejectedCancelled));
            }
        }
    }

    [Fact]
    public void A_client_timeout_while_waiting_for_a_token_drops_the_request_before_it_is_sent()
    {
        var rig = new ApiServerRig();
        var client = rig.Client(qps: 1, burst: 1, timeoutTicks: SimTime.FromSeconds(0.5));
        var caller = new Caller();
        var get = rig.Call("get", resourceVersion: "0");
        rig.Api.Send(client, get, caller, 1);
        rig.Api.Send(client, get, caller, 2);
        rig.RunFor(3);
        Assert.Equal([(1L, RequestOutcome.Ok), (2L, RequestOutcome.ClientTimeout)], caller.Answers.Select(x => (x.Tag, x.Outcome)));
        Assert.Equal(1, rig.Api.Metrics.Issued);
        Assert.Equal(1, get.Dispatched);
    }

    [Fact]
    public void Clients_with_the_same_timeout_share_a_deadline_queue_and_each_hears_its_own()
    {
        var rig = new ApiServerRig(minor: 30);
        var caller = new Caller();
        var list = rig.Call("list");
        rig.Api.Send(rig.Client(timeoutTicks: 100_000), list, caller, 1);
        rig.Api.Send(rig.Client(timeoutTicks: 200_000), list, caller, 2);
        rig.Api.Send(rig.Client(timeoutTicks: 100_000), list, caller, 3);
        rig.RunFor(5);
        Assert.Equal([(1L, 100_000L), (3L, 100_000L), (2L, 200_000L)], caller.Answers.Select(x => (x.Tag, x.LatencyTicks)));
        Assert.All(caller.Answers, x => Assert.Equal(RequestOutcome.ClientTimeout, x.Outcome));
    }

    [Theory]
    [InlineData(false)] // the server's own timeout: 60 s after the request arrived, etcd never having answered
    [InlineData(true)]  // its client's: a LIST over etcd given up after 0.1 s stops there
    public void A_504_is_timed_from_the_requests_arrival_to_its_end(bool clientGivesUp)
    {
        var rig = new ApiServerRig(minor: 30);
        rig.RunFor(2); // the request arrives at 2 s, not at 0: its latency is not its end's time
        if (!clientGivesUp) rig.Api.Etcd.KillMembers(0, SimTime.FromMinutes(10));
        var call = rig.Call(clientGivesUp ? "list" : "get");
        var a = rig.Once(call, rig.Client(timeoutTicks: clientGivesUp ? 100_000 : 0));
        rig.RunFor(2 * ApiServerMetrics.BucketSeconds); // the bucket it ended in is closed
        double expected = clientGivesUp ? 0.1 : 60;
        Assert.Equal(SimTime.FromSeconds(expected), a.LatencyTicks);
        var verb = clientGivesUp ? Cascade.Samples.ReportedVerb.List : Cascade.Samples.ReportedVerb.Get;
        var samples = rig.Api.Metrics.Samples;
        Assert.Equal(1, samples.Sum(s => s.RequestDuration.RowCount((int)verb)));
        Assert.Equal(expected, samples.Sum(s => s.RequestDuration.SumSeconds((int)verb)), 9);
        Assert.Equal(1, rig.Api.Metrics.TimedOut);
    }

    [Fact]
    public void A_request_etcd_never_answers_ends_in_a_504_at_the_request_timeout()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Api.Etcd.KillMembers(0, SimTime.FromMinutes(10));
        var a = rig.Once(rig.Call("get"));
        Assert.Equal((RequestOutcome.ServerTimeout, SimTime.FromSeconds(60)), (a.Outcome, a.LatencyTicks));
        Assert.Equal((1, 0), (rig.Api.Metrics.TimedOut, rig.Api.Metrics.Completed));
        Assert.Equal(2, rig.Api.Etcd.Jobs); // etcd let go of the GET: what waits are the two caches' own LISTs
        Assert.Equal(0, rig.Api.InFlight);
    }

    [Fact]
    public void From_131_a_cold_cache_answers_429_and_the_client_retries_after_one_second_until_it_is_ready()
    {
        var rig = new ApiServerRig(minor: 31);
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        var list = rig.Call("list", resourceVersion: "0", selector: true, selectivity: 0.01);
        var a = rig.Once(list);
        // The cache is ready after its own LIST: etcd's range and the decode of every pod (0.2 s), so the first retry is served.
        Assert.Equal(RequestOutcome.Ok, a.Outcome);
        Assert.Equal(2, list.Dispatched);
        Assert.Equal(SimTime.FromSeconds(1) + BaseCpu + 1000 + 10 * EncodePod, a.LatencyTicks);
        Assert.Equal(1, rig.Api.Metrics.RejectedConcurrencyLimit);
        Assert.Equal(0, list.EtcdTicksDemanded);
    }

    [Fact]
    public void From_131_a_cold_cache_sends_a_paginated_unfiltered_list_to_etcd()
    {
        var rig = new ApiServerRig(minor: 31);
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        var list = rig.Call("list", resourceVersion: "0", limit: 500);
        rig.Once(list);
        Assert.Equal(2, list.Dispatched);
        Assert.Equal(2 * EtcdRangeOfPods(500), list.EtcdTicksDemanded);
    }

    [Fact]
    public void Before_131_a_request_to_a_cold_cache_waits_until_it_is_ready()
    {
        var rig = new ApiServerRig(minor: 30);
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        var caller = new Caller();
        var list = rig.Call("list", resourceVersion: InformerCalls.LastSynced);
        var watch = rig.Call("watch", resourceVersion: InformerCalls.LastSynced);
        rig.Api.Send(rig.Client(), list, caller, 1);
        rig.Api.Send(rig.Client(), watch, caller, 2, 0); // last synced before the restart: too old for the new cache
        rig.Api.Send(rig.Client(), watch, caller, 3);
        rig.RunUntil(() => caller.Answers.Count == 3);
        // The cache's own LIST of the pods: etcd's range, then the decode of every pod.
        long ready = 1 + EtcdRangeOfPods(1000) + 1000 * DecodePod;
        var byTag = caller.Answers.OrderBy(x => x.Tag).ToList();
        Assert.Equal([RequestOutcome.Ok, RequestOutcome.Expired, RequestOutcome.Ok], byTag.Select(x => x.Outcome));
        Assert.Equal(ready + BaseCpu + 1000 + 1000 * EncodePod - 1, byTag[0].LatencyTicks);
        Assert.Equal(ready - 1, byTag[1].LatencyTicks);
        Assert.Equal(1, list.Dispatched);
        Assert.Equal(0, list.EtcdTicksDemanded);
        Assert.Equal(0, rig.Api.InFlight);
    }

    [Fact]
    public void A_client_with_no_retries_left_gets_the_429()
    {
        var rig = new ApiServerRig(minor: 31);
        rig.Api.StopReplica(0, 1, "restart");
        rig.Sim.Run(untilTicks: 1);
        var a = rig.Once(rig.Call("list", resourceVersion: "0", selector: true), rig.Client(maxRetries: 0));
        Assert.Equal((RequestOutcome.TooManyRequests, 0L), (a.Outcome, a.LatencyTicks));
    }

    [Fact]
    public void A_client_keeps_its_connection_unless_goaway_closes_it()
    {
        var keep = new ApiServerRig(replicas: 3);
        var client = keep.Client();
        keep.Once(keep.Call("get", resourceVersion: "0"), client);
        int replica = client.Replica;
        Assert.InRange(replica, 0, 2);
        for (int i = 0; i < 5; i++) keep.Once(keep.Call("get", resourceVersion: "0"), client);
        Assert.Equal(replica, client.Replica);

        var goaway = new ApiServerRig(replicas: 3, goaway: 1);
        var c = goaway.Client();
        goaway.Once(goaway.Call("get", resourceVersion: "0"), c);
        Assert.Equal(-1, c.Replica);
    }

    [Fact]
    public void The_load_balancer_spreads_new_connections_over_the_replicas_that_serve()
    {
        var rig = new ApiServerRig(replicas: 3);
        rig.Api.StopReplica(1, 0, "gone");
        var seen = new HashSet<int>();
        for (int i = 0; i < 40; i++)
        {
            var c = rig.Client();
            rig.Once(rig.Call("get", resourceVersion: "0"), c);
            seen.Add(c.Replica);
        }
        Assert.Equal([0, 2], seen.Order());
    }

    [Fact]
    public void A_rate_limited_client_sends_one_request_per_token()
    {
        var rig = new ApiServerRig();
        var client = rig.Client(qps: 10, burst: 1);
        var caller = new Caller();
        var get = rig.Call("get", resourceVersion: "0");
        for (int i = 0; i < 3; i++) rig.Api.Send(client, get, caller, i);
        rig.RunUntil(() => caller.Answers.Count == 3);
        Assert.Equal([BaseCpu + EncodePod, 100_000 + BaseCpu + EncodePod, 200_000 + BaseCpu + EncodePod], caller.Answers.Select(x => x.LatencyTicks));
    }

    [Fact]
    public void A_list_from_etcd_oom_kills_a_replica_whose_memory_a_cache_list_of_the_same_pods_fits_in()
    {
        // Warm: 1 GiB + twice the 10.15 MB stored. A cache LIST holds its 10 MB once (streaming), an etcd one twice.
        long limit = BaseMemory + 35_000_000;
        var rig = new ApiServerRig(memoryBytes: limit);
        Assert.Equal(BaseMemory + 2 * (1000 * PodBytes + 10 * NodeBytes), rig.Api.ReplicaMemoryBytes(0));
        var watcher = new Caller();
        rig.Once(rig.Call("watch"), caller: watcher);
        Assert.Equal(RequestOutcome.Ok, rig.Once(rig.Call("list", resourceVersion: "0")).Outcome);
        Assert.Equal(0, rig.Api.Metrics.Ooms);

        var a = rig.Once(rig.Call("list", resourceVersion: InformerCalls.LastSynced, limit: 1000));
        Assert.Equal(RequestOutcome.Unavailable, a.Outcome);
        Assert.Equal(EtcdRangeOfPods(1000), a.LatencyTicks);
        Assert.Equal(1, rig.Api.Metrics.Ooms);
        Assert.False(rig.Api.ReplicaUp(0));
        Assert.Equal([7L], watcher.Broken);
        var oom = Assert.Single(rig.Timeline.Entries, e => e.Kind == "oom-kill");
        Assert.Equal("apiserver-0 OOM-killed: memory 1.0 GiB over the 1.0 GiB limit, 10 seats in use", oom.Message);
        Assert.Equal(0, rig.Api.Metrics.Issued - rig.Api.Metrics.Completed - rig.Api.Metrics.Rejected);

        rig.RunFor(29.9);
        Assert.False(rig.Api.ReplicaUp(0));
        rig.RunFor(0.2);
        Assert.True(rig.Api.ReplicaUp(0));
        Assert.Contains("restart", rig.Kinds);
        Assert.DoesNotContain("crash-loop", rig.Kinds);
    }

    [Fact]
    public void A_replica_that_dies_again_soon_after_its_restart_waits_in_crash_loop_back_off()
    {
        var rig = new ApiServerRig(memoryBytes: BaseMemory + 35_000_000);
        var list = rig.Call("list", resourceVersion: InformerCalls.LastSynced, limit: 1000);
        rig.Once(list);
        rig.RunFor(31);
        Assert.True(rig.Api.ReplicaUp(0));
        rig.Api.OomKill(0, "again");
        Assert.Equal("apiserver-0 in CrashLoopBackOff: back in 40 s", Assert.Single(rig.Timeline.Entries, e => e.Kind == "crash-loop").Message);
        rig.RunFor(39.9);
        Assert.False(rig.Api.ReplicaUp(0));
        rig.RunFor(0.2);
        Assert.True(rig.Api.ReplicaUp(0));
        Assert.Equal(2, rig.Api.Metrics.Ooms);
    }

    [Fact]
    public void Killing_a_replica_that_is_down_does_nothing()
    {
        var rig = new ApiServerRig();
        Assert.True(rig.Api.StopReplica(0, SimTime.FromSeconds(5), "restarted by a test"));
        Assert.False(rig.Api.StopReplica(0, SimTime.FromSeconds(5), "again"));
        rig.Api.OomKill(0, "while down");
        Assert.Equal(0, rig.Api.Metrics.Ooms);
        Assert.Equal(1, rig.Api.FaultRestarts);
        Assert.Equal("apiserver-0 restarted by a test: back in 5 s", Assert.Single(rig.Timeline.Entries, e => e.Kind == "fault").Message);
        rig.RunFor(4.9);
        Assert.False(rig.Api.ReplicaUp(0));
        rig.RunFor(0.2);
        Assert.True(rig.Api.ReplicaUp(0));
        Assert.Equal("apiserver-0 serving again; watch cache initialising", Assert.Single(rig.Timeline.Entries, e => e.Kind == "restart").Message);
    }

    [Fact]
    public void A_replica_stopped_for_good_says_so_and_never_comes_back()
    {
        var rig = new ApiServerRig(replicas: 2);
        rig.Api.StopReplica(1, 0, "machine lost");
        Assert.Equal("apiserver-1 machine lost: not coming back", Assert.Single(rig.Timeline.Entries).Message);
        rig.RunFor(600);
        Assert.False(rig.Api.ReplicaUp(1));
        Assert.True(rig.Api.ReplicaUp(0));
    }

    [Fact]
    public void Requests_in_flight_on_a_replica_that_dies_are_lost_and_their_callers_told_at_once()
    {
        var rig = new ApiServerRig(minor: 30);
        var caller = new Caller();
        var client = rig.Client();
        rig.Api.Send(client, rig.Call("list"), caller, 1);                       // in etcd
        rig.Api.Send(client, rig.Call("list", resourceVersion: "0"), caller, 2); // on the CPU
        rig.Sim.Run(untilTicks: 10);
        Assert.Equal(2, rig.Api.InFlight);
        rig.Api.StopReplica(0, SimTime.FromSeconds(1), "test");
        Assert.Equal([(1L, RequestOutcome.Unavailable), (2L, RequestOutcome.Unavailable)], caller.Answers.Select(x => (x.Tag, x.Outcome)));
        Assert.Equal(0, rig.Api.InFlight);
        Assert.Equal(0, rig.Api.Etcd.Jobs);
        Assert.Equal(0, rig.Api.ReplicaSeatsInUse(0));
        rig.Api.CheckAccounting();
    }

    [Fact]
    public void Scaling_out_adds_replicas_that_serve_after_their_start_up_with_cold_caches()
    {
        var rig = new ApiServerRig(replicas: 1, maxReplicas: 3);
        Assert.Equal((1, 3), (rig.Api.ReplicaCount, rig.Api.ReplicaSlots));
        rig.Api.ScaleOut(5, SimTime.FromSeconds(20));
        Assert.Equal(3, rig.Api.ReplicaCount);
        Assert.False(rig.Api.ReplicaUp(1));
        Assert.Equal(0, rig.Api.ReplicaMemoryBytes(2));
        rig.RunFor(19.9);
        Assert.False(rig.Api.ReplicaUp(2));
        rig.RunFor(0.2);
        Assert.True(rig.Api.ReplicaUp(2));
        Assert.False(rig.Api.CacheReady(2, rig.Pods.Index));
        rig.RunFor(5);
        Assert.True(rig.Api.CacheReady(2, rig.Pods.Index));
        Assert.Equal(BaseMemory + 2 * (1000 * PodBytes + 10 * NodeBytes), rig.Api.ReplicaMemoryBytes(2));
        rig.Api.ScaleOut(2, 1);
        Assert.Equal(3, rig.Api.ReplicaCount);
    }

    [Fact]
    public void Resizing_gives_every_replica_new_cores_and_a_new_memory_limit()
    {
        // Eight 52 ms cache LISTs on 4 cores take 104 ms; on 8 cores 52 ms.
        long Last(ApiServerRig rig)
        {
            var caller = new Caller();
            var list = rig.Call("list", resourceVersion: "0", user: "admin", groups: ApfIdentity.MastersGroups);
            for (int i = 0; i < 8; i++) rig.Api.Send(rig.Client(), list, caller, i);
            rig.RunUntil(() => caller.Answers.Count == 8);
            return caller.Answers.Max(x => x.LatencyTicks);
        }
        const long one = BaseCpu + 1000 + 1000 * EncodePod;
        Assert.Equal(2 * one, Last(new ApiServerRig()));
        var bigger = new ApiServerRig();
        bigger.Api.Resize(8, 0);
        Assert.Equal(one, Last(bigger));
        var smaller = new ApiServerRig();
        smaller.Api.Resize(0, BaseMemory);
        Assert.Equal(RequestOutcome.Unavailable, smaller.Once(smaller.Call("list", resourceVersion: "0")).Outcome);
    }

    [Fact]
    public void Etcd_losing_quorum_re_initialises_every_cache_and_breaks_every_watch()
    {
        var rig = new ApiServerRig(replicas: 2);
        var caller = new Caller();
        rig.Api.Send(rig.Client(), rig.Call("watch"), caller, 1);
        rig.RunUntil(() => caller.Answers.Count == 1);
        long before = rig.Api.ReplicaMemoryBytes(0);
        rig.Api.Etcd.KillMembers(0, SimTime.FromSeconds(5));
        Assert.Equal([1L], caller.Broken);
        Assert.Equal(1, rig.Api.Metrics.EtcdOoms);
        Assert.False(rig.Api.CacheReady(0, rig.Pods.Index));
        Assert.False(rig.Api.CacheReady(1, rig.Nodes.Index));
        Assert.Equal(before - 2 * (1000 * PodBytes + 10 * NodeBytes), rig.Api.ReplicaMemoryBytes(0));
        rig.RunFor(6);
        Assert.True(rig.Api.CacheReady(0, rig.Pods.Index));
        Assert.True(rig.Api.CacheReady(1, rig.Nodes.Index));
        Assert.Equal(before, rig.Api.ReplicaMemoryBytes(0));
    }

    [Fact]
    public void The_liveness_probe_restarts_a_replica_after_its_failure_threshold_while_etcd_is_down()
    {
        var rig = new ApiServerRig(livenessThreshold: 3);
        rig.RunFor(5);
        rig.Api.Etcd.KillMembers(0, SimTime.FromMinutes(10));
        rig.RunFor(24);
        Assert.True(rig.Api.ReplicaUp(0)); // probes at 10, 20 s failed: two
        rig.RunFor(2);
        Assert.False(rig.Api.ReplicaUp(0)); // the third, at 30 s
        Assert.Equal(1, rig.Api.LivenessRestarts);
        var e = Assert.Single(rig.Timeline.Entries, x => x.Kind == "liveness-restart");
        Assert.Equal((30.0, "apiserver-0 restarted by its liveness probe: /livez failed 3 times in a row (etcd is down)"), (e.Time, e.Message));
        rig.RunFor(30);
        Assert.True(rig.Api.ReplicaUp(0));
    }

    [Fact]
    public void A_healthy_replica_passes_every_probe()
    {
        var rig = new ApiServerRig(livenessThreshold: 1);
        rig.RunFor(300);
        Assert.Equal(0, rig.Api.LivenessRestarts);
    }

    [Fact]
    public void Every_ten_seconds_a_sample_closes_with_the_seats_cpu_and_objects_of_the_bucket()
    {
        var rig = new ApiServerRig(replicas: 2);
        var client = rig.Client();
        rig.Once(rig.Call("list", resourceVersion: "0"), client);
        rig.RunFor(9.9);
        Assert.Empty(rig.Api.Metrics.Samples);
        rig.RunFor(0.2);
        var s = Assert.Single(rig.Api.Metrics.Samples);
        Assert.Equal(10.0, s.TimeSeconds);
        Assert.Equal((1, 1000L, 10L, 1200.0), (s.Issued, s.Pods, s.Nodes, s.SeatLimit));
        Assert.Equal(52_000 / 10e6, s.CpuCoresByReplica[client.Replica], 9);
        Assert.Equal(0, s.CpuCoresByReplica[1 - client.Replica]);
        Assert.Equal([true, true], s.UpByReplica);
        Assert.True(s.EtcdUp);
        rig.Api.StopReplica(1, 0, "gone");
        rig.RunFor(10);
        Assert.Equal((600.0, false), (rig.Api.Metrics.Samples[1].SeatLimit, rig.Api.Metrics.Samples[1].UpByReplica[1]));
        Assert.Equal(0, rig.Api.Metrics.Samples[1].MemoryBytesByReplica[1]);
    }

    [Fact]
    public void The_set_answers_for_its_configuration_levels_and_informers()
    {
        var rig = new ApiServerRig(minor: 35);
        Assert.Equal("rig", rig.Api.Cluster);
        Assert.Equal(rig.Api.ReplicaDispatcher(0).PriorityLevelCount, rig.Api.Levels);
        Assert.Equal("exempt", rig.Api.LevelName(0));
        Assert.True(rig.Api.EtcdUp);
        Assert.Equal(GiB, rig.Api.EtcdMemoryBytes);
        var calls = rig.Api.DefineInformer("kubelet", Agent, [], "pods", null);
        Assert.True(calls.UseWatchList);
        Assert.Equal(("0", 500L, VerbClass.List), (calls.List.ResourceVersion, calls.List.Limit, calls.List.Class));
        Assert.Equal((InformerCalls.LastSynced, 0L), (calls.Relist.ResourceVersion, calls.Relist.Limit));
        Assert.Equal(("", VerbClass.List), (calls.ConsistentRelist.ResourceVersion, calls.ConsistentRelist.Class));
        Assert.Equal((InformerCalls.LastSynced, VerbClass.Watch, false), (calls.Watch.ResourceVersion, calls.Watch.Class, calls.Watch.SendInitialEvents));
        Assert.Equal(("", VerbClass.Watch, true), (calls.WatchList.ResourceVersion, calls.WatchList.Class, calls.WatchList.SendInitialEvents));
        Assert.Equal(["kubelet", "kubelet relist", "kubelet consistent relist", "kubelet watch", "kubelet watch-list"],
            new[] { calls.List, calls.Relist, calls.ConsistentRelist, calls.Watch, calls.WatchList }.Select(c => c.Name));
        Assert.False(new ApiServerRig(minor: 34).Api.DefineInformer("k", Agent, [], "pods", null).UseWatchList);
        var informer = new Informer(rig.Sim, rig.Api, rig.Client(), calls, rig.Sim.Random.Stream("i"));
        Assert.Same(informer, Assert.Single(rig.Api.Informers));
        Assert.Single(rig.Api.Clients);
    }
}
