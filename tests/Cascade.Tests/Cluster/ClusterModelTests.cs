using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// What the cluster does to its nodes' DaemonSet pods and to a Deployment's when nodes go (removed, lost) or are cut
/// off (a network block, lifted a few at a time), the pods counted after a scale-down, and the controllers' one client
/// each however often they act.
/// </summary>
public class ClusterModelTests
{
    private static SmallCluster New() => SmallCluster.FromYaml(WorkloadTests.Yaml);

    private static (Workload Agent, Workload Api) Deployed(SmallCluster c)
    {
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(60);
        var api = c.Cluster.FindWorkload("api")!.Workload;
        Assert.Equal((6, 4), (agent.Workload.PodsRunning, api.PodsRunning));
        return (agent.Workload, api);
    }

    [Fact]
    public void Removing_nodes_stops_the_daemonset_pods_on_them_scales_the_pods_counted_and_leaves_the_deployment()
    {
        var c = New();
        var (agent, api) = Deployed(c);
        var pods = c.Cluster.Api.Resources.Find("pods")!;
        var nodes = c.Cluster.Api.Resources.Find("nodes")!;
        pods.Count = 1200;
        long nodesBefore = nodes.Count;
        Assert.Equal(2, c.Cluster.RemoveNodesFrom(4));
        Assert.Equal(4, c.Cluster.ActiveNodes);
        Assert.Equal(new[] { false, false, false, false, true, true }, Enumerable.Range(0, 6).Select(agent.PodStopped));
        Assert.Equal(4, api.PodsRunning);
        Assert.Equal(800, pods.Count);
        Assert.Equal(nodesBefore - 2, nodes.Count);
        Assert.Equal(0, c.Cluster.RemoveNodesFrom(4));   // already gone
    }

    [Fact]
    public void Lost_nodes_stop_their_daemonset_pods_keep_their_objects_and_a_daemonset_deployed_later_skips_them()
    {
        var c = New();
        c.RunTo(30);
        var nodes = c.Cluster.Api.Resources.Find("nodes")!;
        long count = nodes.Count;
        Assert.Equal(2, c.Cluster.LoseNodes(2));
        Assert.Equal(count, nodes.Count);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(90);
        Assert.Equal(4, agent.Workload.PodsRunning);
        Assert.True(agent.Workload.PodStopped(4) && agent.Workload.PodStopped(5));
        Assert.Equal(4, c.Cluster.FindWorkload("api")!.Workload.PodsRunning);
    }

    [Fact]
    public void A_network_block_cuts_off_every_nodes_daemonset_pod_not_the_deployment_and_lifts_a_few_nodes_at_a_time()
    {
        var c = New();
        var (agent, api) = Deployed(c);
        Assert.Equal(6, c.Cluster.BlockNodes());
        Assert.Equal(new[] { true, true, true, true, true, true, false, false }, agent.Clients.Select(cl => cl.Blocked));   // the 8 slots: 6 nodes
        Assert.All(api.Clients, cl => Assert.False(cl.Blocked));
        Assert.True(c.Kubelets.HeartbeatClient(5).Blocked);
        Assert.Equal(2, c.Cluster.UnblockNodes(2));
        Assert.Equal(4, c.Cluster.BlockedNodes);
        Assert.Equal(new[] { false, false, true, true, true, true }, agent.Clients.Take(6).Select(cl => cl.Blocked));
        Assert.Equal(new[] { false, false, true, true, true, true }, Enumerable.Range(0, 6).Select(n => c.Kubelets.HeartbeatClient(n).Blocked));
        Assert.Equal(4, c.Cluster.UnblockNodes(10));
        Assert.Equal(0, c.Cluster.BlockedNodes);
        Assert.All(agent.Clients, cl => Assert.False(cl.Blocked));
        Assert.Equal(0, c.Cluster.UnblockNodes(1));
    }

    [Fact]
    public void The_daemonset_and_replicaset_controllers_each_use_one_client_however_often_they_act()
    {
        var c = New();
        int clients = c.Cluster.Api.Clients.Count;
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        var api = c.Cluster.FindWorkload("api")!;
        c.Cluster.ScaleWorkload(api, 10);
        c.Cluster.ScaleWorkload(api, 12);
        c.RunTo(60);
        c.Cluster.AddNodes(8);
        c.RunTo(120);
        Assert.Equal(8, agent.Workload.PodsRunning);
        // One client for the DaemonSet controller; the ReplicaSet controller's is the data plane's, made before.
        Assert.Equal(clients + 1, c.Cluster.Api.Clients.Count);
    }
}
