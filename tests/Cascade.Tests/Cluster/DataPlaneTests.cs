using Cascade.Cluster;
using Cascade.Engine;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.Cluster;

/// <summary>What the dependants of the control plane do when it fails, down to users' errors (docs/sources.md §4–§7).</summary>
public class DataPlaneTests
{
    private static readonly string[] UserFacing = { "chatgpt", "api", "sora" };

    [Fact]
    public void With_a_healthy_control_plane_products_have_no_errors_for_hours()
    {
        var o = Run(DataPlaneScenarios.Healthy(50, 180));
        var c = Only(o);
        Assert.Null(c.Apiserver.SaturatedAtSeconds);
        Assert.Equal(0, c.NodesNotReadyPeak);
        Assert.Null(c.DnsFailureAtSeconds);
        Assert.Equal(7, o.Result.Products.Count);
        foreach (var p in o.Result.Products)
        {
            Assert.Equal(0, p.Errors);
            Assert.Null(p.FirstErrorAtSeconds);
        }
        Assert.True(o.Result.Products.Single(p => p.Name == "chatgpt").Requests > 3000 * 3 * 3600 * 0.99);
    }

    /// <summary>
    /// The control plane goes away at minute 5 and CoreDNS replicas restart into it (so no replica can answer
    /// cluster names); returns the delays from then until chatgpt's error rate first reaches 1%, 50% and 95%.
    /// </summary>
    private static (double First, double Half, double Full, double RouteFailure, double QpsBefore, double QpsAfter) DnsOutage(double ttlSeconds, bool serveStale = false, double minutes = 0)
    {
        const double outageAt = 5 * 60;
        var h = new DataPlaneHarness(DataPlaneScenarios.WithNodeLocalCache(DataPlaneScenarios.Healthy(200, 0), ttlSeconds, serveStale));
        h.RunToMinute(outageAt / 60);
        double qpsBefore = h.Dp.CoreDns!.QueriesPerSecond;
        h.ControlPlaneReachable(false);
        for (int r = 0; r < h.Dp.CoreDns.Replicas; r++) h.Dp.CoreDns.RestartContainer(r, "test: restarted into the outage");
        h.RunToMinute(minutes > 0 ? minutes : (outageAt + ttlSeconds) / 60 + 5);
        double qpsAfter = h.Dp.CoreDns.QueriesPerSecond;
        double route = h.Samples("chatgpt").Max(x => x.RouteFailure);
        double F(double rate) => (h.FirstTimeErrorRate("chatgpt", rate, outageAt) ?? double.PositiveInfinity) - outageAt;
        h.Cluster.Api.CheckAccounting();
        return (F(0.01), F(0.5), F(0.95), route, qpsBefore, qpsAfter);
    }

    [Fact]
    public void Errors_grow_only_as_dns_caches_expire_so_they_come_later_the_longer_the_ttl()
    {
        var shortTtl = DnsOutage(300);
        var longTtl = DnsOutage(1200);
        // Existing pods keep serving: nothing routes to a dead endpoint.
        Assert.Equal(0, shortTtl.RouteFailure);
        Assert.Equal(0, longTtl.RouteFailure);
        // Errors begin with the first expiries and ramp over about one TTL instead of stepping: half the
        // requests fail about four times later with a 20 min TTL than with a 5 min one.
        Assert.True(shortTtl.First <= shortTtl.Half && longTtl.First <= longTtl.Half);
        Assert.True(longTtl.Half > 120, $"half the requests failed {longTtl.Half} s into a 20 min TTL");
        Assert.InRange(longTtl.Half / shortTtl.Half, 2.5, 6);
        Assert.InRange(shortTtl.Full, 0.5 * 300, 1.1 * 300);
        Assert.InRange(longTtl.Full, 0.5 * 1200, 1.1 * 1200);
        Assert.True(longTtl.Full - longTtl.First > 0.4 * 1200, $"ramp from {longTtl.First} s to {longTtl.Full} s is a step");
        // Emptied caches retry every 5 s instead of once per TTL: DNS load multiplies.
        Assert.True(longTtl.QpsAfter > 20 * Math.Max(1, longTtl.QpsBefore), $"CoreDNS load {longTtl.QpsBefore} → {longTtl.QpsAfter} queries/s");
    }

    [Fact]
    public void With_serve_stale_caches_hide_a_dns_outage_while_endpoints_stay_unchanged()
    {
        var stale = DnsOutage(300, serveStale: true, minutes: 35);
        Assert.True(double.IsPositiveInfinity(stale.First), $"errors {stale.First} s after the outage despite serve_stale");
        Assert.Equal(0, stale.RouteFailure);
    }

    [Fact]
    public void Starved_leases_mark_nodes_unknown_after_the_grace_period_and_taints_follow_at_the_eviction_rate()
    {
        var s = DataPlaneScenarios.Healthy(300, 0);
        s.Cluster.KubernetesVersion = "1.32"; // --node-monitor-grace-period 50 s from 1.32
        var h = new DataPlaneHarness(s);
        h.RunToMinute(2);
        var starved = Enumerable.Range(0, 300).Where(n => n % 10 < 3).ToList(); // 90 nodes, 30 in each zone
        foreach (int n in starved) h.Cluster.Kubelets!.HeartbeatClient(n).Blocked = true;
        h.RunToMinute(2 + 39 / 60.0);
        var nlc = h.Dp.NodeLifecycle!;
        Assert.Equal(0, nlc.NotReady); // the last renewals (1:50–2:00) are still within the 50 s grace period
        h.RunToMinute(2 + 70 / 60.0);
        Assert.Equal(starved.Count, nlc.NotReady);
        Assert.All(starved, n => Assert.False(nlc.Schedulable(n)));

        // Taints at 0.1 node/s per zone (3 zones: 0.3/s), never all 90 at once: in no minute do more than
        // ~18 (+ the bucket's burst of 1 per zone) get tainted. The node controller's client first carries
        // its pod status updates (marking the NotReady nodes' pods not ready), so the taints start later.
        h.RunToMinute(16);
        var tainted = h.Dp.Samples.Select(x => x.NodesTainted).ToList();
        int worstMinute = 0;
        for (int i = 6; i < tainted.Count; i++) worstMinute = Math.Max(worstMinute, tainted[i] - tainted[i - 6]);
        Assert.InRange(worstMinute, 12, 22);
        Assert.Equal(starved.Count, nlc.Tainted);
        double firstTaint = h.Timeline.Entries.First(e => e.Kind == "taint").Time;
        double allTainted = h.Dp.Samples.First(x => x.NodesTainted == starved.Count).TimeSeconds;
        Assert.True(allTainted - firstTaint >= 250, $"90 taints in {allTainted - firstTaint} s");
        // After the 300 s toleration their pods are evicted and rescheduled on healthy nodes.
        h.RunToMinute(30);
        Assert.True(nlc.Evictions > 2000, $"{nlc.Evictions} evictions");
        Assert.Equal(0, h.Dp.Scheduler!.Pending);
        Assert.True(h.Dp.Scheduler.Bindings > 2000);
        h.Cluster.Api.CheckAccounting();
    }

    [Fact]
    public void Requests_routed_to_pods_that_are_gone_fail_until_the_endpoints_are_updated_through_the_api_server()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(100, 0));
        h.RunToMinute(2);
        h.ControlPlaneReachable(false);
        h.RunToMinute(3);
        h.Cluster.RemoveNodesFrom(70); // 30 nodes and their pods vanish while nothing can update EndpointSlices
        h.RunToMinute(10);
        var during = h.Samples("chatgpt").Where(x => x.TimeSeconds > 190 && x.TimeSeconds <= 600).ToList();
        // kube-proxy keeps routing to the dead endpoints (~30% of each callee's; chatgpt calls three services).
        Assert.All(during, x => Assert.InRange(x.RouteFailure, 0.3, 0.85));
        Assert.True(h.MaxErrorRate("chatgpt", 190, 600) > 0.2);
        h.ControlPlaneReachable(true);
        h.RunToMinute(14);
        // Pod GC deletes the lost pods, the EndpointSlice controller drops them, kube-proxies follow.
        Assert.Equal(0, h.MaxErrorRate("chatgpt", 12 * 60, 14 * 60));
        h.RunToMinute(20);
        Assert.Equal(0, h.Dp.Scheduler!.Pending);
        h.Cluster.Api.CheckAccounting();
    }

    [Fact]
    public void A_controller_that_cannot_watch_leases_marks_healthy_nodes_not_ready_and_with_every_zone_down_stops_evicting()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(100, 0));
        h.RunToMinute(1);
        // kube-controller-manager's informers lose the API server; the kubelets' leases keep landing.
        h.Cluster.Controllers!.ManagerClient.Blocked = true;
        h.RunToMinute(13); // open watches end within 5–10 min and cannot be re-opened
        var nlc = h.Dp.NodeLifecycle!;
        Assert.Equal(0, h.Cluster.Kubelets!.LeaseFailures);
        Assert.Equal(100, nlc.NotReady);
        Assert.Equal(0, nlc.Tainted);
        Assert.Contains(h.Timeline.Entries, e => e.Kind == "evictions-stopped");
        h.Cluster.Controllers.ManagerClient.Blocked = false;
        h.RunToMinute(16);
        Assert.Equal(0, nlc.NotReady);
        Assert.Equal(0, nlc.Evictions);
    }

    [Fact]
    public void Scheduling_stalls_while_the_scheduler_cannot_reach_the_api_server_and_the_backlog_drains_at_recovery()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(300, 0));
        h.RunToMinute(1);
        var sched = h.Dp.Scheduler!;
        sched.Client.Blocked = true;
        for (int n = 0; n < 300; n += 5) h.Cluster.Kubelets!.HeartbeatClient(n).Blocked = true;
        h.RunToMinute(14);
        int backlog = sched.Pending;
        Assert.True(backlog > 1000, $"backlog {backlog}");
        Assert.True(sched.Bindings == 0);
        sched.Client.Blocked = false;
        // The scheduler's informers share its client (one clientset): they relist first, then the backlog drains at
        // the client's 50 QPS (burst 100), not at once: in no 5 s does it fall by more than 5 × 50 + 100.
        int before = backlog;
        bool drained = false;
        for (double m = 14 + 5 / 60.0; m <= 17 + 1e-9; m += 5 / 60.0)
        {
            h.RunToMinute(m);
            Assert.InRange(before - sched.Pending, 0, 5 * 50 + 100);
            before = sched.Pending;
            drained |= sched.Pending == 0;
        }
        Assert.True(drained, $"still {sched.Pending} pending three minutes after the scheduler reached the API server again");
    }

    [Fact]
    public void A_coredns_replica_restarted_during_an_outage_is_never_ready_until_the_api_server_is_back()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(100, 0));
        var core = h.Dp.CoreDns!;
        int pod0 = h.Dp.Services.FirstPod[h.Dp.Services.KubeDns];
        h.RunToMinute(2);
        h.ControlPlaneReachable(false);
        h.RunToMinute(3);
        core.RestartContainer(0, "test");
        for (int m = 4; m <= 15; m++)
        {
            h.RunToMinute(m);
            Assert.False(core.Answering(0), $"restarted replica answers at minute {m}");
            Assert.True(core.Answering(1), "the replica that kept running stopped answering");
            Assert.False(h.Dp.Pods.WantReady[pod0]);
        }
        h.ControlPlaneReachable(true);
        h.RunToMinute(17);
        Assert.True(core.Answering(0));
        Assert.True(h.Dp.Pods.ReadyInApi[pod0]);
        h.Cluster.Api.CheckAccounting();
    }

    [Fact]
    public void Coredns_under_kubeadms_170Mi_limit_is_oom_killed_in_a_large_cluster_but_not_a_small_one()
    {
        foreach (var (nodes, expectOom) in new[] { (200, false), (5000, true) })
        {
            var s = DataPlaneScenarios.Healthy(nodes, 0);
            s.Cluster.Dns.CoreDns.MemoryLimit = new Cascade.Scenarios.Binding.Quantity(170 * 1024 * 1024);
            var h = new DataPlaneHarness(s);
            h.RunToMinute(3);
            // (pods + services) / 1000 + 54 MB: ~60 MB at 200 nodes, ~210 MB at 5,000 (150,000 pods).
            Assert.Equal(expectOom, h.Dp.CoreDns!.OomKills > 0);
        }
    }

    [Fact]
    public void A_seed_reproduces_a_run_with_products_and_dns_byte_for_byte()
    {
        string a = Cascade.Json.Serialize(Run(DataPlaneScenarios.ListStorm(300, 10, 60), seed: 5).Result);
        string b = Cascade.Json.Serialize(Run(DataPlaneScenarios.ListStorm(300, 10, 60), seed: 5).Result);
        Assert.Equal(a, b);
        Assert.Contains("\"products\"", a);
    }

    [Fact]
    public void The_list_storm_reaches_users_at_5000_nodes_through_etcd_and_CoreDNS_and_not_at_50()
    {
        // Issue 4's "done when": saturation, then etcd OOM-killed by the concurrent ranges, every cache relisting,
        // CoreDNS OOM-killed by its relist and unable to sync, and user errors as the node caches' entries expire.
        var big = Run(DataPlaneScenarios.ListStorm(5000, 5));
        var c = Only(big);
        Assert.NotNull(c.Apiserver.SaturatedAtSeconds);
        Assert.True(c.Etcd.Ooms > 0, "etcd should be OOM-killed by the concurrent ranges");
        Assert.NotNull(c.DnsFailureAtSeconds);
        Assert.True(c.DnsFailureAtSeconds >= c.Apiserver.SaturatedAtSeconds);
        foreach (var name in UserFacing)
        {
            // Errors are judged by whole minutes (ProductSeries): the first bad minute must not end before the
            // control plane saturated.
            var p = big.Result.Products.Single(p => p.Name == name);
            Assert.NotNull(p.FirstErrorAtSeconds);
            Assert.True(p.FirstErrorAtSeconds + 60 > c.Apiserver.SaturatedAtSeconds, $"{name} failed before the control plane did");
        }
        var small = Run(DataPlaneScenarios.ListStorm(50, 5));
        Assert.Equal(0, Only(small).Etcd.Ooms);
        foreach (var name in UserFacing)
            Assert.Equal(0, small.Result.Products.Single(p => p.Name == name).PeakErrorRate);
    }

    [Fact]
    public void A_pod_turning_unready_while_its_services_slice_is_being_written_leaves_the_endpoints_by_a_follow_up_write()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(50, 0));
        h.RunToMinute(1);
        var (pods, slices) = (h.Dp.Pods, h.Dp.Endpoints);
        int s = h.Product("chatgpt"), first = h.Dp.Services.FirstPod[s], second = first + 1;
        long writes = slices.Writes;
        void Unready(int pod)
        {
            // The kubelet's status write lands: the pod is unready in the API server and stays so.
            pods.WantReady[pod] = pods.ReadyInApi[pod] = false;
            slices.OnPodChanged(s);
        }
        Unready(first);                 // the controller syncs and sends the slice without the first pod
        Unready(second);                // the second turns unready while that write is in flight
        h.Sim.Run(untilTicks: h.Sim.Now + SimTime.FromSeconds(30));

        Assert.Equal(writes + 2, slices.Writes);
        int last = slices.View(s, h.Sim.Now), before = slices.View(s, slices.PublishedAt(s, last) - 1);
        Assert.Equal((-1, pods.Incarnation[second]), (slices.Endpoint(s, before, 0), slices.Endpoint(s, before, 1)));
        Assert.Equal((-1, -1), (slices.Endpoint(s, last, 0), slices.Endpoint(s, last, 1)));
    }

    [Fact]
    public void A_kube_proxy_cut_off_keeps_routing_by_the_endpoints_it_last_saw_through_many_writes_it_cannot_see()
    {
        var h = new DataPlaneHarness(DataPlaneScenarios.Healthy(50, 0));
        h.RunToMinute(1);
        var (pods, slices, proxies) = (h.Dp.Pods, h.Dp.Endpoints, h.Dp.KubeProxies);
        int s = h.Product("chatgpt"), first = h.Dp.Services.FirstPod[s], r = h.Dp.Services.Replicas[s];
        const int cutOff = 0, watching = 1;
        int[] Routes(int node) { int k = slices.View(s, proxies.SeenAt(node)); return Enumerable.Range(0, r).Select(i => slices.Endpoint(s, k, i)).ToArray(); }
        var before = Routes(cutOff);
        proxies.SetPartitioned(cutOff, true);
        long writes = slices.Writes;
        for (int i = 0; i < 20; i++)
        {
            // One pod after another turns unready in the API server; each change lands as its own slice write.
            pods.WantReady[first + i] = pods.ReadyInApi[first + i] = false;
            slices.OnPodChanged(s);
            h.Sim.Run(untilTicks: h.Sim.Now + SimTime.FromSeconds(5));
        }

        Assert.True(slices.Writes >= writes + 20, $"{slices.Writes - writes} writes");
        Assert.Equal(before, Routes(cutOff));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(-1, Routes(watching)[i]));
        proxies.SetPartitioned(cutOff, false);
        h.Sim.Run(untilTicks: h.Sim.Now + SimTime.FromSeconds(60));
        Assert.Equal(Routes(watching), Routes(cutOff));
    }
}
