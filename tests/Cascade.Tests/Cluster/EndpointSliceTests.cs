using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>The EndpointSlice controller's writes and the kube-proxies that route by what they last saw, on a tiny cluster.</summary>
public class EndpointSliceTests
{
    /// <summary>What the kubelet's status patch does when it lands: the pod's Ready condition changes in the API server.</summary>
    private static void StatusLands(SmallCluster c, int pod, bool ready)
    {
        c.Pods.ReadyInApi[pod] = ready;
        c.Dp.Endpoints.OnPodChanged(c.Pods.Service[pod]);
    }

    private static int[] Version(SmallCluster c, string service, int k)
    {
        int s = c.Service(service);
        return Enumerable.Range(0, c.Dp.Services.Replicas[s]).Select(i => c.Dp.Endpoints.Endpoint(s, k, i)).ToArray();
    }

    [Fact]
    public void A_pod_turning_unready_while_its_services_slice_is_being_written_leaves_the_endpoints_by_a_follow_up_write()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var eps = c.Dp.Endpoints;
        long writes = eps.Writes;
        int[] web = c.PodsOf("web").ToArray();
        int s = c.Service("web");
        StatusLands(c, web[0], false);   // one write goes out, carrying web-0 gone
        StatusLands(c, web[1], false);   // lands while that write is in flight
        c.RunTo(31);
        Assert.Equal(writes + 2, eps.Writes);
        Assert.Equal(0, eps.WriteFailures);
        int newest = eps.View(s, long.MaxValue);
        Assert.Equal(new[] { -1, -1, 0 }, Version(c, "web", newest));
        int first = eps.View(s, eps.PublishedAt(s, newest) - 1);
        Assert.Equal(new[] { -1, 0, 0 }, Version(c, "web", first));   // what the worker saw when it synced
        Assert.True(eps.PublishedAt(s, first) < eps.PublishedAt(s, newest));
    }

    [Fact]
    public void Changes_of_a_service_queued_behind_a_busy_worker_make_one_write()
    {
        var c = new SmallCluster("cluster.endpoints.workers=1");
        c.RunTo(30);
        var eps = c.Dp.Endpoints;
        long writes = eps.Writes;
        int[] web = c.PodsOf("web").ToArray(), backend = c.PodsOf("backend").ToArray();
        StatusLands(c, backend[0], false);   // the only worker writes backend
        StatusLands(c, web[0], false);       // web waits in the queue
        StatusLands(c, web[1], false);       // and is still one item
        c.RunTo(31);
        Assert.Equal(writes + 2, eps.Writes);
        Assert.Equal(new[] { -1, -1, 0 }, c.NewestEndpoints("web"));
        Assert.Equal(new[] { -1, 0, 0 }, c.NewestEndpoints("backend"));
    }

    [Fact]
    public void A_slice_write_that_fails_is_retried_after_1_2_4_and_8_s_and_lands_once_the_api_server_answers()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var eps = c.Dp.Endpoints;
        long writes = eps.Writes;
        int pod = c.PodsOf("web").First();
        StatusLands(c, pod, false);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(20), "test");   // the write in flight fails with it
        var failures = new List<double>();
        long seen = 0;
        c.RunUntil(() =>
        {
            if (eps.WriteFailures > seen) { seen = eps.WriteFailures; failures.Add(c.Now); }
            return false;
        }, 46, 0.01);
        Assert.Equal(5, failures.Count);
        double[] gaps = { 1, 2, 4, 8 };
        for (int i = 0; i < gaps.Length; i++) Assert.InRange(failures[i + 1] - failures[i], gaps[i] - 0.011, gaps[i] + 0.011);
        Assert.Equal(writes, eps.Writes);
        Assert.Equal(new[] { 0, 0, 0 }, c.NewestEndpoints("web"));
        c.RunTo(70);   // the next try, 16 s after the last failure
        Assert.Equal(writes + 1, eps.Writes);
        Assert.Equal(5, eps.WriteFailures);
        Assert.Equal(new[] { -1, 0, 0 }, c.NewestEndpoints("web"));
    }

    [Fact]
    public void A_change_the_controllers_pod_informer_misses_while_cut_off_is_written_once_it_watches_again()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var eps = c.Dp.Endpoints;
        long writes = eps.Writes;
        var ctl = c.Cluster.Controllers!;
        ctl.ManagerClient.Blocked = true;
        ctl.ManagerPods.Disconnect();
        int pod = c.PodsOf("web").First();
        StatusLands(c, pod, false);
        c.RunTo(50);
        Assert.False(ctl.ManagerPods.IsWatching);
        Assert.Equal(writes, eps.Writes);
        ctl.ManagerClient.Blocked = false;
        double? watching = c.RunUntil(() => ctl.ManagerPods.IsWatching, 200, 0.1);
        Assert.NotNull(watching);
        Assert.Equal(writes, eps.Writes);
        c.RunTo(watching.Value + 1.5);   // seen on the data plane's next second
        Assert.Equal(writes + 1, eps.Writes);
        c.RunTo(watching.Value + 6);      // and written once
        Assert.Equal(writes + 1, eps.Writes);
        Assert.Equal(new[] { -1, 0, 0 }, c.NewestEndpoints("web"));
    }

    [Fact]
    public void A_kube_proxy_cut_off_routes_by_the_endpoints_it_last_saw_until_it_watches_again()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var eps = c.Dp.Endpoints;
        var proxies = c.Dp.KubeProxies;
        int s = c.Service("backend");
        Assert.Equal(6, proxies.Watching);
        Assert.Equal(long.MaxValue, proxies.OldestView);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(60));   // node 5, until 90 s
        long cutAt = c.Sim.Now;
        Assert.Equal(5, proxies.Watching);
        Assert.Equal(cutAt, proxies.SeenAt(5));
        Assert.Equal(cutAt, proxies.OldestView);
        c.RunTo(40);
        StatusLands(c, c.PodsOf("backend").First(), false);
        c.RunTo(45);
        Assert.Equal(cutAt, proxies.SeenAt(5));
        Assert.Equal(SimTime.FromSeconds(45), proxies.SeenAt(0));
        Assert.Equal(new[] { 0, 0, 0 }, Version(c, "backend", eps.View(s, proxies.SeenAt(5))));
        Assert.Equal(new[] { -1, 0, 0 }, Version(c, "backend", eps.View(s, proxies.SeenAt(0))));
        Assert.True(eps.VersionsKept(s) >= 2);
        Assert.Equal(5, c.Dp.Samples[^1].KubeProxiesWatching);
        Assert.NotNull(c.RunUntil(() => proxies.Watching == 6, 600, 1));
        Assert.Equal(long.MaxValue, proxies.OldestView);
        Assert.Equal(new[] { -1, 0, 0 }, Version(c, "backend", eps.View(s, proxies.SeenAt(5))));
    }

    [Fact]
    public void A_removed_nodes_kube_proxy_no_longer_holds_back_old_versions()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(600));
        Assert.Equal(SimTime.FromSeconds(30), c.Dp.KubeProxies.OldestView);
        c.Cluster.RemoveNodesFrom(5);
        Assert.Equal(long.MaxValue, c.Dp.KubeProxies.OldestView);
        Assert.Equal(5, c.Dp.KubeProxies.Watching);
    }

    [Fact]
    public void Without_kube_proxies_every_node_routes_by_the_newest_endpoints()
    {
        var c = new SmallCluster("cluster.endpoints.kubeProxy=false");
        c.RunTo(30);
        var proxies = c.Dp.KubeProxies;
        Assert.Equal(6, proxies.Watching);
        Assert.Equal(long.MaxValue, proxies.OldestView);
        c.Cluster.PartitionNodes(1, SimTime.FromSeconds(60));
        c.RunTo(40);
        Assert.Equal(SimTime.FromSeconds(40), proxies.SeenAt(5));
        Assert.Equal(6, proxies.Watching);
    }
}
