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
    [InlineData("1.19")]
    [InlineData("2.0")]
    [InlineData("1.x")]
    [InlineData("1.36")]
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
}
