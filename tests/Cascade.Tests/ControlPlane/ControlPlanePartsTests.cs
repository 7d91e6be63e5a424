using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>The small parts of the request path on their own: watch registry, watch cache, request pool, cost estimate, client, subresources.</summary>
public class ControlPlanePartsTests
{
    private sealed class Holder : IWatcher
    {
        public readonly List<long> Broken = new();
        public Action<long>? OnBroken;
        public void OnWatchBroken(long tag)
        {
            Broken.Add(tag);
            OnBroken?.Invoke(tag);
        }
    }

    [Fact]
    public void An_event_is_handed_to_every_unindexed_watcher_and_to_one_of_the_indexed_ones()
    {
        var w = new WatchRegistry(2);
        var h = new Holder();
        for (int i = 0; i < 3; i++) w.Open(0, h, i);
        for (int i = 0; i < 5; i++) w.Open(0, h, 10 + i, indexed: true);
        Assert.Equal((8, 4, 4), (w.Count(0), w.Recipients(0), w.Hearing(0, 0)));
        Assert.Equal((0, 0, 0), (w.Count(1), w.Recipients(1), w.Hearing(1, 0)));
        Assert.Equal((0, 0, 0), (w.Count(7), w.Recipients(7), w.Hearing(7, 1))); // a resource never watched
    }

    [Fact]
    public void A_write_to_one_object_is_heard_by_the_watchers_selecting_it_and_by_the_unselective_ones()
    {
        var w = new WatchRegistry(1);
        var h = new Holder();
        w.Open(0, h, 0);
        int a = w.Open(0, h, 1, key: 1);
        w.Open(0, h, 2, key: 1);
        w.Open(0, h, 3, key: 3);
        w.Open(2, h, 4, key: 3); // another resource, grown on open
        Assert.Equal((4, 4), (w.Count(0), w.Recipients(0)));
        Assert.Equal((3, 2, 1, 1, 1), (w.Hearing(0, 1), w.Hearing(0, 3), w.Hearing(0, 2), w.Hearing(0, 0), w.Hearing(0, 9)));
        Assert.Equal((1, 1, 0), (w.Count(2), w.Hearing(2, 3), w.Hearing(2, 1)));
        w.Close(a);
        Assert.Equal((3, 2), (w.Count(0), w.Hearing(0, 1)));
        w.Close(a); // closed already: nothing
        Assert.Equal(3, w.Count(0));
    }

    [Fact]
    public void Closing_an_indexed_watch_takes_it_from_the_indexed_count()
    {
        var w = new WatchRegistry(1);
        var h = new Holder();
        int x = w.Open(0, h, 0, indexed: true);
        w.Open(0, h, 1, indexed: true);
        w.Open(0, h, 2);
        w.Close(x);
        Assert.Equal((2, 2, 2), (w.Count(0), w.Recipients(0), w.Hearing(0, 0)));
    }

    [Fact]
    public void A_closed_watchs_number_is_reused_first_and_the_registry_grows_past_its_first_slots()
    {
        var w = new WatchRegistry(1);
        var h = new Holder();
        var ids = Enumerable.Range(0, 200).Select(i => w.Open(0, h, i, key: 1 + i % 3)).ToList();
        Assert.Equal(Enumerable.Range(0, 200), ids);
        w.Close(5);
        w.Close(17);
        Assert.Equal(17, w.Open(0, h, 300));
        Assert.Equal(5, w.Open(0, h, 301));
        Assert.Equal(200, w.Open(0, h, 302));
        Assert.Equal(201, w.Count(0));
        Assert.Equal(3 + 67, w.Hearing(0, 1)); // key 1: ids 0, 3, ..., 198; plus the three unkeyed
    }

    [Fact]
    public void Breaking_all_watches_tells_each_holder_in_opening_order_and_empties_the_counts()
    {
        var w = new WatchRegistry(1);
        var h = new Holder();
        w.Open(0, h, 5);
        int closed = w.Open(0, h, 6, indexed: true);
        w.Open(0, h, 7, key: 2);
        w.Close(closed);
        // A holder re-opens from inside the callback, as an informer would on a sibling replica.
        h.OnBroken = tag => { if (tag == 5) w.Open(0, new Holder(), 99); };
        w.BreakAll();
        Assert.Equal([5L, 7L], h.Broken);
        Assert.Equal((1, 1, 1, 0), (w.Count(0), w.Recipients(0), w.Hearing(0, 2), w.Open(0, h, 1) - 1));
    }

    [Fact]
    public void A_new_cache_is_ready_and_its_history_reaches_back_75_seconds_and_no_further_than_its_start()
    {
        var res = new ApiResource(1, "nodes", "", 10, 100, false);
        var watch = new ApiCall("w", "watch", res, true, "synced", false, 1, 0, new Classification());
        var f = KubernetesVersion.Defaults(35);
        var cache = new WatchCache(1);
        cache.EnsureResources(2);
        cache.EnsureResources(1);
        Assert.True(cache.Ready(1));
        long now = SimTime.FromSeconds(200);
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(watch, now - WatchCache.HistoryTicks, now, f));
        Assert.Equal(CacheDecision.Expired, cache.ForWatch(watch, now - WatchCache.HistoryTicks - 1, now, f));
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(watch, -1, now, f));
        cache.MarkReady(1, SimTime.FromSeconds(190));
        Assert.Equal(SimTime.FromSeconds(190), cache.ReadySince(1));
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(watch, SimTime.FromSeconds(190), now, f));
        Assert.Equal(CacheDecision.Expired, cache.ForWatch(watch, SimTime.FromSeconds(190) - 1, now, f));
        cache.MarkAllCold();
        Assert.False(cache.Ready(0));
        Assert.False(cache.Ready(1));
        Assert.Equal(75, SimTime.ToSeconds(WatchCache.HistoryTicks));
        Assert.Equal(1, WatchCache.NotReadyRetryAfterSeconds);
    }

    [Fact]
    public void The_request_pool_reuses_the_last_freed_number_first_and_frees_clean()
    {
        var t = new RequestTable();
        var rs = Enumerable.Range(0, 300).Select(_ => t.Allocate()).ToList();
        Assert.Equal(Enumerable.Range(0, 300), rs.Select(r => r.Id));
        Assert.Equal((300, 300), (t.InUse, t.HighWater));
        var r7 = t[7];
        r7.Phase = RequestPhase.Cpu;
        r7.Replica = 2;
        r7.MemoryBytes = r7.MemoryPlanned = 5;
        r7.Abandoned = true;
        r7.CacheInitResource = 1;
        r7.Since = 9;
        r7.ServerTimeout = r7.ClientTimeout = 3;
        r7.Page = r7.Attempt = 4;
        r7.Caller = new Caller();
        t.Free(t[3]);
        t.Free(r7);
        Assert.Equal(298, t.InUse);
        Assert.Equal((RequestPhase.Free, -1, 0L, 0L, false, -1, -1L), (r7.Phase, r7.Replica, r7.MemoryBytes, r7.MemoryPlanned, r7.Abandoned, r7.CacheInitResource, r7.Since));
        Assert.Equal((0L, 0L, 0, 0, true, true), (r7.ServerTimeout, r7.ClientTimeout, r7.Page, r7.Attempt, r7.StageEvent.IsNone, r7.Caller is null));
        Assert.Equal(7, t.Allocate().Id);
        Assert.Equal(3, t.Allocate().Id);
        Assert.Equal(300, t.Allocate().Id);
        Assert.Equal((301, 301), (t.InUse, t.HighWater));
    }

    [Fact]
    public void Apf_prices_a_request_by_where_it_is_served_and_without_apf_every_request_is_one()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        ApiCall Call(string verb, long limit = 0, bool selector = false, bool initial = false) =>
            new("c", verb, res, true, "", selector, 1, limit, new Classification(), sendInitialEvents: initial);
        Assert.Equal(new WorkEstimate(10, 0, 0), RequestCost.Estimate(Call("list"), fromCache: true, 0, apf: true));
        Assert.Equal(new WorkEstimate(1, 0, 0), RequestCost.Estimate(Call("list"), fromCache: true, 0, apf: false));
        Assert.Equal(WorkEstimator.ForList(1_000, false, false, 100), RequestCost.Estimate(Call("list", 100), false, 0, true));
        Assert.Equal(2, RequestCost.Estimate(Call("list", 100), false, 0, true).InitialSeats);
        Assert.Equal(WorkEstimator.ForList(1_000, false, true, 100), RequestCost.Estimate(Call("list", 100, selector: true), false, 0, true));
        Assert.Equal(WorkEstimator.ForWatchInit(1_000), RequestCost.Estimate(Call("watch", initial: true), true, 0, true));
        Assert.Equal(WorkEstimator.ForGet(), RequestCost.Estimate(Call("watch"), true, 0, true));
        Assert.Equal(WorkEstimator.ForMutating(45), RequestCost.Estimate(Call("update"), false, 45, true));
        Assert.Equal(5, RequestCost.Estimate(Call("delete"), false, 45, true).FinalSeats);
        Assert.Equal(WorkEstimator.ForGet(), RequestCost.Estimate(Call("get"), false, 45, true));
        Assert.Equal(250, RequestCost.BytesTicks(500, 2e6));
    }

    [Fact]
    public void A_caches_initial_list_reads_and_decodes_every_object_and_holds_them_buffered_or_streamed()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        var r = new Request();
        RequestCost.PlanCacheInit(r, res, ApiServerRig.Config(minor: 30));
        Assert.Equal((1_000L, 100_000L, 50_000_000L), (r.ObjectsRead, r.CpuTicks, r.MemoryPlanned));
        RequestCost.PlanCacheInit(r, res, ApiServerRig.Config(minor: 33));
        Assert.Equal(20_000_000, r.MemoryPlanned);
    }

    [Fact]
    public void A_list_holds_its_response_buffered_before_133_and_streamed_from_it()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        var list = new ApiCall("l", "list", res, true, "", false, 0.5, 0, new Classification());
        long Memory(int minor, bool fromCache)
        {
            var r = new Request { Call = list, FromCache = fromCache };
            RequestCost.Plan(r, ApiServerRig.Config(minor: minor));
            Assert.Equal((fromCache ? 0 : 1_000, 500L), (r.ObjectsRead, r.ObjectsReturned));
            return r.MemoryPlanned;
        }
        Assert.Equal((3 * 5_000_000L, 1 * 5_000_000L), (Memory(32, true), Memory(33, true)));
        Assert.Equal((5 * 10_000_000L, 2 * 10_000_000L), (Memory(32, false), Memory(33, false)));
    }

    [Fact]
    public void A_page_reads_until_it_holds_its_limit_of_matches_and_counts_the_pages_left()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        ApiCall List(long limit, double selectivity) => new("l", "list", res, true, "", selectivity < 1, selectivity, limit, new Classification());
        Assert.Equal(0, List(0, 0.5).PageReadObjects);                 // unpaginated
        Assert.Equal(400, List(400, 1).PageReadObjects);
        Assert.Equal(500_000, List(500, 1.0 / 1_000).PageReadObjects); // one node's pods of 1,000 nodes: no rounding up
        Assert.Equal(300, List(100, 1.0 / 3).PageReadObjects);
        Assert.Equal(334, List(100, 0.3).PageReadObjects);              // 333.3 objects hold 99.99 matches: one more
        Assert.Equal(long.MaxValue, List(100, 0).PageReadObjects);     // nothing matches: the page never fills
        Assert.Equal(0, List(0, 0).PageReadObjects);                   // unpaginated, whatever it matches
        Assert.Equal(24_500, List(500, 1.0 / 49).PageReadObjects);     // 500 ÷ (1 ÷ 49) is a hair over 24,500 in doubles

        var pages = List(400, 1);
        Assert.Equal((true, true, false), (pages.HasPageAfter(0, 1_000), pages.HasPageAfter(1, 1_000), pages.HasPageAfter(2, 1_000)));
        Assert.Equal((true, false), (pages.HasPageAfter(0, 800), pages.HasPageAfter(1, 800)));
        Assert.False(pages.HasPageAfter(0, 400));
        Assert.False(pages.HasPageAfter(0, 0));
        Assert.False(List(100, 0).HasPageAfter(0, long.MaxValue));
        Assert.False(List(0, 1).HasPageAfter(0, 1_000));
    }

    [Fact]
    public void A_paginated_read_asks_etcd_range_by_range_doubling_from_the_limit_to_10000_and_holds_one_at_a_time()
    {
        (int, long) Ranges(long read, long limit) => (RequestCost.EtcdRanges(read, limit, out long largest), largest);
        Assert.Equal((7, 10_000L), Ranges(30_000, 500));  // 500, 1,000, 2,000, 4,000, 8,000, 10,000, 4,500
        Assert.Equal((5, 8_000L), Ranges(15_500, 500));   // ... 8,000: the ranges end exactly there
        Assert.Equal((7, 10_000L), Ranges(35_500, 500));  // ... then exactly two ranges of 10,000
        Assert.Equal((6, 8_000L), Ranges(15_501, 500));   // one key more takes a range of its own, of one key
        Assert.Equal((2, 700L), Ranges(1_200, 500));      // 500, then 700 of a range of 1,000
        Assert.Equal((1, 400L), Ranges(400, 500));
        Assert.Equal((1, 500L), Ranges(500, 500));
        Assert.Equal((3, 20_000L), Ranges(50_000, 20_000)); // a limit over 10,000 is kept
        Assert.Equal((0, 0L), Ranges(0, 500));

        // 30,000 pods, one in 1,000 matching: one page reads all of them, returns 30 and holds 10,000 at a time
        // (a third of them), where the unpaginated LIST holds all 30,000 at once. The CPU is the same.
        var res = new ApiResource(0, "pods", "", 30_000, 10_000, true);
        Request Plan(long limit)
        {
            var r = new Request { Call = new ApiCall("l", "list", res, true, "", true, 0.001, limit, new Classification()) };
            RequestCost.Plan(r, ApiServerRig.Config(minor: 30));
            return r;
        }
        var (paged, whole) = (Plan(500), Plan(0));
        Assert.Equal((30_000L, 30L), (paged.ObjectsRead, paged.ObjectsReturned));
        Assert.Equal((10_000L, 7), (paged.ObjectsHeld, paged.EtcdRanges));
        Assert.Equal((30_000L, 1), (whole.ObjectsHeld, whole.EtcdRanges));
        Assert.Equal((5 * 10_000 * 10_000L, 5 * 30_000 * 10_000L), (paged.MemoryPlanned, whole.MemoryPlanned));
        Assert.Equal(whole.CpuTicks, paged.CpuTicks);

        // A page never holds more than its limit, however the rounding of read × selectivity falls: a limit of 1 at
        // 90 % reads 2 objects (1.8 matches) in two ranges of 1, and returns 1.
        var tight = new Request { Call = new ApiCall("l", "list", res, true, "", true, 0.9, 1, new Classification()) };
        RequestCost.Plan(tight, ApiServerRig.Config(minor: 30));
        Assert.Equal((2L, 1L, 1L, 2), (tight.ObjectsRead, tight.ObjectsReturned, tight.ObjectsHeld, tight.EtcdRanges));
        Assert.Equal((whole.ObjectsRead, whole.ObjectsReturned), (paged.ObjectsRead, paged.ObjectsReturned));
    }

    [Fact]
    public void A_page_past_the_end_reads_nothing_and_a_status_write_costs_as_a_write_of_its_parent()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        var list = new ApiCall("l", "list", res, true, "", false, 1, 400, new Classification());
        var r = new Request { Call = list, Page = 3 };
        RequestCost.Plan(r, ApiServerRig.Config());
        Assert.Equal((0L, 0L, ApiServerRig.BaseCpu), (r.ObjectsRead, r.ObjectsReturned, r.CpuTicks));
        Assert.Equal((0L, 0), (r.ObjectsHeld, r.EtcdRanges));
        var get = new Request { Call = new ApiCall("g", "get", res, false, "", false, 1, 0, new Classification()) };
        RequestCost.Plan(get, ApiServerRig.Config());
        Assert.Equal((1L, 1L, 1), (get.ObjectsRead, get.ObjectsHeld, get.EtcdRanges)); // one key, held whole
        var status = new ApiCall("s", "patch", res, false, "", false, 1, 0, new Classification(), subresource: Subresource.Status, objectBytes: 4_000);
        var w = new Request { Call = status };
        RequestCost.Plan(w, ApiServerRig.Config());
        Assert.Equal((0L, ApiServerRig.BaseCpu + ApiServerRig.MutatingCpu + 40), (w.ObjectsRead, w.CpuTicks));
        Assert.Equal((0L, 0), (w.ObjectsHeld, w.EtcdRanges)); // a write reads nothing from etcd
        Assert.Equal(4_000, status.ObjectBytes);
        Assert.Equal(10_000, list.ObjectBytes);
    }

    [Fact]
    public void An_api_call_knows_its_verb_class_its_reported_verb_and_how_many_objects_are_in_scope()
    {
        var res = new ApiResource(0, "pods", "", 1_000, 10_000, true);
        ApiCall Call(string verb, double scope = 1) => new("c", verb, res, false, "", false, 1, 0, new Classification(), scope);
        Assert.Equal([VerbClass.Get, VerbClass.List, VerbClass.Watch, VerbClass.Mutating, VerbClass.Mutating],
            new[] { "get", "list", "watch", "create", "delete" }.Select(v => Call(v).Class));
        Assert.True(Call("patch").IsMutating);
        Assert.False(Call("watch").IsMutating);
        Assert.Equal(250, Call("list", 0.25).ObjectsInScope);
        Assert.Equal(1, Call("list", 0.0001).ObjectsInScope);
        res.Count = 0;
        Assert.Equal(1, Call("list").ObjectsInScope);
        Assert.Equal(0, res.StoredBytes);
    }

    [Fact]
    public void A_client_with_unlimited_qps_never_waits_and_a_limited_one_refills_at_its_rate_up_to_its_burst()
    {
        var unlimited = new ApiClient(0, double.PositiveInfinity, 1, 0, 0);
        for (int i = 0; i < 5; i++) Assert.Equal(0, unlimited.ReserveToken(0));
        var c = new ApiClient(1, 2, 3, 0, 0);
        Assert.Equal((0L, 0L, 0L), (c.ReserveToken(0), c.ReserveToken(0), c.ReserveToken(0)));
        Assert.Equal(500_000, c.ReserveToken(0));
        Assert.Equal(1_000_000, c.ReserveToken(0));
        // Owing 2 tokens, it earns 5 in 2.5 s, capped at its burst of 3.
        long t = SimTime.FromSeconds(2.5);
        Assert.Equal((0L, 0L, 0L, 500_000L), (c.ReserveToken(t), c.ReserveToken(t), c.ReserveToken(t), c.ReserveToken(t)));
        Assert.Equal((1, 3 * SimTime.TicksPerSecond, 7), (c.Id, new ApiClient(0, 1, 1, 3 * SimTime.TicksPerSecond, 7).TimeoutTicks, new ApiClient(0, 1, 1, 0, 7).MaxRetries));
    }

    [Fact]
    public void Subresources_are_parsed_from_the_resource_name_and_checked_against_their_verbs()
    {
        Assert.Equal((Subresource.None, "pods"), (Subresources.Parse("pods", out var p0), p0));
        Assert.Equal((Subresource.Status, "nodes"), (Subresources.Parse("nodes/status", out var p1), p1));
        Assert.Equal((Subresource.Log, "pods"), (Subresources.Parse("pods/log", out var p2), p2));
        Assert.Equal(Subresource.Exec, Subresources.Parse("pods/exec", out _));
        Assert.Equal(Subresource.Eviction, Subresources.Parse("pods/eviction", out _));
        Assert.Throws<ArgumentException>(() => Subresources.Parse("pods/attach", out _));
        Assert.Null(Subresources.Check("pods", "list"));
        Assert.Null(Subresources.Check("deployments/status", "patch"));
        Assert.Null(Subresources.Check("pods/exec", "create"));
        Assert.Null(Subresources.Check("pods/log", "get"));
        Assert.Null(Subresources.Check("pods/eviction", "create"));
        Assert.Equal("pods/log takes get, not list", Subresources.Check("pods/log", "list"));
        Assert.Equal("nodes/status takes get, update, patch, not delete", Subresources.Check("nodes/status", "delete"));
        Assert.Equal("unknown subresource 'nodes/log' (known: <resource>/status, pods/log, pods/exec, pods/eviction)", Subresources.Check("nodes/log", "get"));
        Assert.StartsWith("unknown subresource", Subresources.Check("nodes/exec", "get"));
        Assert.StartsWith("unknown subresource", Subresources.Check("nodes/eviction", "create"));
    }

    [Fact]
    public void A_resource_registry_keeps_declaration_order_and_gives_an_undeclared_resource_its_defaults()
    {
        var reg = new ResourceRegistry();
        var pods = reg.GetOrAdd("pods", 5);
        var leases = reg.GetOrAdd("leases");
        var custom = reg.GetOrAdd("widgets", 3, 777);
        Assert.Same(pods, reg.GetOrAdd("pods", 99));
        Assert.Equal((0, 1, 2), (pods.Index, leases.Index, custom.Index));
        Assert.Equal((5L, 10_000L, true, ""), (pods.Count, pods.BytesPerObject, pods.Namespaced, pods.ApiGroup));
        Assert.Equal(("coordination.k8s.io", 300L), (leases.ApiGroup, leases.BytesPerObject));
        Assert.Equal((777L, 2_331L), (custom.BytesPerObject, custom.StoredBytes));
        Assert.Null(reg.Find("nodes"));
        Assert.Same(custom, reg.Find("widgets"));
        Assert.Equal(("", false, 15_000L), ApiResource.Defaults("nodes"));
        Assert.Equal(("", false, 500L), ApiResource.Defaults("namespaces"));
        Assert.Equal(("apps", true, 3_000L), ApiResource.Defaults("replicasets"));
        Assert.Equal(("discovery.k8s.io", true, 3_000L), ApiResource.Defaults("endpointslices"));
        Assert.Equal(("", true, 2_000L), ApiResource.Defaults("widgets"));
    }
}
