using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// kube-controller-manager and kube-scheduler as API clients: their informers (cluster-wide pods, nodes,
/// services, endpointslices; docs/sources.md §3 client limits 20/30 and 50/100) and the controller manager's
/// steady stream of writes (status and endpoint updates), Poisson at a configured rate. Their own
/// control loops (node lifecycle, scheduling, endpoints) are modelled with the data plane.
/// </summary>
public sealed class Controllers : IApiCaller, IEventHandler
{
    private const int WriteKind = 0;
    private const int ManagerInformers = 5; // the first five informers are kube-controller-manager's, the rest kube-scheduler's

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _kcm, _scheduler;
    private readonly List<Informer> _informers = new();
    private readonly ApiCall[] _writes;
    private readonly double _writeRate;
    private readonly RandomStream _rng;

    /// <param name="schedulerQps">kube-scheduler's client: one clientset, and so one rate limiter, for its informers and its bindings.</param>
    public Controllers(Simulation sim, ApiServerSet api, double writeRatePerSecond, double schedulerQps, int schedulerBurst)
    {
        _sim = sim;
        _api = api;
        _writeRate = writeRatePerSecond;
        _rng = sim.Random.Stream($"{api.Cluster}/controllers");
        _kcm = api.ControllerManagerClient();
        _scheduler = api.CreateClient(schedulerQps, schedulerBurst); // docs/sources.md §3: kube-scheduler 50/100 by default
        foreach (var res in new[] { "pods", "nodes", "services", "endpointslices", "leases" })
            _informers.Add(InformerFor(Identity.KubeControllerManager, _kcm, res));
        foreach (var res in new[] { "pods", "nodes" })
            _informers.Add(InformerFor(Identity.KubeScheduler, _scheduler, res));
        ManagerPods = _informers[0];
        ManagerLeases = _informers[4];
        SchedulerPods = _informers[5];
        Manager = new LeaderElector(sim, api, Identity.KubeControllerManager, "kube-controller-manager", leading => Leading(false, leading));
        SchedulerElector = new LeaderElector(sim, api, Identity.KubeScheduler, "kube-scheduler", leading => Leading(true, leading));
        var kcm = Identity.KubeControllerManager;
        _writes = new[]
        {
            api.DefineCall("kcm pod status", kcm.User, kcm.Groups, "update", "pods", "default"),
            api.DefineCall("kcm endpointslice", kcm.User, kcm.Groups, "update", "endpointslices", "default"),
        };
    }

    /// <summary>kube-controller-manager's shared informers' client.</summary>
    public ApiClient ManagerClient => _kcm;

    /// <summary>kube-controller-manager's shared pod informer (the EndpointSlice controller's view of readiness).</summary>
    public Informer ManagerPods { get; }

    /// <summary>kube-controller-manager's Lease informer (the node lifecycle controller's view of heartbeats).</summary>
    public Informer ManagerLeases { get; }

    /// <summary>kube-scheduler's client: one clientset, one token bucket, shared by its informers and its bindings (docs/sources.md §3).</summary>
    public ApiClient SchedulerClient => _scheduler;

    /// <summary>kube-scheduler's pod informer (how it learns of pending pods).</summary>
    public Informer SchedulerPods { get; }

    private Informer InformerFor(Identity id, ApiClient client, string resource)
    {
        var calls = _api.DefineInformer($"{id.User} {resource}", id.User, id.Groups, resource, null);
        return new Informer(_sim, _api, client, calls, _sim.Random.Stream($"{_api.Cluster}/informer/{id.User}/{resource}"));
    }

    public void Start()
    {
        foreach (var inf in _informers) inf.StartSynced((long)(_rng.NextDouble() * SimTime.TicksPerSecond));
        Manager.Start(_rng);
        SchedulerElector.Start(_rng);
        if (_writeRate > 0) ScheduleWrite();
    }

    /// <summary>kube-controller-manager's leader election.</summary>
    public LeaderElector Manager { get; }

    /// <summary>kube-scheduler's leader election.</summary>
    public LeaderElector SchedulerElector { get; }

    /// <summary>kube-controller-manager has no leader now: no controller runs.</summary>
    public bool ManagerLeaderless => !Manager.Leading;

    /// <summary>kube-scheduler has no leader now: no pod is bound.</summary>
    public bool SchedulerLeaderless => !SchedulerElector.Leading;

    /// <summary>Told when kube-controller-manager starts leading (its node lifecycle controller starts afresh).</summary>
    public Action? ManagerStartedLeading { get; set; }

    /// <summary>
    /// A component's process starts or stops leading: stopping, its informers and loops end; starting, a new
    /// process's informers list from nothing (both binaries start their informers only once they lead).
    /// </summary>
    private void Leading(bool scheduler, bool leading)
    {
        int from = scheduler ? ManagerInformers : 0, to = scheduler ? _informers.Count : ManagerInformers;
        for (int i = from; i < to; i++)
            if (leading) _informers[i].Restart(0);
            else _informers[i].Stop();
        if (leading && !scheduler) ManagerStartedLeading?.Invoke();
    }

    private void ScheduleWrite() =>
        _sim.Schedule((long)(_rng.NextExponential(1 / _writeRate) * SimTime.TicksPerSecond), this, WriteKind);

    /// <summary>kube-controller-manager's background writes sent (pod status and EndpointSlice updates).</summary>
    public long Writes { get; private set; }

    public void OnEvent(int kind, long arg)
    {
        if (!ManagerLeaderless)
        {
            Writes++;
            _api.Send(_kcm, _writes[_rng.NextInt(_writes.Length)], this, 0);
        }
        ScheduleWrite();
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch) { }
}
