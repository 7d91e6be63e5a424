using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// client-go's leader election (tools/leaderelection/leaderelection.go) as kube-controller-manager and
/// kube-scheduler run it, on a Lease in kube-system. The leader renews every retry period (2 s); when no
/// renewal has succeeded within the renew deadline (10 s) it has lost the lease and the process exits
/// (both binaries call klog.Fatal on OnStoppedLeading), so the kubelet restarts its container. A process
/// that starts — a restart, or a standby — acquires the Lease only once the old holder's has expired (lease
/// duration 15 s after its last renewal) and the API server answers its update; then it starts its
/// controllers, whose informers list from nothing. Defaults: component-base config/v1alpha1
/// RecommendedDefaultLeaderElectionConfiguration. Requests are classified by APF like anyone's (the
/// leader-election priority level). Left out: the GET before each update (one request stands for both),
/// several standbys racing for the lease (one process stands for all replicas).
/// </summary>
public sealed class LeaderElector : IApiCaller, IEventHandler
{
    /// <summary>--leader-elect-lease-duration 15 s.</summary>
    public static readonly long LeaseDurationTicks = SimTime.FromSeconds(15);

    /// <summary>--leader-elect-renew-deadline 10 s.</summary>
    public static readonly long RenewDeadlineTicks = SimTime.FromSeconds(10);

    /// <summary>--leader-elect-retry-period 2 s.</summary>
    public static readonly long RetryPeriodTicks = SimTime.FromSeconds(2);

    /// <summary>A static pod's container starting again after it exited (assumption: the image is on the node).</summary>
    public static readonly long ProcessStartTicks = SimTime.FromSeconds(5);

    private const int RenewKind = 0, AcquireKind = 1;

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _client;
    private readonly ApiCall _update;
    private readonly string _component;
    private readonly Action<bool> _leading;
    private long _renewedAt;
    private long _life;
    private bool _inFlight;
    private long _crashDelay, _lastCrashAt = -1, _startedAt;

    /// <param name="leading">Called with true when the process starts leading (its controllers start), false when it stops.</param>
    public LeaderElector(Simulation sim, ApiServerSet api, Identity id, string component, Action<bool> leading)
    {
        _sim = sim;
        _api = api;
        _component = component;
        _leading = leading;
        _client = api.CreateClient(double.PositiveInfinity, 1, RenewDeadlineTicks, maxRetries: 0); // each try is bounded by the renew deadline
        _update = api.DefineCall($"{component} leader lease", id.User, id.Groups, "update", "leases", "kube-system");
    }

    /// <summary>The component has a leader running its controllers.</summary>
    public bool Leading { get; private set; }

    /// <summary>Times the leader lost its lease and the process exited.</summary>
    public int LostLeases { get; private set; }

    /// <summary>Leading since before the run: renewals start at a random phase of the retry period.</summary>
    public void Start(RandomStream rng)
    {
        Leading = true;
        _renewedAt = _sim.Now;
        _startedAt = _sim.Now;
        _sim.Schedule((long)(rng.NextDouble() * RetryPeriodTicks), this, RenewKind, _life);
    }

    /// <summary>The leading process dies (a fault): it runs again after <paramref name="downTicks"/> and must then acquire the lease.</summary>
    public void Kill(long downTicks) => StopLeading(downTicks);

    private void StopLeading(long downTicks)
    {
        if (!Leading) return;
        Leading = false;
        _life++;
        _inFlight = false;
        _leading(false);
        _sim.Schedule(downTicks, this, AcquireKind, _life);
    }

    public void OnEvent(int kind, long arg)
    {
        if (arg != _life) return; // a timer of a process that has since exited
        if (kind == RenewKind)
        {
            if (_sim.Now - _renewedAt > RenewDeadlineTicks)
            {
                LostLeases++;
                long restart = ProcessStartTicks + Etcd.CrashLoopDelay(_sim.Now, _startedAt, ref _crashDelay, ref _lastCrashAt);
                _api.Log("leader-lost", $"{_component} lost its lease (no renewal for {SimTime.ToSeconds(RenewDeadlineTicks):F0} s) and exits; back in {SimTime.ToSeconds(restart):F0} s");
                StopLeading(restart);
                return;
            }
            Send();
            _sim.Schedule(RetryPeriodTicks, this, RenewKind, _life);
            return;
        }
        // Acquire: the old holder's lease must have expired first.
        long expires = _renewedAt + LeaseDurationTicks;
        if (_sim.Now < expires)
        {
            _sim.Schedule(expires - _sim.Now, this, AcquireKind, _life);
            return;
        }
        Send();
        _sim.Schedule(RetryPeriodTicks, this, AcquireKind, _life);
    }

    private void Send()
    {
        if (_inFlight) return;
        _inFlight = true;
        _api.Send(_client, _update, this, _life);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        if (tag != _life) return;
        _inFlight = false;
        if (outcome != RequestOutcome.Ok) return;
        _renewedAt = _sim.Now;
        if (Leading) return;
        Leading = true;
        _life++;
        _startedAt = _sim.Now;
        _api.Log("leader-acquired", $"{_component} acquired its lease: its controllers start and list");
        _leading(true);
        _sim.Schedule(RetryPeriodTicks, this, RenewKind, _life);
    }
}
