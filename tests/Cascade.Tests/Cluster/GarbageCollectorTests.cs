using Cascade.Cluster;

namespace Cascade.Tests.Cluster;

/// <summary>The garbage collector deleting a removed DaemonSet's pods through the API server: 20 workers, each pod once.</summary>
public class GarbageCollectorTests
{
    [Fact]
    public void It_deletes_every_running_pod_twenty_at_a_time_and_says_once_when_it_is_done()
    {
        // 45 nodes, the agent on each; every etcd write takes 1 s, so each round of deletes takes a second.
        var c = SmallCluster.FromYaml(WorkloadTests.Yaml, "cluster.nodes=45", "cluster.etcd.writeLatency=1s");
        c.RunTo(30);
        c.Cluster.Deploy(c.Cluster.FindWorkload("agent")!);
        c.RunTo(90);
        var agent = c.Cluster.FindWorkload("agent")!.Workload;
        Assert.Equal(45, agent.PodsRunning);
        agent.StopPod(0);   // gone already: nothing to delete
        c.Cluster.DeletePodsThroughApi("agent");
        double start = c.Now;
        c.RunTo(start + 0.5);
        Assert.Equal(44, agent.PodsRunning);
        c.RunTo(start + 1.5);
        Assert.Equal(24, agent.PodsRunning);   // the first 20, one per worker
        // Each worker goes on to the next pod (the controller manager's client, 20 QPS after a burst of 30, paces them).
        Assert.NotNull(c.RunUntil(() => agent.PodsRunning == 4, start + 4, 0.05));
        c.RunTo(start + 10);
        Assert.Equal(0, agent.PodsRunning);
        Assert.Single(c.Timeline.Entries, e => e.Message.StartsWith("all pods of agent deleted through the API server"));
    }
}
