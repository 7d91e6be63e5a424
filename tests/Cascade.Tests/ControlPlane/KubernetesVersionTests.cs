using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.ControlPlane;

/// <summary>Version-dependent defaults (docs/model.md, "What changes with the Kubernetes version").</summary>
public class KubernetesVersionTests
{
    [Theory]
    [InlineData("1.20", false, false, false, false, 40)]
    [InlineData("1.30", false, false, false, false, 40)]
    [InlineData("1.31", true, true, false, false, 40)]
    [InlineData("v1.32.4", true, true, false, false, 50)]
    [InlineData("1.33", true, true, true, false, 50)]
    [InlineData("1.35", true, true, true, true, 50)]
    public void Each_release_sets_its_defaults(string version, bool consistent, bool resilient, bool streaming, bool watchList, double grace)
    {
        var spec = new ClusterSpec { KubernetesVersion = version };
        var f = ScenarioBuilder.FeaturesOf(spec);
        Assert.Equal((consistent, resilient, streaming, watchList, grace),
            (f.ConsistentListFromCache, f.ResilientWatchCacheInitialization, f.StreamingListEncoding, f.WatchList, f.NodeMonitorGracePeriodSeconds));
    }

    [Fact]
    public void Each_feature_stays_overridable_on_its_own()
    {
        var spec = new ClusterSpec { KubernetesVersion = "1.30" };
        spec.ApiServer.ConsistentListFromCache = true;
        var f = ScenarioBuilder.FeaturesOf(spec);
        Assert.True(f.ConsistentListFromCache);
        Assert.False(f.ResilientWatchCacheInitialization);
    }

    [Theory]
    [InlineData("1.16")]
    [InlineData("2.0")]
    [InlineData("1.x")]
    [InlineData("1.36")]
    [InlineData("2.30")]
    [InlineData("1.30.x")]
    public void A_release_the_model_does_not_cover_is_bad_input_naming_the_field(string version)
    {
        var e = Assert.Throws<InputException>(() => ScenarioBuilder.FeaturesOf(new ClusterSpec { KubernetesVersion = version }));
        Assert.Contains("cluster.kubernetesVersion", e.Field ?? e.Message);
    }

    [Fact]
    public void A_cold_cache_answers_by_release_429_from_131_and_waits_or_sends_to_etcd_before()
    {
        var res = new ApiResource(0, "pods", "", 1000, 10_000, true);
        var c = new Classification();
        ApiCall Call(string rv, long limit, bool selector, string verb = "list") =>
            new(verb, verb, res, true, rv, selector, 1, limit, c);
        var cache = new WatchCache(1);
        cache.MarkCold(0);
        var v130 = KubernetesVersion.Defaults(30);
        var v131 = KubernetesVersion.Defaults(31);
        Assert.Equal(CacheDecision.Delegate, cache.ForList(Call("0", 500, false), false, v131));        // paginated, no selector: etcd
        Assert.Equal(CacheDecision.TooManyRequests, cache.ForList(Call("0", 500, true), false, v131));  // with a selector: 429
        Assert.Equal(CacheDecision.TooManyRequests, cache.ForList(Call("synced", 0, false), false, v131));
        Assert.Equal(CacheDecision.TooManyRequests, cache.ForWatch(Call("synced", 0, false, "watch"), 5, 10, v131));
        Assert.Equal(CacheDecision.Delegate, cache.ForList(Call("0", 0, true), false, v130));           // RV="0": forwarded to etcd
        Assert.Equal(CacheDecision.WaitUntilReady, cache.ForList(Call("synced", 0, false), false, v130));
        Assert.Equal(CacheDecision.WaitUntilReady, cache.ForWatch(Call("synced", 0, false, "watch"), 5, 10, v130));
        cache.MarkReady(0, 100);
        Assert.Equal(CacheDecision.Expired, cache.ForWatch(Call("synced", 0, false, "watch"), 99, 101, v131));
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(Call("synced", 0, false, "watch"), 100, 101, v131));
        Assert.Equal(CacheDecision.Serve, cache.ForList(Call("synced", 0, true), false, v130));
        Assert.Equal(CacheDecision.Delegate, cache.ForList(Call("", 0, true), false, v130));           // consistent read before 1.31
        Assert.Equal(CacheDecision.Serve, cache.ForList(Call("", 0, true), false, v131));
    }

    [Fact]
    public void Features_left_unset_are_the_newest_releases_defaults()
    {
        Assert.Equal(KubernetesVersion.Defaults(KubernetesVersion.NewestMinor), new KubernetesFeatures());
        Assert.Equal(KubernetesVersion.NewestMinor, KubernetesVersion.ParseMinor(KubernetesVersion.Newest));
    }

    [Fact]
    public void A_new_cache_is_ready_from_the_start_and_a_cold_one_forgets_its_history()
    {
        var res = new ApiResource(0, "pods", "", 1000, 10_000, true);
        var watch = new ApiCall("w", "watch", res, true, "synced", false, 1, 0, new Classification());
        var f = KubernetesVersion.Defaults(31);
        var cache = new WatchCache(1);
        Assert.True(cache.Ready(0));
        cache.EnsureResources(2);
        Assert.True(cache.Ready(1)); // a resource first seen later is cached too
        cache.MarkAllCold();
        Assert.False(cache.Ready(0));
        Assert.False(cache.Ready(1));
        cache.MarkReady(0, 1_000);
        // History starts when the cache became ready and reaches back 75 s at most; both bounds included.
        long history = WatchCache.HistoryTicks;
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(watch, 1_000, 1_000 + history, f));
        Assert.Equal(CacheDecision.Expired, cache.ForWatch(watch, 1_000, 1_001 + history, f));
        // A watch from no version at all (the WatchList start) is never expired.
        Assert.Equal(CacheDecision.Serve, cache.ForWatch(watch, -1, 10 * history, f));
        Assert.Equal(CacheDecision.Expired, cache.ForWatch(watch, 999, 2_000, f)); // older than the cache itself
    }

    [Fact]
    public void A_cache_list_visits_only_the_matches_of_an_index_and_everything_otherwise()
    {
        var res = new ApiResource(0, "pods", "", 1000, 10_000, true);
        var byNode = new ApiCall("l", "list", res, true, "0", true, 0.01, 0, new Classification(), indexed: true);
        var byLabel = new ApiCall("l", "list", res, true, "0", true, 0.01, 0, new Classification());
        Assert.Equal(10, WatchCache.ObjectsVisited(byNode, 1000, 10));
        Assert.Equal(1000, WatchCache.ObjectsVisited(byLabel, 1000, 10));
    }

    [Theory]
    [InlineData("1.17", false)]
    [InlineData("1.19", false)]
    [InlineData("1.20", true)]
    public void Api_priority_and_fairness_arrives_in_120(string version, bool apf) =>
        Assert.Equal(apf, ScenarioBuilder.FeaturesOf(new ClusterSpec { KubernetesVersion = version }).Apf);

    [Fact]
    public void Before_120_a_storm_of_reads_gets_immediate_429s_from_the_read_pool_and_writes_keep_their_own()
    {
        var s = Cascade.Tests.ControlPlane.TestScenarios.ListStorm(2000, 5, kubernetesVersion: "1.19");
        // Room for every LIST's memory, so only the pools act (with 128 GiB, 400 LISTs a replica OOM-kill it).
        s.Cluster.Etcd.Memory = new Cascade.Scenarios.Binding.Quantity(0);
        s.Cluster.ApiServer.Memory = new Cascade.Scenarios.Binding.Quantity(4.0 * (1L << 40));
        var c = Cascade.Tests.ControlPlane.TestScenarios.Only(Cascade.Tests.ControlPlane.TestScenarios.Run(s));
        var r = c.Apiserver.Requests.RejectedByReason;
        Assert.Equal(0, r.QueueFull + r.QueueWaitTimeout); // no queues
        Assert.True(r.ConcurrencyLimit > 0);
        var reads = c.Apiserver.PriorityLevels.Single(l => l.Name == MaxInflight.ReadOnly);
        var writes = c.Apiserver.PriorityLevels.Single(l => l.Name == MaxInflight.Mutating);
        Assert.InRange(reads.PeakSeats, 1100, 1200); // 400 a replica, each request one
        Assert.Equal(0, writes.Rejected);
        Assert.Equal(0, c.Kubelets!.LeaseFailures);
    }

    [Fact]
    public void An_apf_file_on_a_release_without_apf_is_bad_input_naming_the_field()
    {
        var spec = new ClusterSpec { KubernetesVersion = "1.19" };
        spec.ApiServer.Apf.File = "my-apf.yaml";
        var e = Assert.Throws<InputException>(() => ScenarioBuilder.ApiServerConfigFrom(spec, "."));
        Assert.Equal("cluster.apiServer.apf.file", e.Field);
    }
}
