using Cascade.Scenarios.Binding;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>kube-apiserver's liveness probe (kubeadm: /livez every 10 s, 15 s timeout, 8 failures; the etcd check inside it).</summary>
public class LivenessTests
{
    /// <summary>A storm of cluster-wide ranges against an etcd too small for them: it crash-loops.</summary>
    private static Cascade.Results.RunOutput CrashLoopingEtcd(int failureThreshold)
    {
        var s = ListStorm(1000, 15);
        s.Cluster.Etcd.Memory = new Quantity(8.0 * (1L << 30));
        s.Cluster.ApiServer.Liveness.FailureThreshold = failureThreshold;
        return Run(s);
    }

    [Fact]
    public void While_etcd_crash_loops_every_api_server_is_restarted_by_its_liveness_probe_and_the_timeline_says_why()
    {
        var o = CrashLoopingEtcd(8);
        Assert.Contains(o.Result.Timeline, e => e.Kind == "crash-loop" && e.Message.StartsWith("etcd", StringComparison.Ordinal));
        var restarts = o.Result.Timeline.Where(e => e.Kind == "liveness-restart").ToList();
        Assert.Equal(3, restarts.Select(e => e.Message.Split(' ')[0]).Distinct().Count());
        Assert.All(restarts, e => Assert.Contains("etcd", e.Message));
        // Never before 8 probes 10 s apart could fail.
        double firstDown = o.Result.Timeline.First(e => e.Kind == "etcd-oom-kill").Time;
        Assert.True(restarts[0].Time >= firstDown + 70, $"restarted at {restarts[0].Time}, etcd first died at {firstDown}");
    }

    [Fact]
    public void Without_the_probe_the_same_etcd_crash_loop_restarts_no_api_server()
    {
        var o = CrashLoopingEtcd(0);
        Assert.Contains(o.Result.Timeline, e => e.Kind == "etcd-oom-kill");
        Assert.DoesNotContain(o.Result.Timeline, e => e.Kind == "liveness-restart");
    }

    [Fact]
    public void A_healthy_cluster_is_never_restarted_by_its_probe()
    {
        var s = ListStorm(1000, 20, resourceVersion: "0");
        var o = Run(s);
        Assert.DoesNotContain(o.Result.Timeline, e => e.Kind == "liveness-restart");
    }
}
