using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

// Stands for: the two kube-controller-manager controllers that publish a Service's endpoints, for a Service
// whose endpoints are a workload's pods: the endpoints controller (pkg/controller/endpoint/
// endpoints_controller.go), which keeps all of them in one Endpoints object named after the Service and
// rewrites it whole on every change (truncated at maxCapacity = 1000 addresses since 1.22), and the
// EndpointSlice controller (pkg/controller/endpointslice; --max-endpoints-per-slice default 100), which
// keeps them in slices of at most 100 and rewrites only the slice of the endpoint that changed. Both run in
// every modelled version (the Endpoints API is deprecated from 1.33, its controller still runs).
// Keeps: each pod's endpoint changing (a restart, a readiness flip) as a Poisson process; one write per
// change to the Endpoints object and to the pod's slice, each the size of the endpoints it holds; the
// workqueue's coalescing (one write of an object in flight at a time; changes meanwhile make one more);
// a failed write retried after the controllers' 1 s sync back-off. docs/model.md, "Endpoints and EndpointSlices".
// Leaves out: the slice controller's repacking, the not-ready/ready address split, the Service object.

/// <summary>The Endpoints and EndpointSlice writes of one Service backed by a workload's pods.</summary>
public sealed class ServiceEndpoints : IApiCaller, IEventHandler
{
    /// <summary>endpoints_controller.go maxCapacity: an Endpoints object holds at most 1,000 addresses.</summary>
    public const int EndpointsMaxCapacity = 1000;

    /// <summary>kube-controller-manager --max-endpoints-per-slice default 100 (endpointslice controller config).</summary>
    public const int MaxEndpointsPerSlice = 100;

    /// <summary>An object's metadata and the Service's ports, besides its endpoints (assumption).</summary>
    public const long ObjectOverheadBytes = 500;

    // endpointslice_controller.go defaultSyncBackOff 1 s (the endpoints controller's is the same).
    private static readonly long RetryTicks = SimTime.FromSeconds(1);
    private const int Change = 0, Retry = 1;

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly Workload _pods;
    private readonly double _changeEverySeconds;
    private readonly RandomStream _rng;
    private readonly ApiCall[] _writes;          // [0] the Endpoints object, [1 + s] slice s
    private readonly ApiClient[] _clients;       // each controller has its own client
    private readonly bool[] _inFlight, _dirty;

    public ServiceEndpoints(Simulation sim, ApiServerSet api, string service, Workload pods, long changeEveryTicks, long bytesPerEndpoint)
    {
        _sim = sim;
        _api = api;
        _pods = pods;
        _changeEverySeconds = SimTime.ToSeconds(changeEveryTicks);
        _rng = sim.Random.Stream($"{api.Cluster}/service/{service}/endpoints");
        Name = service;
        var kcm = Identity.KubeControllerManager;
        int n = pods.Pods, slices = Math.Max(1, (n + MaxEndpointsPerSlice - 1) / MaxEndpointsPerSlice);
        int key = api.WatchKey(service);
        _writes = new ApiCall[1 + slices];
        _writes[0] = api.DefineCall($"endpoints-controller update {service}", kcm.User, kcm.Groups, "update", "endpoints", "default",
            objectBytes: ObjectOverheadBytes + Math.Min(n, EndpointsMaxCapacity) * bytesPerEndpoint, watchKey: key);
        for (int s = 0; s < slices; s++)
        {
            int held = Math.Min(MaxEndpointsPerSlice, n - s * MaxEndpointsPerSlice);
            _writes[1 + s] = api.DefineCall($"endpointslice-controller update {service} slice {s}", kcm.User, kcm.Groups, "update",
                "endpointslices", "default", objectBytes: ObjectOverheadBytes + held * bytesPerEndpoint, watchKey: key);
        }
        // kube-controller-manager --kube-api-qps 20 / --kube-api-burst 30 (controller-manager config/v1alpha1 defaults; docs/model.md "Growth and churn"), one client per controller.
        _clients = [api.ControllerManagerClient(), api.ControllerManagerClient()];
        _inFlight = new bool[_writes.Length];
        _dirty = new bool[_writes.Length];
    }

    public string Name { get; }

    /// <summary>Endpoint changes of the Service's pods so far.</summary>
    public long Changes { get; private set; }

    /// <summary>The write of the Endpoints object (its size is the Service's endpoints).</summary>
    public ApiCall EndpointsWrite => _writes[0];

    /// <summary>The EndpointSlices: slice <c>s</c> holds endpoints [100 s, 100 s + 100).</summary>
    public int Slices => _writes.Length - 1;

    /// <summary>The write of EndpointSlice <paramref name="slice"/> (its size is the endpoints it holds).</summary>
    public ApiCall SliceWrite(int slice) => _writes[1 + slice];

    /// <summary>Writes sent (to the Endpoints object and the slices), retries and coalesced follow-ups included.</summary>
    public long Writes { get; private set; }

    public void Start()
    {
        if (_changeEverySeconds > 0 && _pods.Pods > 0) ScheduleNext();
    }

    // The pods' changes merged: a Poisson process of pods ÷ mean interval; a change of a pod not running is none.
    private void ScheduleNext() =>
        _sim.Schedule(SimTime.FromSeconds(_rng.NextExponential(_changeEverySeconds / _pods.Pods)), this, Change);

    public void OnEvent(int kind, long arg)
    {
        if (kind == Retry)
        {
            Write((int)arg);
            return;
        }
        int pod = _rng.NextInt(_pods.Pods);
        if (_pods.Running && !_pods.PodStopped(pod))
        {
            Changes++;
            Write(0);
            Write(1 + pod / MaxEndpointsPerSlice);
        }
        ScheduleNext();
    }

    private void Write(int obj)
    {
        if (_inFlight[obj])
        {
            _dirty[obj] = true;
            return;
        }
        _inFlight[obj] = true;
        Writes++;
        _api.Send(_clients[obj == 0 ? 0 : 1], _writes[obj], this, obj);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int obj = (int)tag;
        _inFlight[obj] = false;
        if (outcome != RequestOutcome.Ok)
        {
            _dirty[obj] = false;
            _sim.Schedule(RetryTicks, this, Retry, obj);
        }
        else if (_dirty[obj])
        {
            _dirty[obj] = false;
            Write(obj);
        }
    }
}
