using Cascade.Engine;
using Cascade.Scenarios.Binding;
using Cascade.Tests.Cluster;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>etcd's memory under concurrent ranges, its OOM kill, and what that does to the API servers' caches and to CoreDNS.</summary>
public class EtcdMemoryTests
{
    private sealed class Served : ProcessorSharingServer.IClient
    {
        public readonly List<(int Job, long At)> Done = new();
        public Simulation? Sim;
        public void OnServed(int job) => Done.Add((job, Sim!.Now));
    }

    [Fact]
    public void Virtual_time_is_the_service_each_job_has_had_and_stops_while_paused()
    {
        var sim = new Simulation(1);
        var served = new Served { Sim = sim };
        var ps = new ProcessorSharingServer(sim, 1, served);
        ps.Add(0, 1000);
        ps.Add(1, 1000);
        sim.Run(400);
        Assert.Equal(200, ps.VirtualTime, 6);   // two jobs on one core: each has had half of 400 ticks
        ps.Pause();
        sim.Run(10_000);
        Assert.Empty(served.Done);               // paused: nobody progresses, nothing finishes
        Assert.Equal(200, ps.VirtualTime, 6);
        ps.Resume();
        sim.Run(20_000);
        Assert.Equal(new[] { 0, 1 }, served.Done.Select(d => d.Job).Order());
        Assert.All(served.Done, d => Assert.Equal(10_000 + 1600, d.At)); // 800 ticks of work left each, at half speed
    }

    [Fact]
    public void Concurrent_cluster_wide_ranges_OOM_kill_etcd_at_5000_nodes_but_not_at_50_or_without_a_limit()
    {
        var big = Only(Run(ListStorm(5000, 3)));
        Assert.True(big.Etcd.Ooms > 0, "etcd should be OOM-killed");
        Assert.True(big.Etcd.PeakMemoryBytes > 32.0 * (1L << 30), $"peak {big.Etcd.PeakMemoryBytes / (1L << 30):F1} GiB (sampled once a second)");

        var small = Only(Run(ListStorm(50, 3)));
        Assert.Equal(0, small.Etcd.Ooms);
        Assert.True(small.Etcd.PeakMemoryBytes < 2.0 * (1L << 30));

        var unlimited = ListStorm(5000, 3);
        unlimited.Cluster.Etcd.Memory = new Quantity(0);
        Assert.Equal(0, Only(Run(unlimited)).Etcd.Ooms);
    }

    [Fact]
    public void After_etcd_dies_every_API_server_cache_reinitialises_and_its_watchers_relist()
    {
        var o = Run(DataPlaneScenarios.ListStorm(5000, 3));
        var kill = o.Result.Timeline.First(e => e.Kind == "etcd-oom-kill");
        var back = o.Result.Timeline.First(e => e.Kind == "restart" && e.Message.StartsWith("etcd", StringComparison.Ordinal));
        // CoreDNS's watches were terminated with the caches. At 1.30 its re-watch waits for the cold cache; once
        // the cache is back from etcd the old version is gone (410), and the relist doubles its informer memory
        // past the limit sized by the CoreDNS scaling guide: it restarts within seconds of etcd's return.
        var coreDns = o.Result.Timeline.Where(e => e.Kind == "coredns-restart").ToList();
        Assert.NotEmpty(coreDns);
        Assert.All(coreDns, e => Assert.Contains("OOM-killed", e.Message));
        Assert.InRange(coreDns[0].Time, back.Time, back.Time + 10);
        Assert.True(back.Time > kill.Time);
    }

    [Fact]
    public void Without_a_CoreDNS_memory_limit_the_same_etcd_failure_stays_hidden_from_users()
    {
        // The user errors of the 5,000-node list storm come through CoreDNS's relist: take its limit away and
        // the running replicas keep answering from their stale views (docs/sources.md §5).
        var s = DataPlaneScenarios.ListStorm(5000, 3);
        s.Cluster.Dns.CoreDns.MemoryLimit = new Quantity(0);
        var o = Run(s);
        Assert.True(Only(o).Etcd.Ooms > 0);
        Assert.Null(Only(o).DnsFailureAtSeconds);
        Assert.All(o.Result.Products, p => Assert.Null(p.FirstErrorAtSeconds));
    }
}
