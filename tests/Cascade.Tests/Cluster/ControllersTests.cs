using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// kube-controller-manager and kube-scheduler as API clients: whose informers watch what, as whom and through
/// which client; the controller manager's background writes at their Poisson rate, only while it leads; and each
/// binary's informers stopping with its own leadership, not the other's.
/// </summary>
public class ControllersTests
{
    private static string Schema(SmallCluster c, ApiCall call) => c.Cluster.Api.Config.Apf.FlowSchemas[call.Classification.FlowSchema].Name;

    [Fact]
    public void The_controller_manager_watches_five_resources_and_the_scheduler_two_each_through_its_own_client_and_flow_schema()
    {
        var c = new SmallCluster();
        var ctl = c.Cluster.Controllers!;
        var kcm = c.Cluster.Api.Informers.Where(i => i.Client == ctl.ManagerClient).ToList();
        var sched = c.Cluster.Api.Informers.Where(i => i.Client == ctl.SchedulerClient).ToList();
        Assert.Equal(new[] { "pods", "nodes", "services", "endpointslices", "leases" }, kcm.Select(i => i.Calls.List.Resource.Name));
        Assert.Equal(new[] { "pods", "nodes" }, sched.Select(i => i.Calls.List.Resource.Name));
        Assert.All(kcm, i => Assert.Equal("kube-controller-manager", Schema(c, i.Calls.Watch)));
        Assert.All(sched, i => Assert.Equal("kube-scheduler", Schema(c, i.Calls.Watch)));
        Assert.All(kcm, i => Assert.StartsWith("system:kube-controller-manager ", i.Calls.List.Name));
        Assert.All(sched, i => Assert.StartsWith("system:kube-scheduler ", i.Calls.List.Name));
        Assert.Same(kcm[0], ctl.ManagerPods);
        Assert.Same(kcm[4], ctl.ManagerLeases);
        Assert.Same(sched[0], ctl.SchedulerPods);
        Assert.NotSame(ctl.ManagerClient, ctl.SchedulerClient);
        // kube-scheduler's one clientset: 50 QPS, burst 100 by default.
        long now = c.Sim.Now;
        for (int k = 0; k < 100; k++) Assert.Equal(0, ctl.SchedulerClient.ReserveToken(now));
        Assert.Equal(SimTime.FromMilliseconds(20), ctl.SchedulerClient.ReserveToken(now));
    }

    [Fact]
    public void The_controller_managers_writes_come_at_their_rate_while_it_leads_and_stop_while_it_does_not()
    {
        var c = new SmallCluster("cluster.controllers.writeRate=2");
        var ctl = c.Cluster.Controllers!;
        c.RunTo(60);
        long start = ctl.Writes;
        c.RunTo(660);
        Assert.InRange(ctl.Writes - start, 1200 - 140, 1200 + 140);   // 2/s for 600 s, σ ≈ 35
        ctl.Manager.Kill(SimTime.FromSeconds(120));
        Assert.True(ctl.ManagerLeaderless);
        long atKill = ctl.Writes;
        c.RunTo(700);
        Assert.Equal(atKill, ctl.Writes);
        c.RunTo(900);
        Assert.False(ctl.ManagerLeaderless);
        Assert.True(ctl.Writes > atKill + 200);
    }

    [Fact]
    public void Without_a_write_rate_the_controller_manager_writes_nothing_in_the_background()
    {
        var c = new SmallCluster("cluster.controllers.writeRate=0");
        c.RunTo(600);
        Assert.Equal(0, c.Cluster.Controllers!.Writes);
    }

    [Fact]
    public void Each_binarys_informers_stop_with_its_own_leadership_and_list_afresh_when_it_leads_again()
    {
        var c = new SmallCluster();
        var ctl = c.Cluster.Controllers!;
        c.RunTo(60);
        Assert.True(ctl.ManagerPods.IsWatching && ctl.SchedulerPods.IsWatching && ctl.ManagerLeases.IsWatching);
        ctl.SchedulerElector.Kill(SimTime.FromSeconds(60));
        c.RunTo(61);
        Assert.False(ctl.SchedulerPods.IsWatching);
        Assert.True(ctl.ManagerPods.IsWatching && ctl.ManagerLeases.IsWatching);
        c.RunTo(200);
        Assert.True(ctl.SchedulerPods.IsWatching);

        long managerLists = ctl.ManagerPods.Lists, schedulerLists = ctl.SchedulerPods.Lists;
        ctl.Manager.Kill(SimTime.FromSeconds(60));
        c.RunTo(201);
        Assert.False(ctl.ManagerPods.IsWatching);
        Assert.False(ctl.ManagerLeases.IsWatching);
        Assert.True(ctl.SchedulerPods.IsWatching);
        c.RunTo(340);
        Assert.True(ctl.ManagerPods.IsWatching);
        Assert.Equal(managerLists + 1, ctl.ManagerPods.Lists);     // a new process lists from nothing
        Assert.Equal(schedulerLists, ctl.SchedulerPods.Lists);
    }
}
