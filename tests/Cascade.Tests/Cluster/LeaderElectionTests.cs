using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>kube-controller-manager's and kube-scheduler's leader election (lease 15 s, renew deadline 10 s, retry 2 s) and what stops without a leader.</summary>
public class LeaderElectionTests
{
    [Fact]
    public void The_timings_are_client_gos_recommended_defaults()
    {
        Assert.Equal(SimTime.FromSeconds(15), LeaderElector.LeaseDurationTicks);
        Assert.Equal(SimTime.FromSeconds(10), LeaderElector.RenewDeadlineTicks);
        Assert.Equal(SimTime.FromSeconds(2), LeaderElector.RetryPeriodTicks);
    }

    [Fact]
    public void A_killed_leaders_successor_acquires_the_lease_once_it_expired_fifteen_seconds_after_its_last_renewal()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var ctl = c.Cluster.Controllers!;
        var m = ctl.Manager;
        Assert.True(m.Leading);
        m.Kill(SimTime.FromSeconds(1));
        Assert.False(m.Leading);
        Assert.True(ctl.ManagerLeaderless);
        Assert.False(ctl.SchedulerLeaderless);
        Assert.False(ctl.ManagerPods.IsWatching);   // its informers stop with it
        m.Kill(SimTime.FromSeconds(1));             // already down: nothing more
        double? acquired = c.RunUntil(() => m.Leading, 100, 0.01);
        Assert.NotNull(acquired);
        Assert.InRange(acquired.Value, 73, 75.1);
        Assert.Equal(0, m.LostLeases);
        Assert.Equal("kube-controller-manager acquired its lease: its controllers start and list", Assert.Single(c.Notes("leader-acquired")).Message);
        c.RunTo(90);
        Assert.True(ctl.ManagerPods.IsWatching);
        Assert.True(ctl.ManagerPods.Lists >= 1);
    }

    [Fact]
    public void A_process_killed_for_longer_than_the_lease_acquires_it_as_soon_as_it_runs_again()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var s = c.Cluster.Controllers!.SchedulerElector;
        s.Kill(SimTime.FromSeconds(30));
        Assert.True(c.Cluster.Controllers.SchedulerLeaderless);
        Assert.False(c.Cluster.Controllers.ManagerLeaderless);
        double? acquired = c.RunUntil(() => s.Leading, 120, 0.01);
        Assert.NotNull(acquired);
        Assert.InRange(acquired.Value, 90, 90.1);
        Assert.Equal("kube-scheduler acquired its lease: its controllers start and list", Assert.Single(c.Notes("leader-acquired")).Message);
    }

    [Fact]
    public void A_leader_that_cannot_renew_within_the_renew_deadline_exits_and_its_restart_acquires_the_lease_once_the_api_server_answers()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        var m = c.Cluster.Controllers!.Manager;
        double? lost = c.RunUntil(() => !m.Leading, 100, 0.01);
        Assert.NotNull(lost);
        Assert.InRange(lost.Value, 68, 72.01);   // the first 2 s retry more than 10 s after the last renewal
        Assert.Equal(1, m.LostLeases);
        c.RunTo(lost.Value + 2.1);
        Assert.Equal(1, c.Cluster.Controllers.SchedulerElector.LostLeases);
        var notes = c.Notes("leader-lost");
        Assert.Equal(2, notes.Count);
        Assert.Contains(notes, n => n.Message.StartsWith("kube-controller-manager lost its lease (no renewal for 10 s) and exits; back in ", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Message.StartsWith("kube-scheduler lost its lease (no renewal for 10 s) and exits; back in ", StringComparison.Ordinal));
        double? acquired = c.RunUntil(() => m.Leading, 200, 0.1);
        Assert.NotNull(acquired);
        Assert.InRange(acquired.Value, 90, 120);
        Assert.Equal(1, m.LostLeases);
        c.RunTo(400);
        Assert.True(m.Leading);
        Assert.Equal(1, m.LostLeases);
    }

    [Fact]
    public void Pods_created_while_the_scheduler_has_no_leader_stay_pending_until_a_new_leader_watches()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.Controllers!.SchedulerElector.Kill(SimTime.FromSeconds(60));
        int[] tracked = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        c.Cluster.RemoveNodesFrom(5);   // the pod garbage collector deletes node 5's pods; their ReplicaSets recreate them
        c.RunTo(110);
        var scheduler = c.Dp.Scheduler!;
        Assert.Equal(tracked.Length, scheduler.Pending);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Pending, c.Pods.Phase[p]));
        Assert.All(tracked, p => Assert.Equal(1, c.Pods.Incarnation[p]));
        Assert.Equal(0, scheduler.Bindings);
        c.RunTo(200);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(tracked.Length, scheduler.PendingPeak);
        Assert.Equal(tracked.Length, scheduler.Bindings);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Running, c.Pods.Phase[p]));
    }

    [Fact]
    public void A_binding_that_fails_is_retried_after_1_2_4_8_then_10_s_of_pod_back_off()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        var scheduler = c.Dp.Scheduler!;
        c.Cluster.Controllers!.SchedulerClient.Blocked = true;
        int[] tracked = Enumerable.Range(0, c.Pods.Count).Where(p => c.Pods.Node[p] == 5).ToArray();
        c.Cluster.RemoveNodesFrom(5);
        c.RunTo(84);
        // Failures at t, t + 1, t + 3, t + 7, t + 15; the next at t + 25.
        Assert.Equal(5 * tracked.Length, scheduler.BindingFailures);
        Assert.Equal(tracked.Length, scheduler.Pending);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Pending, c.Pods.Phase[p]));
        c.Cluster.Controllers.SchedulerClient.Blocked = false;
        c.RunTo(84.9);
        Assert.Equal(tracked.Length, scheduler.Pending);
        c.RunTo(86);
        Assert.Equal(0, scheduler.Pending);
        Assert.Equal(5 * tracked.Length, scheduler.BindingFailures);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Starting, c.Pods.Phase[p]));
        c.RunTo(92);
        Assert.All(tracked, p => Assert.Equal(PodPhase.Running, c.Pods.Phase[p]));
    }

    [Fact]
    public void A_leader_that_acquired_the_lease_again_keeps_renewing_it_and_loses_it_in_the_next_outage()
    {
        var c = new SmallCluster();
        c.RunTo(60);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        var m = c.Cluster.Controllers!.Manager;
        c.RunTo(300);
        Assert.True(m.Leading);
        Assert.Equal(1, m.LostLeases);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(30), "test");
        c.RunTo(315);
        Assert.False(m.Leading);
        Assert.Equal(2, m.LostLeases);
    }
}
