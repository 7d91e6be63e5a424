using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>A workload's calls: one-shot calls made once per pod, loops aligned at the start or spread over their period.</summary>
public class WorkloadCallTests
{
    private const string Yaml = SmallCluster.Head + "\n" + """
        workloads:
          - name: probe
            identity: {serviceAccount: web/probe}
            replicas: 3
            calls:
              - {verb: get, resource: secrets, at: 5s}
              - {verb: get, resource: configmaps, every: 20s, phase: aligned, jitter: 0}
        """;

    private static readonly string[] Overrides = ["cluster.nodes=3", "cluster.dns.enabled=false"];

    [Fact]
    public void A_one_shot_call_is_made_once_per_pod_and_an_aligned_loop_starts_on_every_pod_at_once()
    {
        var c = SmallCluster.FromYaml(Yaml, Overrides);
        var w = c.Cluster.FindWorkload("probe")!.Workload;
        Assert.True(w.Calls[0].OneShot);
        Assert.False(w.Calls[1].OneShot);
        c.RunTo(1);
        Assert.Equal(3, w.Responses);   // the aligned loop's first calls, at 0 s
        c.RunTo(6);
        Assert.Equal(6, w.Responses);   // and the one-shot calls at 5 s
        c.RunTo(19.9);
        Assert.Equal(6, w.Responses);
        c.RunTo(21);
        Assert.Equal(9, w.Responses);
        c.RunTo(200);
        Assert.Equal(3, w.Calls[0].Call.Dispatched);
        Assert.Equal(3 + 3 * 10, w.Responses);
    }

    [Fact]
    public void A_stopped_workload_makes_no_more_calls_and_a_restarted_pod_calls_again_after_its_down_time()
    {
        var c = SmallCluster.FromYaml(Yaml, Overrides);
        var w = c.Cluster.FindWorkload("probe")!.Workload;
        c.RunTo(30);
        w.RestartPod(0, SimTime.FromSeconds(15));
        Assert.True(w.PodStopped(0));
        Assert.False(w.PodGone(0));
        Assert.False(w.PodReady(0));
        Assert.True(w.PodReady(1));
        Assert.Equal(2, w.PodsRunning);
        c.RunTo(46);
        Assert.False(w.PodStopped(0));
        Assert.True(w.PodReady(0));
        w.StopPod(2);
        Assert.True(w.PodGone(2));
        Assert.Equal(2, w.FreeSlot());
        w.Stop();
        Assert.False(w.Running);
        Assert.Equal(0, w.PodsRunning);
        long responses = w.Responses;
        c.RunTo(200);
        Assert.Equal(responses, w.Responses);
        Assert.True(w.PodGone(0));
        w.RestartPod(1, SimTime.FromSeconds(1));   // not running: nothing
        Assert.False(w.PodStopped(1));
    }
}
