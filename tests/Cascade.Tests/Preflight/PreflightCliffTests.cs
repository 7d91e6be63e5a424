using Cascade.Preflight;
using Cascade.Results;

namespace Cascade.Tests.Preflight;

/// <summary>`cascade cliff`: the cluster size where the list-storm agent turns dangerous, and how a mitigation moves it.</summary>
public class PreflightCliffTests
{
    private static CliffResult Cliff(params string[] overrides) =>
        Cascade.Preflight.Cliff.Run(PreflightFixtures.ListStorm, overrides, null, "cluster.nodes=50..5000", ObjectiveJudge.ApiServerSaturation,
            duration: "10m", points: 3, tolerance: 100, threads: 2);

    [Fact]
    public void The_list_storm_cliff_lies_between_50_and_5000_nodes_and_listing_from_the_watch_cache_moves_it_up()
    {
        var storage = Cliff();
        Assert.NotNull(storage.LastHolding);
        Assert.NotNull(storage.FirstFailing);
        int holds = int.Parse(storage.LastHolding!), fails = int.Parse(storage.FirstFailing!);
        Assert.InRange(holds, 50, 4999);
        Assert.InRange(fails, holds + 1, holds + 100);
        // The curve: every point at or below the last holding value holds, every one from the first failing fails.
        Assert.All(storage.Points, p => Assert.Equal(p.Value <= holds, p.Holds));
        Assert.Equal(storage.Points.OrderBy(p => p.Value).Select(p => p.Value), storage.Points.Select(p => p.Value));

        var cache = Cliff("workloads[0].calls[0].resourceVersion=0");
        Assert.True(cache.FirstFailing is null || int.Parse(cache.FirstFailing) > fails,
            $"from the watch cache the cliff is at {cache.FirstFailing ?? "none"}, from etcd at {fails}");
    }

    [Fact]
    public void The_cliff_is_the_same_with_one_thread_or_two()
    {
        var one = Cascade.Preflight.Cliff.Run(PreflightFixtures.ListStorm, [], null, "cluster.nodes=50..1000", null, "3m", 3, 50, threads: 1);
        var two = Cascade.Preflight.Cliff.Run(PreflightFixtures.ListStorm, [], null, "cluster.nodes=50..1000", null, "3m", 3, 50, threads: 2);
        Assert.Equal(Json.Serialize(one), Json.Serialize(two));
    }

    [Theory]
    [InlineData("cluster.nodes=50..8000", "cluster.nodes", 50, 8000)]
    [InlineData("workloads[0].calls[0].every=30s..10m", "workloads[0].calls[0].every", 30, 600)]
    [InlineData("cluster.apiServer.cpuCores=0.5..64", "cluster.apiServer.cpuCores", 0.5, 64)]
    public void A_range_is_a_set_path_with_numbers_or_durations(string text, string path, double from, double to)
    {
        var r = Cascade.Preflight.Cliff.ParseVary(text);
        Assert.Equal((path, from, to), (r.Path, r.From, r.To));
    }
}
