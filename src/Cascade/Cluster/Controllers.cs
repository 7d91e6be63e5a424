using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// kube-controller-manager and kube-scheduler as API clients: their informers (cluster-wide pods, nodes,
/// services, endpointslices; MODEL.md §3 client limits 20/30 and 50/100) and the controller manager's
/// steady stream of writes (status and endpoint updates), Poisson at a configured rate. Their own
/// control loops (node lifecycle, scheduling, endpoints) are modelled with the data plane.
/// </summary>
public sealed class Controllers : IApiCaller, IEventHandler
{
    private const int WriteKind = 0, LeaderKind = 1;
    private const int ManagerInformers = 5; // the first five informers are kube-controller-manager's, the rest kube-scheduler's

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _kcm, _scheduler;
    private readonly List<Informer> _informers = new();
    private readonly ApiCall[] _writes;
    private readonly double _writeRate;
    private readonly RandomStream _rng;

    public Controllers(Simulation sim, ApiServerSet api, double writeRatePerSecond)
    {
        _sim = sim;
        _api = api;
        _writeRate = writeRatePerSecond;
        _rng = sim.Random.Stream($"{api.Cluster}/controllers");
        _kcm = api.CreateClient(20, 30);        // MODEL.md §3: kube-controller-manager 20/30
        _scheduler = api.CreateClient(50, 100); // MODEL.md §3: kube-scheduler 50/100
        foreach (var res in new[] { "pods", "nodes", "services", "endpointslices", "leases" })
            _informers.Add(InformerFor(Identity.KubeControllerManager, _kcm, res));
        foreach (var res in new[] { "pods", "nodes" })
            _informers.Add(InformerFor(Identity.KubeScheduler, _scheduler, res));
        ManagerPods = _informers[0];
        ManagerLeases = _informers[4];
        SchedulerPods = _informers[5];
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
        if (_writeRate > 0) ScheduleWrite();
    }

    /// <summary>kube-controller-manager has no leader now (its leader died and no other has taken the lease yet).</summary>
    public bool ManagerLeaderless { get; private set; }

    /// <summary>kube-scheduler has no leader now.</summary>
    public bool SchedulerLeaderless { get; private set; }

    /// <summary>
    /// The leader of kube-controller-manager (or kube-scheduler) dies: its informers and loops stop. After
    /// <paramref name="leaderlessTicks"/> — the restart, or a standby acquiring the lease once it expires — the
    /// new leader starts its informers from nothing, so every one of them lists (controller-manager and
    /// scheduler start their informers only after winning the election: leaderelection OnStartedLeading).
    /// </summary>
    public void LoseLeader(bool scheduler, long leaderlessTicks)
    {
        if (scheduler ? SchedulerLeaderless : ManagerLeaderless) return;
        if (scheduler) SchedulerLeaderless = true;
        else ManagerLeaderless = true;
        foreach (int i in Indices(scheduler)) _informers[i].Stop();
        _sim.Schedule(leaderlessTicks, this, LeaderKind, scheduler ? 1 : 0);
    }

    private IEnumerable<int> Indices(bool scheduler) =>
        scheduler ? Enumerable.Range(ManagerInformers, _informers.Count - ManagerInformers) : Enumerable.Range(0, ManagerInformers);

    private void ScheduleWrite() =>
        _sim.Schedule((long)(_rng.NextExponential(1 / _writeRate) * SimTime.TicksPerSecond), this, WriteKind);

    public void OnEvent(int kind, long arg)
    {
        if (kind == LeaderKind)
        {
            bool scheduler = arg == 1;
            if (scheduler) SchedulerLeaderless = false;
            else ManagerLeaderless = false;
            foreach (int i in Indices(scheduler)) _informers[i].Restart(0);
            return;
        }
        if (!ManagerLeaderless) _api.Send(_kcm, _writes[_rng.NextInt(_writes.Length)], this, 0);
        ScheduleWrite();
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch) { }
}
