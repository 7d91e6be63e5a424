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

    private void ScheduleWrite() =>
        _sim.Schedule((long)(_rng.NextExponential(1 / _writeRate) * SimTime.TicksPerSecond), this, 0);

    public void OnEvent(int kind, long arg)
    {
        _api.Send(_kcm, _writes[_rng.NextInt(_writes.Length)], this, 0);
        ScheduleWrite();
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch) { }
}
