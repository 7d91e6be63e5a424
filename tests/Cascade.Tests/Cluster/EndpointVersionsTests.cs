using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// A kube-proxy routes by the endpoints it last saw: the published versions of a Service are kept while a
/// watcher may still route by one (EndpointVersions), however many are published behind it.
/// </summary>
public class EndpointVersionsTests
{
    private sealed class Watchers : IEndpointWatchers
    {
        public long Oldest = long.MaxValue;
        public long OldestView => Oldest;
    }

    private static int[] Version(EndpointVersions v, int slot, int replicas) =>
        Enumerable.Range(0, replicas).Select(i => v.Endpoint(slot, i)).ToArray();

    [Fact]
    public void A_watcher_cut_off_keeps_the_version_it_saw_however_many_are_published_after_it()
    {
        var w = new Watchers { Oldest = 5 };
        var v = new EndpointVersions(2);
        for (int t = 0; t < 1000; t++) v.Publish(t, new[] { t, -1 }, w);

        Assert.Equal(new[] { 5, -1 }, Version(v, v.View(5), 2));
        Assert.Equal(new[] { 999, -1 }, Version(v, v.View(5000), 2));
        Assert.Equal(995, v.Count); // versions 5 … 999: the one the watcher routes by and everything after it
    }

    [Fact]
    public void With_every_watcher_current_old_versions_are_dropped()
    {
        var w = new Watchers();
        var v = new EndpointVersions(1);
        for (int t = 0; t < 1000; t++) v.Publish(t, new[] { t }, w);

        Assert.True(v.Count <= 8, $"{v.Count} versions kept with no watcher behind");
        Assert.Equal(999, v.Endpoint(v.View(long.MaxValue), 0));
    }

    [Fact]
    public void Past_the_bound_the_oldest_version_goes_and_a_watcher_behind_it_reads_the_oldest_kept()
    {
        var w = new Watchers { Oldest = 0 };
        var v = new EndpointVersions(1);
        int total = EndpointVersions.MaxVersions + 10;
        for (int t = 0; t < total; t++) v.Publish(t, new[] { t }, w);

        Assert.Equal(EndpointVersions.MaxVersions, v.Count);
        Assert.Equal(10, v.Endpoint(v.View(0), 0));
    }

    [Fact]
    public void A_view_is_the_last_version_published_at_or_before_the_moment_seen_as_a_linear_scan_finds_it()
    {
        var rng = new RandomStream(7);
        for (int trial = 0; trial < 300; trial++)
        {
            var v = new EndpointVersions(1);
            var published = new List<long>();
            long t = 0;
            int n = 1 + rng.NextInt(60);
            // The oldest watcher sits at one moment for the whole trial (none behind: long.MaxValue).
            long pin = rng.NextDouble() < 0.2 ? long.MaxValue : rng.NextInt(2 * n) - 1;
            var w = new Watchers { Oldest = pin };
            for (int j = 0; j < n; j++)
            {
                t += rng.NextInt(3); // equal times happen: the later write is the newer version
                v.Publish(t, new[] { j }, w);
                published.Add(t);
            }
            // Every moment a watcher can be at (the pinned one and after) routes exactly as a scan of all versions says.
            for (long seen = Math.Min(pin, t); seen <= t + 1; seen++)
            {
                int expected = published.FindLastIndex(p => p <= seen);
                if (expected < 0) continue;
                Assert.True(expected == v.Endpoint(v.View(seen), 0), $"trial {trial}: seen {seen} (pin {pin}) routed by {v.Endpoint(v.View(seen), 0)}, expected {expected}");
            }
        }
    }
}
