using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// kube-scheduler binding pods: every node a candidate, each pod bound once, none left pending; pods it has not seen
/// (its informer not watching) wait; a failed binding is tried again after the pod's back-off; nodes that are not
/// Ready get no pod.
/// </summary>
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

    [Fact]
    public void Pods_created_while_its_pod_informer_does_not_watch_wait_and_are_bound_once_it_watches_again()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        var informer = c.Cluster.Controllers!.SchedulerPods;
        long bindings = scheduler.Bindings;
        informer.Stop();
        c.Cluster.RunJob("batch", 12);
        c.RunTo(60);
        Assert.Equal(bindings, scheduler.Bindings);
        Assert.Equal(12, scheduler.Pending);
        Assert.Equal(12, scheduler.PendingPeak);

        informer.Restart(0);
        double? watching = c.RunUntil(() => informer.IsWatching, 120, 0.01);
        Assert.NotNull(watching);
        Assert.Equal(bindings, scheduler.Bindings);     // seen at the data plane's next second, not before
        c.RunTo(watching.Value + 1.5);
        Assert.Equal(bindings + 12, scheduler.Bindings);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(0, scheduler.BindingFailures);
    }

    /// <summary>When each failed binding of the scheduler happened, in seconds, watched for <paramref name="seconds"/>.</summary>
    private static List<double> Failures(SmallCluster c, double seconds)
    {
        var scheduler = c.Dp.Scheduler!;
        var at = new List<double>();
        long seen = scheduler.BindingFailures;
        double end = c.Now + seconds;
        while (c.Now < end - 1e-9)
        {
            c.RunTo(c.Now + 0.01);
            for (; seen < scheduler.BindingFailures; seen++) at.Add(Math.Round(c.Now, 2));
        }
        return at;
    }

    /// <summary>A running cluster whose scheduler's client is cut off (every binding fails at once). Without controllers the
    /// scheduler has no informer: every pod it is told of is seen at once.</summary>
    private static (SmallCluster, KubeScheduler) CutOff()
    {
        var c = new SmallCluster("cluster.controllers.enabled=false");
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        scheduler.Client.Blocked = true;
        return (c, scheduler);
    }

    private static double[] Gaps(List<double> at) => at.Zip(at.Skip(1), (a, b) => Math.Round(b - a, 2)).ToArray();

    [Fact]
    public void A_pods_failed_binding_is_tried_again_after_its_back_off_from_1_s_doubling_to_10_s_and_reset_once_bound()
    {
        var (c, scheduler) = CutOff();
        const int pod = 0;   // the first tracked pod: a failed binding sends it back to pending
        c.Dp.Lifecycle.OnPodDeleted(pod);
        var at = Failures(c, 40);
        Assert.Equal(new[] { 1.0, 2, 4, 8, 10, 10 }, Gaps(at));
        Assert.Equal(1, scheduler.Pending);
        Assert.Equal(PodPhase.Pending, c.Pods.Phase[pod]);

        long bindings = scheduler.Bindings;
        scheduler.Client.Blocked = false;
        c.RunTo(c.Now + 11);
        Assert.Equal(bindings + 1, scheduler.Bindings);
        Assert.Equal(0, scheduler.Pending);

        // Bound, its back-off starts over: the next replacement's first retry is a second after its first failure.
        scheduler.Client.Blocked = true;
        c.Dp.Lifecycle.OnPodDeleted(pod);
        Assert.Equal(new[] { 1.0, 2 }, Gaps(Failures(c, 4)));
    }

    [Fact]
    public void A_pod_not_tracked_one_by_one_is_tried_again_every_10_s()
    {
        var (c, scheduler) = CutOff();
        long bindings = scheduler.Bindings;
        c.Cluster.RunJob("batch", 2);
        var at = Failures(c, 35);
        Assert.Equal(8, at.Count);                       // two pods, each failing at once and 10, 20, 30 s later
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal(10, at[i + 2] - at[i], 6));
        Assert.Equal(2, scheduler.Pending);
        Assert.Equal(bindings, scheduler.Bindings);
    }

    [Fact]
    public void No_pod_goes_to_a_node_that_is_not_ready_and_pods_wait_while_no_node_is()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        c.Cluster.PartitionNodes(5, SimTime.FromSeconds(600));   // nodes 1-5: NotReady after the grace period
        c.RunTo(100);
        Assert.Equal(5, c.Nlc.NotReady);
        var before = c.Pods.OtherPods.ToArray();
        c.Cluster.RunJob("batch", 30);
        c.RunTo(130);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(before[0] + 30, c.Pods.OtherPods[0]);
        Assert.All(Enumerable.Range(1, 5), n => Assert.Equal(before[n], c.Pods.OtherPods[n]));

        // Every node cut off: nothing can be bound, and the pods wait pending without a binding attempt.
        c.Cluster.PartitionNodes(6, SimTime.FromSeconds(600));
        c.RunTo(200);
        Assert.Equal(6, c.Nlc.NotReady);
        long bindings = scheduler.Bindings, failures = scheduler.BindingFailures;
        c.Cluster.RunJob("more", 4);
        c.RunTo(230);
        Assert.Equal(4, scheduler.Pending);
        Assert.Equal(bindings, scheduler.Bindings);
        Assert.Equal(failures, scheduler.BindingFailures);
    }
    /// <summary>The most pods seen in Binding at once, and whether a pod waited unbound while none was, sampled each ms.</summary>
    private static (int Most, bool Idle) Binding(SmallCluster c, int[] pods, double seconds)
    {
        int most = 0;
        bool idle = false;
        double end = c.Now + seconds;
        while (c.Now < end - 1e-9)
        {
            c.RunTo(c.Now + 0.001);
            int binding = pods.Count(p => c.Pods.Phase[p] == PodPhase.Binding);
            most = Math.Max(most, binding);
            if (binding == 0 && c.Dp.Scheduler!.Pending > 0 && pods.Any(p => c.Pods.Phase[p] == PodPhase.Pending)) idle = true;
        }
        return (most, idle);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(100)]
    public void At_most_max_bindings_in_flight_go_at_once_and_the_next_goes_as_soon_as_one_is_answered(int max)
    {
        // Each write takes etcd 1 s, so a binding is in flight for a second.
        // One pod of each of three products: three ReplicaSets, whose first slow-start batches (one create each) go together.
        var c = new SmallCluster($"cluster.scheduler.maxBindingsInFlight={max}", "cluster.etcd.writeLatency=1s",
            "products[2]={name: batch, replicas: 1, requestRate: 0}");
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        int[] pods = [.. new[] { "backend", "web", "batch" }.Select(p => c.Dp.Services.FirstPod[c.Service(p)])];
        foreach (int p in pods) c.Dp.Lifecycle.OnPodDeleted(p);
        long bindings = scheduler.Bindings;
        var (most, idle) = Binding(c, pods, 8);
        Assert.Equal(Math.Min(max, 3), most);
        Assert.False(idle);
        Assert.Equal(bindings + 3, scheduler.Bindings);
        Assert.Equal(0, scheduler.BindingFailures);
    }

    [Theory]
    [InlineData(null, 300, 7.5, 9.5)]
    [InlineData(100, 100, 11.5, 13.5)]
    public void By_default_bindings_are_not_capped_only_paced_by_the_schedulers_client(int? cap, int mostInFlight, double fastest, double slowest)
    {
        // 300 pods pending at once; every write held 4 s by an etcd with room for all of them. Upstream binds each pod in
        // a goroutine of its own, so the client's burst of 100 and 50 QPS pace the bindings: the last is sent 4 s after the
        // first and answered 4 s later. A cap of 100 sends the next hundred only when the first are answered: 12 s.
        string[] overrides = ["cluster.etcd.writeLatency=4s", "cluster.etcd.cpuCores=1024"];
        var c = new SmallCluster(cap is { } n ? [.. overrides, $"cluster.scheduler.maxBindingsInFlight={n}"] : overrides);
        c.RunTo(30);
        var scheduler = c.Dp.Scheduler!;
        c.Cluster.PartitionNodes(6, SimTime.FromSeconds(150));   // every node NotReady from the grace period to 180 s
        c.RunTo(90);
        var job = c.Cluster.RunJob("batch", 300);
        c.RunTo(175);
        Assert.Equal((300, 300, 0), (job.Created, scheduler.Pending, scheduler.BindingsInFlight));
        int most = 0;
        double first = -1;
        while (c.Now < 240 && scheduler.Pending > 0)
        {
            c.RunTo(c.Now + 0.01);
            most = Math.Max(most, scheduler.BindingsInFlight);
            if (first < 0 && scheduler.BindingsInFlight > 0) first = c.Now;
        }
        Assert.Equal((0, 0L), (scheduler.Pending, scheduler.BindingFailures));
        Assert.Equal(mostInFlight, most);
        Assert.InRange(c.Now - first, fastest, slowest);
    }

    [Fact]
    public void Each_jobs_pods_are_bound_as_that_jobs()
    {
        var c = new SmallCluster();
        c.RunTo(30);
        var first = c.Cluster.RunJob("first", 5);
        var second = c.Cluster.RunJob("second", 7);
        c.RunTo(60);
        Assert.Equal(5, first.Bound);
        Assert.Equal(7, second.Bound);
        Assert.Equal(0, c.Dp.Scheduler!.Pending);
    }
    [Fact]
    public void A_pod_is_bound_at_once_however_few_nodes_fit()
    {
        // One node of 400 Ready: 32 random picks would miss it nine times in ten; the scan after them finds it.
        var c = new SmallCluster("cluster.nodes=400");
        c.RunTo(30);
        c.Cluster.PartitionNodes(399, SimTime.FromSeconds(600));
        c.RunTo(100);
        Assert.Equal(399, c.Nlc.NotReady);
        var scheduler = c.Dp.Scheduler!;
        int before = c.Pods.OtherPods[0];
        c.Cluster.RunJob("batch", 30);
        c.RunTo(103);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(before + 30, c.Pods.OtherPods[0]);
    }
}
