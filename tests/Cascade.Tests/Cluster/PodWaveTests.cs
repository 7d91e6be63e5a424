using System.Globalization;
using System.Text.RegularExpressions;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// A controller's wave of pods (Cluster/PodWave.cs): the DaemonSet controller's pod for each node, bound once and started
/// in its node's slot; a wave ended while creates are in flight; deletes that fail and are retried; and the seconds
/// its log lines report, counted from the wave's own start.
/// </summary>
public class PodWaveTests
{
    private static SmallCluster New(params string[] overrides) => SmallCluster.FromYaml(WorkloadTests.Yaml, overrides);

    /// <summary>The agent DaemonSet rolled out at 30 s on the six nodes.</summary>
    private static (SmallCluster C, Cascade.Cluster.DeployedWorkload Agent) Deployed()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        return (c, agent);
    }

    /// <summary>The seconds a log line ends with ("… in 2.3 s", "… 7.1 s after the wave began").</summary>
    private static double SecondsIn(string message) =>
        double.Parse(Regex.Match(message, @"(\d+\.\d) s( after the wave began)?$").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void A_daemonsets_pod_is_bound_once_on_its_own_node_and_runs_in_that_nodes_slot()
    {
        var c = New();
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        Assert.Null(c.Cluster.DaemonSetWave(agent));   // not rolled out yet
        int others = c.Pods.OtherPods.Sum();
        c.Cluster.Deploy(agent);
        c.RunTo(45);
        var wave = c.Cluster.DaemonSetWave(agent)!;
        Assert.Equal((6, 6, 6), (wave.Created, wave.Bound, wave.Running));
        Assert.Equal(others + 6, c.Pods.OtherPods.Sum());
        // Nodes 4 and 5 go; node 6 joins: its pod is in slot 6, not in the first free one.
        Assert.Equal(2, c.Cluster.LoseNodes(2));
        c.Cluster.AddNodes(7);
        c.RunTo(80);
        Assert.Equal((7, 7), (wave.Created, wave.Bound));
        Assert.Equal(5, agent.Workload.PodsRunning);
        Assert.True(agent.Workload.PodStopped(4));
        Assert.True(agent.Workload.PodStopped(5));
        Assert.False(agent.Workload.PodStopped(6));
    }

    [Fact]
    public void A_node_that_registers_while_the_daemonset_controller_waits_its_back_off_gets_its_pod_at_once()
    {
        // Twice the same run: the DaemonSet controller cut off while node 6 joins, so its syncs fail and back off; then let
        // back in, with or without node 7 joining.
        (SmallCluster, Cascade.Cluster.PodWave, double Retry) CutOff()
        {
            var (c, agent) = Deployed();
            c.RunTo(45);
            var wave = c.Cluster.DaemonSetWave(agent)!;
            Assert.Equal(6, wave.Created);
            wave.Client.Blocked = true;
            c.Cluster.AddNodes(7);
            c.RunTo(1000);
            Assert.Equal(6, wave.Created);
            wave.Client.Blocked = false;
            double retry = SimTime.ToSeconds(wave.NextRetryAt);
            Assert.InRange(retry, 1100, 2000);   // the back-off has doubled past 100 s
            return (c, wave, retry);
        }

        var (alone, lone, retry) = CutOff();
        alone.RunTo(retry - 0.001);
        Assert.Equal(6, lone.Created);           // node 6's pod waits for the back-off
        alone.RunTo(retry + 5);
        Assert.Equal(7, lone.Created);

        var (joined, wave, late) = CutOff();
        long before = joined.Cluster.Kubelets!.Registrations;
        Assert.Equal(1, joined.Cluster.AddNodes(8));   // node 7 boots and registers: the informer's addNode queues the DaemonSet at once
        double registered = joined.RunUntil(() => joined.Cluster.Kubelets!.Registrations > before, late - 10) ?? throw new InvalidOperationException("node 7 never registered");
        double both = joined.RunUntil(() => wave.Created == 8, late - 10, 0.01) ?? throw new InvalidOperationException("no pod before the back-off ended");
        Assert.InRange(both - registered, 0, 1);

        // Still cut off when node 7 registers: the sync it queues fails too, and the retry stays the earlier one.
        var (still, cut, first) = CutOff();
        cut.Client.Blocked = true;
        int batches = cut.Batches.Count;
        still.Cluster.AddNodes(8);
        still.RunUntil(() => cut.Batches.Count > batches, first - 10);
        still.RunTo(still.Now + 0.01);
        Assert.Equal(first, SimTime.ToSeconds(cut.NextRetryAt));
    }

    [Fact]
    public void Pods_wanted_while_a_batch_is_in_flight_are_synced_at_once_when_that_batch_fails()
    {
        // Each etcd write takes 1 s: node 0's create is in flight when the other five nodes' pods are wanted (the same
        // instant), and the API server dies under it.
        var c = New("cluster.etcd.writeLatency=1s");
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        c.Cluster.Deploy(agent);
        c.RunTo(30.5);
        var wave = c.Cluster.DaemonSetWave(agent)!;
        Assert.Equal([1], wave.Batches);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        c.RunTo(30.5001);
        Assert.Equal([1, 1], wave.Batches);   // the next sync went at once, not 5 ms later
    }

    [Fact]
    public void A_daemonset_pod_whose_node_goes_before_it_starts_never_starts()
    {
        var (c, agent) = Deployed();
        // Every pod is created and bound within a second; each starts 5 s after (the kubelet's pod startup).
        c.RunTo(31.5);
        var wave = c.Cluster.DaemonSetWave(agent)!;
        Assert.Equal((6, 0), (wave.Bound, agent.Workload.PodsRunning));
        Assert.Equal(2, c.Cluster.LoseNodes(2));
        c.RunTo(45);
        Assert.Equal(4, agent.Workload.PodsRunning);
        Assert.True(agent.Workload.PodStopped(4) && agent.Workload.PodStopped(5));
    }

    [Fact]
    public void A_daemonset_deleted_while_its_creates_are_in_flight_puts_no_pod_on_any_node()
    {
        // Each etcd write takes 1 s: the first create (node 0's) is still in flight when the DaemonSet is deleted.
        var c = New("cluster.etcd.writeLatency=1s");
        c.RunTo(30);
        var agent = c.Cluster.FindWorkload("agent")!;
        int others = c.Pods.OtherPods.Sum();
        c.Cluster.Deploy(agent);
        c.RunTo(30.5);
        var wave = c.Cluster.DaemonSetWave(agent)!;
        Assert.Equal(0, wave.Created);
        c.Cluster.DeletePodsThroughApi("agent");
        c.RunTo(60);
        Assert.Equal(1, wave.Created);          // the create in flight lands: the garbage collector's to delete
        Assert.Equal(others, c.Pods.OtherPods.Sum());   // but it is on no node, and nothing starts
        Assert.Equal((0, 0), (wave.Running, agent.Workload.PodsRunning));
    }

    [Fact]
    public void A_scale_down_whose_deletes_fail_retries_each_a_second_later_until_it_lands()
    {
        var c = New();
        c.RunTo(30);
        var api = c.Cluster.FindWorkload("api")!;
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(3), "test");   // no API server for 3 s
        var down = c.Cluster.ScaleWorkload(api, 1)!;
        c.RunTo(32);
        Assert.Equal((0, 4), (down.Deleted, api.Workload.PodsRunning));
        c.RunTo(40);
        Assert.Equal((3, 1), (down.Deleted, api.Workload.PodsRunning));
        Assert.False(api.Workload.PodStopped(0));
        double took = SecondsIn(Assert.Single(c.Notes("action"), n => n.Message.StartsWith("scaled api from 4 to 1: 3 pods deleted")).Message);
        Assert.InRange(took, 3.0, 5.0);
    }

    [Fact]
    public void Scaling_a_deployment_to_zero_deletes_every_pod_the_first_slots_too()
    {
        var c = New();
        c.RunTo(30);
        var api = c.Cluster.FindWorkload("api")!;
        var down = c.Cluster.ScaleWorkload(api, 0)!;
        c.RunTo(35);
        Assert.Equal(4, down.Deleted);
        Assert.Equal((0, 0), (api.Workload.Replicas, api.Workload.PodsRunning));
        Assert.True(api.Workload.PodStopped(0));
    }

    [Fact]
    public void A_waves_log_lines_count_its_seconds_from_its_own_start()
    {
        var c = New();
        c.RunTo(100);
        var api = c.Cluster.FindWorkload("api")!;
        c.Cluster.ScaleWorkload(api, 8);
        c.RunTo(130);
        var lines = c.Notes("action");
        double created = SecondsIn(Assert.Single(lines, n => n.Message.StartsWith("scaled api from 4 to 8: 4 pods created")).Message);
        double running = SecondsIn(Assert.Single(lines, n => n.Message.StartsWith("scaled api from 4 to 8: all 4 pods running")).Message);
        Assert.InRange(created, 0.0, 1.0);
        Assert.InRange(running, 5.0, 6.0);   // the pod startup's 5 s after the last create
        c.Cluster.ScaleWorkload(api, 2);
        c.RunTo(200);
        double deleted = SecondsIn(Assert.Single(c.Notes("action"), n => n.Message.StartsWith("scaled api from 8 to 2: 6 pods deleted")).Message);
        Assert.InRange(deleted, 0.0, 1.0);
    }
}
