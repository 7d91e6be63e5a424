using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>kube-scheduler binding a Job's pods: every node a candidate, each pod bound once, none left pending.</summary>
public class KubeSchedulerTests
{
    [Fact]
    public void A_jobs_pods_are_bound_once_each_spread_over_every_node()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        var before = c.Pods.OtherPods.ToArray();
        long bindings = scheduler.Bindings;
        c.Cluster.RunJob("batch", 120);
        c.RunTo(120);
        Assert.Equal(bindings + 120, scheduler.Bindings);
        Assert.Equal(0, scheduler.Pending);
        Assert.True(scheduler.PendingPeak >= 1);
        Assert.Equal(before.Sum() + 120, c.Pods.OtherPods.Sum());
        Assert.All(Enumerable.Range(0, 6), n => Assert.InRange(c.Pods.OtherPods[n] - before[n], 5, 40));   // 20 each expected
    }
}
