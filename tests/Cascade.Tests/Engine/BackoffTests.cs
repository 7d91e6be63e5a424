using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.Engine;

/// <summary>The one exponential back-off (Engine/Backoff.cs) and the kubelet's CrashLoopBackOff built on it.</summary>
public class BackoffTests
{
    private static readonly Backoff ClientGo = new(SimTime.FromMilliseconds(800), SimTime.FromSeconds(30));

    [Fact]
    public void Delays_start_at_the_first_double_and_stop_at_the_cap()
    {
        long d = 0;
        var seen = new List<double>();
        for (int i = 0; i < 8; i++) seen.Add(SimTime.ToSeconds(d = ClientGo.Next(d)));
        Assert.Equal(new[] { 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30 }, seen);
    }

    [Fact]
    public void A_controllers_workqueue_backs_off_from_5_ms_doubling_to_1000_s()
    {
        long d = 0;
        var seen = new List<long>();
        for (int i = 0; i < 20; i++) seen.Add(d = Backoff.ControllerWorkqueue.Next(d));
        Assert.Equal(SimTime.FromMilliseconds(5), seen[0]);
        Assert.Equal(SimTime.FromMilliseconds(5) << 17, seen[17]);   // 655.36 s
        Assert.Equal(SimTime.FromSeconds(1000), seen[18]);
        Assert.Equal(SimTime.FromSeconds(1000), seen[19]);
    }

    [Fact]
    public void A_failure_after_a_quiet_period_starts_the_sequence_over_and_one_within_it_does_not()
    {
        long d = 0, last = -1, reset = SimTime.FromMinutes(2);
        ClientGo.Next(ref d, ref last, 0, reset);
        ClientGo.Next(ref d, ref last, SimTime.FromSeconds(1), reset);
        Assert.Equal(SimTime.FromSeconds(1.6), d);
        Assert.Equal(SimTime.FromSeconds(3.2), ClientGo.Next(ref d, ref last, SimTime.FromSeconds(121), reset)); // 120 s since the last: not yet
        Assert.Equal(SimTime.FromSeconds(0.8), ClientGo.Next(ref d, ref last, SimTime.FromSeconds(242), reset)); // 121 s: over
    }

    [Fact]
    public void A_container_that_keeps_dying_waits_0_then_10_s_doubling_to_5_min_and_is_forgiven_after_10_min_of_running()
    {
        long delay = 0, lastCrash = -1, started = 0, now = 0;
        var waits = new List<double>();
        for (int i = 0; i < 8; i++)
        {
            long w = Etcd.CrashLoopDelay(now, started, ref delay, ref lastCrash);
            waits.Add(SimTime.ToSeconds(w));
            started = now + w + SimTime.FromSeconds(30); // back after the wait, dies 30 s later
            now = started + SimTime.FromSeconds(30);
        }
        Assert.Equal(new double[] { 0, 10, 20, 40, 80, 160, 300, 300 }, waits);
        // Ran 10 minutes without a crash: the next crash restarts at once.
        Assert.Equal(0, Etcd.CrashLoopDelay(started + SimTime.FromMinutes(10), started, ref delay, ref lastCrash));
    }
}
