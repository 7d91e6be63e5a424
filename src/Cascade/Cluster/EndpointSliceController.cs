using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// kube-controller-manager's EndpointSlice controller (pkg/controller/endpointslice, docs/sources.md §6): it learns
/// of pod readiness changes and deletions from its pod informer, queues the pod's Service, and a worker
/// (5 of them) writes the Service's EndpointSlice through the API server (identity kube-controller-manager:
/// workload-high). A failed write is retried with the workqueue's exponential back-off (1 s doubling,
/// capped at 1000 s: endpointslice_controller.go defaultSyncBackOff / maxSyncBackOff).
///
/// Every write that lands is a published version of the Service's endpoints, kept with its time
/// (EndpointVersions). A watcher (kube-proxy) that has seen the slices up to time t routes by the last
/// version published at or before t; so a watcher whose watch stalls keeps its last rules, however many
/// versions are published meanwhile: a version is dropped only once no watcher routes by it.
/// A write carries the endpoints as the worker saw them when it synced (syncService reads the pod lister,
/// then writes); a pod change during the write marks the Service dirty and a follow-up write carries it.
/// Left out: one slice per Service (not one per 100 endpoints); the controller's own informer lag for
/// Services; past EndpointVersions.MaxVersions versions behind a stalled watcher, it is read as routing by
/// the oldest one kept.
/// </summary>
public sealed class EndpointSliceController : IApiCaller, IEventHandler
{
    private const int RetryKind = 0;
    // endpointslice_controller.go defaultSyncBackOff 1 s, maxSyncBackOff 1000 s
    private static readonly Backoff SyncRetry = new(SimTime.FromSeconds(1), SimTime.FromSeconds(1000));

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _client;
    private readonly ApiCall _write;
    private readonly Informer? _podInformer;
    private readonly PodTable _pods;
    private readonly ServiceTable _services;
    private readonly int _workers;
    private int _busy;
    private readonly Queue<int> _queue = new();
    private readonly bool[] _queued, _syncing, _dirtyWhileSyncing, _unseen;
    private readonly long[] _retry;
    private bool _anyUnseen;

    private readonly EndpointVersions[] _versions; // per service
    private readonly int[] _writing;        // per pod: its incarnation in the slice being written (−1: not in it)

    public EndpointSliceController(Simulation sim, ApiServerSet api, PodTable pods, ServiceTable services, Informer? podInformer, int workers)
    {
        _sim = sim;
        _api = api;
        _pods = pods;
        _services = services;
        _podInformer = podInformer;
        _workers = workers;
        var kcm = Identity.KubeControllerManager;
        _client = api.ControllerManagerClient();
        _write = api.DefineCall("endpointslice-controller update", kcm.User, kcm.Groups, "update", "endpointslices", "default");
        int n = services.Count;
        _queued = new bool[n];
        _syncing = new bool[n];
        _dirtyWhileSyncing = new bool[n];
        _unseen = new bool[n];
        _retry = new long[n];
        _writing = new int[services.TotalPods];
        _versions = new EndpointVersions[n];
        for (int s = 0; s < n; s++) _versions[s] = new EndpointVersions(services.Replicas[s]);
    }

    /// <summary>Who routes by the published versions (kube-proxies); none: every watcher is always current.</summary>
    public IEndpointWatchers? Watchers { get; set; }

    public long Writes { get; private set; }
    public long WriteFailures { get; private set; }

    /// <summary>Publishes every Service's current endpoints as the version all watchers start with.</summary>
    public void PublishInitial()
    {
        for (int s = 0; s < _services.Count; s++)
        {
            Sync(s);
            Publish(s, -1);
        }
    }

    /// <summary>A pod of Service <paramref name="service"/> changed readiness or was deleted, in the API server.</summary>
    public void OnPodChanged(int service)
    {
        if (_podInformer is { IsWatching: false })
        {
            // Not watching: the change reaches the controller when its informer watches again (relist).
            _unseen[service] = true;
            _anyUnseen = true;
            return;
        }
        Enqueue(service);
    }

    /// <summary>Once a second: changes that happened while the pod informer was not watching are seen once it is.</summary>
    public void Tick()
    {
        if (!_anyUnseen || _podInformer is { IsWatching: false }) return;
        _anyUnseen = false;
        for (int s = 0; s < _unseen.Length; s++)
            if (_unseen[s])
            {
                _unseen[s] = false;
                Enqueue(s);
            }
    }

    private void Enqueue(int s)
    {
        if (_syncing[s])
        {
            _dirtyWhileSyncing[s] = true;
            return;
        }
        if (_queued[s]) return;
        _queued[s] = true;
        _queue.Enqueue(s);
        Pump();
    }

    private void Pump()
    {
        while (_busy < _workers && _queue.Count > 0)
        {
            int s = _queue.Dequeue();
            _queued[s] = false;
            _syncing[s] = true;
            _busy++;
            Sync(s);
            _api.Send(_client, _write, this, s);
        }
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int s = (int)tag;
        _busy--;
        _syncing[s] = false;
        if (outcome == RequestOutcome.Ok)
        {
            Writes++;
            _retry[s] = 0;
            Publish(s, _sim.Now);
            if (_dirtyWhileSyncing[s])
            {
                _dirtyWhileSyncing[s] = false;
                Enqueue(s);
            }
        }
        else
        {
            WriteFailures++;
            _dirtyWhileSyncing[s] = false;
            _retry[s] = SyncRetry.Next(_retry[s]);
            _sim.Schedule(_retry[s], this, RetryKind, s);
        }
        Pump();
    }

    public void OnEvent(int kind, long arg) => Enqueue((int)arg);

    /// <summary>The worker computes Service <paramref name="s"/>'s endpoints from the pods as they are now, for the write it sends.</summary>
    private void Sync(int s)
    {
        int r = _services.Replicas[s], first = _services.FirstPod[s];
        for (int pod = first; pod < first + r; pod++)
            _writing[pod] = _pods.ReadyInApi[pod] && _pods.Phase[pod] != PodPhase.Gone ? _pods.Incarnation[pod] : -1;
    }

    /// <summary>The write of Service <paramref name="s"/> landed: what it carried is the newest version.</summary>
    private void Publish(int s, long at)
    {
        _versions[s].Publish(at, _writing.AsSpan(_services.FirstPod[s], _services.Replicas[s]), Watchers);
        Version++;
    }

    /// <summary>Versions published so far, of every Service: what a watcher routes by can have changed only when it moves.</summary>
    public long Version { get; private set; }

    /// <summary>The version of Service <paramref name="s"/> a watcher that has seen the slices up to <paramref name="seenAt"/> routes by.</summary>
    public int View(int s, long seenAt) => _versions[s].View(seenAt);

    /// <summary>Incarnation of replica <paramref name="i"/> in version <paramref name="k"/> of Service <paramref name="s"/>; −1 if not an endpoint there.</summary>
    public int Endpoint(int s, int k, int i) => _versions[s].Endpoint(k, i);

    /// <summary>When version <paramref name="k"/> of Service <paramref name="s"/> was published.</summary>
    public long PublishedAt(int s, int k) => _versions[s].PublishedAt(k);

    /// <summary>Versions of Service <paramref name="s"/> kept because a watcher may still route by them.</summary>
    public int VersionsKept(int s) => _versions[s].Count;

    /// <summary>Share of the ready endpoints of version <paramref name="k"/> whose pod is gone or not running now (1 when it has none): requests routed there fail.</summary>
    public double GoneFraction(int s, int k)
    {
        var v = _versions[s];
        if (v.GoneEpoch[k] == _pods.Epoch) return v.GoneFraction[k];
        int r = _services.Replicas[s], first = _services.FirstPod[s];
        int included = 0, gone = 0;
        for (int i = 0; i < r; i++)
        {
            int inc = v.Endpoint(k, i);
            if (inc < 0) continue;
            included++;
            int pod = first + i;
            if (_pods.Incarnation[pod] != inc || _pods.Phase[pod] != PodPhase.Running) gone++;
        }
        double f = included == 0 ? 1 : gone / (double)included;
        v.GoneFraction[k] = f;
        v.GoneEpoch[k] = _pods.Epoch;
        return f;
    }
}
