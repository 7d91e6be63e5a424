using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// A workload's loops, pod by pod and call by call: each (pod, call) its own loop at its own period; a pod stopped
/// and started again runs one loop per call, not its old one beside the new; a one-shot call at 0 s is still one
/// call; free slots; the bytes a LIST brings back against a GET.
/// </summary>
public class WorkloadLoopTests
{
    private static SmallCluster New(string calls, int replicas = 3) => SmallCluster.FromYaml(SmallCluster.Head + "\n" + $$"""
        workloads:
          - name: probe
            identity: {serviceAccount: web/probe}
            replicas: {{replicas}}
            calls: {{calls}}
        """, "cluster.nodes=3", "cluster.dns.enabled=false");

    /// <summary>The probe workload with <see cref="TwoLoops"/>, three pods on three nodes.</summary>
    private static (SmallCluster Cluster, Workload Workload) TwoLoopProbe()
    {
        var c = New(TwoLoops);
        return (c, c.Cluster.FindWorkload("probe")!.Workload);
    }

    private const string TwoLoops = "[{verb: get, resource: configmaps, every: 10s, phase: aligned, jitter: 0}, {verb: get, resource: secrets, every: 30s, phase: aligned, jitter: 0}]";

    [Fact]
    public void Each_pod_runs_each_call_in_its_own_loop_at_that_calls_period()
    {
        var (c, w) = TwoLoopProbe();
        c.RunTo(295);
        // Aligned at 0 s, no jitter: the 10 s loop has called 30 times by 295 s, the 30 s loop 10 times, on each of 3 pods.
        Assert.Equal(3 * 30, w.Calls[0].Call.Dispatched);
        Assert.Equal(3 * 10, w.Calls[1].Call.Dispatched);
        Assert.Equal(3 * 40, w.Responses);
    }

    [Fact]
    public void A_pod_stopped_and_started_at_once_runs_one_loop_per_call_and_only_while_the_workload_runs()
    {
        var (c, w) = TwoLoopProbe();
        c.RunTo(5);
        w.StopPod(1);
        Assert.Equal(1, w.FreeSlot());
        w.StartPod(1);   // its loops start again at random phases; the old ones were cancelled
        Assert.Equal(-1, w.FreeSlot());
        Assert.Equal(3, w.PodsRunning);
        long before0 = w.Calls[0].Call.Dispatched, before1 = w.Calls[1].Call.Dispatched;
        c.RunTo(305);
        Assert.InRange(w.Calls[0].Call.Dispatched - before0, 3 * 30 - 1, 3 * 30 + 1);
        Assert.InRange(w.Calls[1].Call.Dispatched - before1, 3 * 10 - 1, 3 * 10 + 1);

        w.Stop();
        w.StopPod(2);
        w.StartPod(2);   // the workload is stopped: the pod's slot fills, its loops do not run
        long stopped = w.Responses;
        c.RunTo(400);
        Assert.Equal(stopped, w.Responses);
        Assert.False(w.PodStopped(2));
    }

    [Fact]
    public void Stopping_one_pod_ends_its_loops_and_no_other_pods()
    {
        var (c, w) = TwoLoopProbe();
        c.RunTo(5);
        w.StopPod(2);
        c.RunTo(295);
        // Pods 0 and 1 keep both loops (30 and 10 calls each by 295 s); pod 2 made its two calls at 0 s only.
        Assert.Equal((2 * 30 + 1, 2 * 10 + 1), (w.Calls[0].Call.Dispatched, w.Calls[1].Call.Dispatched));
    }

    [Fact]
    public void Stopping_the_workload_withdraws_every_pods_next_call()
    {
        var (c, w) = TwoLoopProbe();
        c.RunTo(5);
        int pending = c.Sim.PendingEvents;
        w.Stop();
        Assert.Equal(pending - 3 * 2, c.Sim.PendingEvents); // a next call per (pod, call), none left to fire into nothing
    }

    [Fact]
    public void Before_its_controller_creates_them_no_pod_of_a_workload_exists()
    {
        var (c, w) = TwoLoopProbe();
        w.StopAllPods();
        Assert.Equal((0, 0, 0), (w.Replicas, w.PodsRunning, w.FreeSlot()));
        Assert.All(Enumerable.Range(0, 3), p => Assert.True(w.PodStopped(p)));
    }

    [Fact]
    public void A_restarted_pod_comes_back_after_its_down_time_with_one_loop_per_call_unless_it_went_meanwhile()
    {
        var (c, w) = TwoLoopProbe();
        c.RunTo(5);
        w.RestartPod(1, SimTime.FromSeconds(5));
        Assert.True(w.PodStopped(1));
        Assert.False(w.PodGone(1));
        c.RunTo(295);
        Assert.False(w.PodStopped(1));
        // Pod 1 called at 0 s, then from 10 s on (aligned) every 10 s (29 calls) and every 30 s (10 calls); the others as ever.
        Assert.Equal((2 * 30 + 1 + 29, 2 * 10 + 1 + 10), (w.Calls[0].Call.Dispatched, w.Calls[1].Call.Dispatched));

        w.RestartPod(0, SimTime.FromSeconds(5));
        w.StopPod(0);   // its node goes while it is down: it does not come back
        c.RunTo(400);
        Assert.True(w.PodStopped(0));
        Assert.True(w.PodGone(0));
    }

    [Fact]
    public void A_one_shot_call_at_0_s_is_made_once_per_pod_at_the_pods_start()
    {
        var c = New("[{verb: get, resource: secrets, at: 0s}]");
        var w = c.Cluster.FindWorkload("probe")!.Workload;
        Assert.True(w.Calls[0].OneShot);
        Assert.Equal(0, w.Calls[0].FirstDelayTicks(c.Sim.Random.Stream("t")));
        c.RunTo(0.5);
        Assert.Equal(3, w.Responses);
        c.RunTo(600);
        Assert.Equal(3, w.Calls[0].Call.Dispatched);
    }

    [Fact]
    public void A_list_brings_back_every_object_it_selects_and_a_get_one()
    {
        var c = New("[{verb: list, resource: configmaps, every: 60s, phase: aligned, jitter: 0, selectivity: 0.5}, {verb: get, resource: secrets, every: 60s, phase: aligned, jitter: 0}]", replicas: 1);
        var w = c.Cluster.FindWorkload("probe")!.Workload;
        var list = w.Calls[0].Call;
        var get = w.Calls[1].Call;
        c.RunTo(30);
        long expected = (long)(list.ObjectsInScope * 0.5) * list.Resource.BytesPerObject + get.Resource.BytesPerObject;
        Assert.True(list.ObjectsInScope > 2);
        Assert.Equal(expected, w.TakeBytesReceived());
        Assert.Equal(0, w.TakeBytesReceived());
        Assert.Equal(Math.Max((long)(list.ObjectsInScope * 0.5) * list.Resource.BytesPerObject, get.Resource.BytesPerObject), w.LargestResponseBytes);
    }
}
