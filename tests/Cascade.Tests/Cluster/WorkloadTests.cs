using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>Workloads on a tiny cluster: a DaemonSet rolled out and deleted, a Deployment scaled, a Job, pods restarted, and their API calls.</summary>
public class WorkloadTests
{
    internal const string Yaml = SmallCluster.Head + "\n" + """
        workloads:
          - name: agent
            placement: perNode
            identity: {serviceAccount: monitoring/agent}
            calls:
              - {verb: get, resource: configmaps, every: 10s}
          - name: api
            identity: {serviceAccount: web/api}
            replicas: 4
            calls:
              - {verb: get, resource: configmaps, every: 30s}
            service: {name: api, endpointChangeEvery: 120s}
        rollout:
          change: agent
          startAt: 1h
          waves: [{clusters: ["*"]}]
        remediation:
          - {action: scaleWorkload, workloads: [api], replicas: 40, at: 1h}
          - {action: scaleNodes, nodes: 8, at: 1h}
        products:
          - {name: backend, replicas: 3, requestRate: 0}
          - {name: web, replicas: 3, requestRate: 100, calls: [backend]}
        """;

    private static SmallCluster New(params string[] overrides) => SmallCluster.FromYaml(Yaml, overrides);

    private static long Pods(SmallCluster c) => c.Cluster.Api.Resources.Find("pods")!.Count;

    [Fact]
    public void A_daemonset_rolled_out_gets_a_pod_on_every_node_and_on_each_node_added_later()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        Assert.Null(c.Cluster.FindWorkload("nope"));
        Assert.Null(agent.StartAt);
        Assert.True(agent.PerNode);
        Assert.False(agent.Workload.Running);
        Assert.Equal(8, agent.Workload.Pods);   // a slot for each node the scenario can reach
        long pods = Pods(c);
        int others = c.Pods.OtherPods.Sum();
        c.Cluster.Deploy(agent);
        c.RunTo(45);
        Assert.True(agent.Workload.Running);
        Assert.Equal(6, agent.Workload.PodsRunning);
        Assert.Equal(pods + 6, Pods(c));
        Assert.Equal(others + 6, c.Pods.OtherPods.Sum());
        c.Cluster.Deploy(agent);   // already running
        c.RunTo(50);
        Assert.Equal(pods + 6, Pods(c));
        c.Cluster.AddNodes(7);
        c.RunTo(80);
        Assert.Equal(7, agent.Workload.PodsRunning);
        Assert.False(agent.Workload.PodStopped(6));
        Assert.True(agent.Workload.PodStopped(7));
        Assert.Equal(pods + 7, Pods(c));
    }

    [Fact]
    public void Deleting_a_daemonset_through_the_api_server_stops_its_pods_and_no_new_node_gets_one()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.DeletePodsThroughApi("nope");   // no such workload: nothing
        Assert.Empty(c.Notes("action"));
        c.Cluster.Deploy(agent);
        c.RunTo(50);
        Assert.Equal(6, agent.Workload.PodsRunning);
        c.Cluster.DeletePodsThroughApi("agent");
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(3), "test");   // the deletes in flight fail and are retried a second later
        c.RunTo(52);
        Assert.Equal(6, agent.Workload.PodsRunning);
        c.RunTo(60);
        Assert.Equal(0, agent.Workload.PodsRunning);
        Assert.Contains(c.Notes("action"), n => n.Message == "all pods of agent deleted through the API server in 0.1 min");
        c.Cluster.AddNodes(7);
        c.RunTo(90);
        Assert.Equal(0, agent.Workload.PodsRunning);
        c.Cluster.DeletePodsThroughApi("agent");
        Assert.Equal("no pod of agent was running yet: nothing for the garbage collector to delete", c.Notes("action")[^1].Message);
    }

    [Fact]
    public void Scaling_a_deployment_up_creates_pods_in_slow_start_batches_and_scaling_it_down_deletes_the_newest_at_once()
    {
        var c = New();
        c.RunTo(30);
        var api = c.Cluster.FindWorkload("api")!;
        Assert.Equal((40, 4, 4), (api.Workload.Pods, api.Workload.Replicas, api.Workload.PodsRunning));
        long pods = Pods(c);
        var up = c.Cluster.ScaleWorkload(api, 40)!;
        c.RunTo(90);
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 5 }, up.Batches);
        Assert.Equal((36, 36, 36), (up.Created, up.Bound, up.Running));
        Assert.Equal((40, 40), (api.Workload.Replicas, api.Workload.PodsRunning));
        Assert.Equal(pods + 36, Pods(c));
        var actions = c.Notes("action");
        Assert.Matches(@"^scaled api from 4 to 40: 36 pods created in \d+\.\d s$", actions[0].Message);
        Assert.Matches(@"^scaled api from 4 to 40: all 36 pods running \d+\.\d s after the wave began$", actions[1].Message);
        Assert.Null(c.Cluster.ScaleWorkload(api, 100));   // at most its slots, which it has
        var down = c.Cluster.ScaleWorkload(api, 10)!;
        c.RunTo(100);
        Assert.Equal(30, down.Deleted);
        Assert.Empty(down.Batches);
        Assert.Equal((10, 10), (api.Workload.Replicas, api.Workload.PodsRunning));
        Assert.All(Enumerable.Range(0, 10), p => Assert.False(api.Workload.PodStopped(p)));
        Assert.All(Enumerable.Range(10, 30), p => Assert.True(api.Workload.PodStopped(p)));
        Assert.Equal(pods + 6, Pods(c));
        Assert.Matches(@"^scaled api from 40 to 10: 30 pods deleted in \d+\.\d s$", c.Notes("action")[^1].Message);
    }

    [Fact]
    public void A_large_job_is_created_at_most_500_pods_a_sync_in_batches_doubling_from_one()
    {
        var c = New();
        c.RunTo(30);
        long pods = Pods(c);
        var job = c.Cluster.RunJob("batch", 700);
        c.RunTo(120);
        int[] sync = { 1, 2, 4, 8, 16, 32, 64, 128, 245 };
        Assert.Equal(sync.Concat(new[] { 1, 2, 4, 8, 16, 32, 64, 73 }), job.Batches);
        Assert.Equal((700, 700, 700), (job.Created, job.Bound, job.Running));
        Assert.Equal(pods + 700, Pods(c));
        Assert.Equal(700, c.Dp.Scheduler!.Bindings);
        var actions = c.Notes("action");
        Assert.Matches(@"^job batch of 700 pods: 700 pods created in \d+\.\d s$", actions[0].Message);
        Assert.Matches(@"^job batch of 700 pods: all 700 pods running \d+\.\d s after the wave began$", actions[1].Message);
    }

    [Fact]
    public void A_failed_create_ends_the_sync_and_the_workqueue_retries_it_with_back_off_from_5_ms()
    {
        var c = New();
        c.RunTo(30);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(10), "test");
        var job = c.Cluster.RunJob("j", 3);
        c.RunTo(60);
        Assert.Equal(3, job.Created);
        Assert.Equal(3, job.Running);   // the retries are syncs, not pods: only the three created run
        Assert.Equal(new[] { 1, 2 }, job.Batches.TakeLast(2));
        // Failed batches of one at 0, 5, 15, 35 ms … doubling: eleven fit in the 10 s outage.
        Assert.InRange(job.Batches.Count(b => b == 1), 12, 13);
    }

    [Fact]
    public void A_deployments_pods_call_the_api_server_in_loops_and_their_cpu_is_the_decoding_of_what_they_received()
    {
        var c = New();
        c.RunTo(300);
        var api = c.Cluster.FindWorkload("api")!;
        Assert.True(api.Workload.Running);
        long responses = api.Workload.Responses;
        Assert.InRange(responses, 4 * 9, 4 * 11);   // every 30 s, stretched by up to 10 %
        Assert.Equal(0, api.Workload.Failures);
        long bytes = c.Cluster.Api.Resources.Find("configmaps")!.BytesPerObject;
        Assert.Equal(0.05 + responses * bytes / 4.0 / 100e6 / 300, api.CpuPerPod, 12);
        Assert.Equal(0.05 + responses * bytes / 4.0 / 100e6 / 300, api.CpuPerPod, 12);   // read again within the second: the same
        Assert.Equal(100.0 * 1024 * 1024 + 2.0 * bytes, api.MemoryPerPodBytes);
        Assert.Equal(bytes, api.Workload.LargestResponseBytes);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(60), "test");
        c.RunTo(360);
        Assert.True(api.Workload.Failures > 0);
        Assert.Equal(api.Workload.Responses, api.Workload.Calls[0].Call.Dispatched + api.Workload.Failures);
    }

    [Fact]
    public void A_workload_starts_at_its_start_time()
    {
        var c = New("workloads[1].startAt=60s");
        var api = c.Cluster.FindWorkload("api")!;
        c.RunTo(59);
        Assert.False(api.Workload.Running);
        Assert.Equal(0, api.Workload.PodsRunning);
        c.RunTo(60);
        Assert.True(api.Workload.Running);
        Assert.Equal(4, api.Workload.PodsRunning);
    }

    [Fact]
    public void A_services_endpoint_changes_each_write_the_endpoints_and_the_slice()
    {
        var c = New();
        c.RunTo(900);
        var svc = Assert.Single(c.Cluster.Services);
        Assert.Equal("api", svc.Name);
        Assert.InRange(svc.Changes, 5, 60);
        Assert.Equal(svc.Changes, svc.EndpointsWrite.Dispatched);
    }

    [Fact]
    public void Restarting_pods_two_at_a_time_takes_each_pair_its_restart_time()
    {
        var c = New();
        c.RunTo(30);
        var api = c.Cluster.FindWorkload("api")!;
        new PodRestarts(c.Cluster, api.Workload, 2, SimTime.FromSeconds(10)).Start();
        Assert.Equal(2, api.Workload.PodsRunning);
        c.RunTo(60);
        Assert.Equal(4, api.Workload.PodsRunning);
        var note = Assert.Single(c.Notes("fault"));
        Assert.Matches(@"^api: 4 pods restarted and Ready in 2[0-2] s$", note.Message);
    }

    [Fact]
    public void Restarting_pods_with_a_budget_as_large_as_the_pods_restarts_them_all_at_once()
    {
        var c = New();
        c.RunTo(30);
        var api = c.Cluster.FindWorkload("api")!;
        new PodRestarts(c.Cluster, api.Workload, 10, SimTime.FromSeconds(10)).Start();
        Assert.Equal(0, api.Workload.PodsRunning);
        c.RunTo(50);
        Assert.Matches(@"^api: 4 pods restarted and Ready in 1[0-1] s$", Assert.Single(c.Notes("fault")).Message);
    }

    [Fact]
    public void Blocking_the_nodes_cuts_all_of_them_off_and_unblocking_lets_them_back_a_few_at_a_time()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(50);
        Assert.Equal(0, c.Cluster.BlockedNodes);
        Assert.Equal(6, c.Cluster.BlockNodes());
        Assert.All(Enumerable.Range(0, 6), n => Assert.True(agent.Workload.Clients[n].Blocked));
        Assert.All(Enumerable.Range(0, 6), n => Assert.True(c.Kubelets.HeartbeatClient(n).Blocked));
        Assert.Equal(0, c.Dp.KubeProxies.Watching);
        Assert.Equal(2, c.Cluster.UnblockNodes(2));
        Assert.Equal(4, c.Cluster.BlockedNodes);
        Assert.False(c.Kubelets.HeartbeatClient(0).Blocked);
        Assert.False(agent.Workload.Clients[1].Blocked);
        Assert.True(c.Kubelets.HeartbeatClient(2).Blocked);
        Assert.Equal(0, c.Cluster.UnblockNodes(-1));
        Assert.Equal(6, c.Cluster.BlockNodes());   // blocking again starts over
        Assert.True(c.Kubelets.HeartbeatClient(0).Blocked);
        c.Cluster.RemoveNodesFrom(3);
        Assert.Equal(3, c.Cluster.BlockedNodes);
        Assert.Equal(3, c.Cluster.UnblockNodes(10));
        Assert.Equal(0, c.Cluster.BlockedNodes);
        Assert.All(Enumerable.Range(0, 3), n => Assert.False(c.Kubelets.HeartbeatClient(n).Blocked));
    }

    [Fact]
    public void A_partition_cuts_off_the_last_nodes_and_their_daemonset_pods_until_it_heals()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(50);
        Assert.Equal(4, c.Cluster.PartitionNodes(2, SimTime.FromSeconds(30)));
        Assert.True(agent.Workload.Clients[5].Blocked && agent.Workload.Clients[4].Blocked);
        Assert.False(agent.Workload.Clients[3].Blocked);
        Assert.False(agent.Workload.Clients[6].Blocked);   // a slot past the nodes of the moment
        c.RunTo(81);
        Assert.False(agent.Workload.Clients[5].Blocked);
        Assert.Equal("partition healed: nodes 4–5 reach the control plane again", Assert.Single(c.Notes("fault")).Message);
    }

    [Fact]
    public void Losing_nodes_stops_their_daemonset_pods_and_their_kubelets_but_keeps_their_objects()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(50);
        long nodes = c.Cluster.Api.Resources.Find("nodes")!.Count;
        Assert.Equal(2, c.Cluster.LoseNodes(2));
        Assert.Equal(4, agent.Workload.PodsRunning);
        Assert.True(c.Kubelets.NodeRemoved(5));
        Assert.Equal(nodes, c.Cluster.Api.Resources.Find("nodes")!.Count);
        Assert.Equal(6, c.Cluster.ActiveNodes);
        Assert.Equal(0, c.Cluster.LoseNodes(1));   // the last node is already lost
    }
}
