using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// kube-proxy on every node (docs/sources.md §6): an EndpointSlice informer per node, run as the kube-system/kube-proxy
/// service account (kube-system-service-accounts → workload-high, one flow for all nodes). What the node
/// routes by is the endpoints it has seen: up to now while its watch is open, frozen at the last moment it
/// was watching otherwise; kube-proxy keeps its last rules when the API server is gone. Client QPS 5 /
/// burst 10 (KubeProxyConfiguration clientConnection defaults). Left out: the 30 s / 1 s sync period
/// between seeing a change and programming it (seconds, against outages of minutes).
/// A node added to the running cluster starts its kube-proxy from nothing: a LIST of every EndpointSlice, then the watch.
/// </summary>
public sealed class KubeProxies : IEndpointWatchers, IWatchingListener
{
    private readonly Simulation _sim;
    private readonly Informer[] _informers;
    private readonly long[] _seenAt;
    private readonly bool[] _active;        // a node of the moment (not yet added or removed: false)
    private readonly bool[] _watching;      // the node's informer is watching (IsWatching, as its informer tells it), or there is none
    private int _watchingCount;
    private readonly RandomStream _rng;
    private readonly int _initial;

    /// <summary><paramref name="nodes"/> nodes at the start, in arrays of <paramref name="slots"/> (the most the scenario reaches).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public KubeProxies(Simulation sim, ApiServerSet api, int nodes, bool enabled, int slots = 0)
    {
        _initial = nodes;
        nodes = Math.Max(nodes, slots);
        _sim = sim;
        _seenAt = new long[nodes];
        _active = new bool[nodes];
        Array.Fill(_active, true, 0, _initial);
        _rng = sim.Random.Stream($"{api.Cluster}/kube-proxy");
        _watching = new bool[nodes];
        if (!enabled)
        {
            _informers = Array.Empty<Informer>();
            Array.Fill(_watching, true); // without kube-proxy's informer every node is taken as current
            _watchingCount = nodes;
            return;
        }
        _informers = new Informer[nodes];
        var id = Identity.KubeSystem("kube-proxy");
        var calls = api.DefineInformer("kube-proxy endpointslices", id.User, id.Groups, "endpointslices", null);
        for (int n = 0; n < nodes; n++)
        {
            var client = api.CreateClient(5, 10); // KubeProxyConfiguration clientConnection: qps 5, burst 10
            _informers[n] = new Informer(sim, api, client, calls, sim.Random.Stream($"{api.Cluster}/kube-proxy-informer", n));
            _informers[n].ListenWatching(this, n);
        }
    }

    void IWatchingListener.OnWatchingChanged(int n, bool watching)
    {
        _watching[n] = watching;
        _watchingCount += watching ? 1 : -1;
    }

    /// <summary>Node <paramref name="n"/> is cut off from the control plane, or joined again: its kube-proxy keeps its rules and its watch ends.</summary>
    public void SetPartitioned(int n, bool partitioned)
    {
        if (_informers.Length == 0) return;
        _informers[n].Client.Blocked = partitioned;
        if (partitioned) _informers[n].Disconnect();
    }

    /// <summary>kube-proxies of a running cluster listed long ago: they only re-open their watches, spread over 10 s.</summary>
    public void Start()
    {
        for (int n = 0; n < _informers.Length && n < _initial; n++) _informers[n].StartSynced((long)(_rng.NextDouble() * 10 * SimTime.TicksPerSecond));
    }

    /// <summary>Node <paramref name="n"/> joined: its kube-proxy lists every EndpointSlice and watches.</summary>
    public void AddNode(int n)
    {
        _active[n] = true;
        if (_informers.Length > 0) _informers[n].Start(0);
    }

    /// <summary>Node <paramref name="n"/> was deleted: its kube-proxy is gone with it.</summary>
    public void RemoveNode(int n)
    {
        _active[n] = false;
        if (_informers.Length > 0) _informers[n].Stop();
    }

    /// <summary>
    /// Once a second: the nodes that host tracked pods (the only ones whose routes the model reads) have seen
    /// everything up to now if their watch is open. Other nodes' informers still load the API server; their
    /// view is brought up to date when read while watching (read while not watching, it is taken as of its
    /// last reading: an approximation for nodes that receive their first tracked pod during an outage).
    /// </summary>
    public void Tick(PodTable pods)
    {
        long now = _sim.Now;
        if (_watchedAtTick.Length != pods.Count) _watchedAtTick = new bool[pods.Count];
        for (int p = 0; p < pods.Count; p++)
        {
            int n = pods.Node[p];
            bool watching = n >= 0 && _watching[n];
            if (watching) _seenAt[n] = now;
            if (watching != _watchedAtTick[p])
            {
                _watchedAtTick[p] = watching;
                Version++;
            }
        }
    }

    // Per tracked pod: whether its node's kube-proxy was watching at the last tick.
    private bool[] _watchedAtTick = Array.Empty<bool>();

    /// <summary>
    /// Moves when, from one tick to the next, a tracked pod's node's kube-proxy starts or stops watching. Between
    /// two moves each such node's view is now (watching) or stays where it was (not): what it routes by changes
    /// only when a version is published (<see cref="EndpointSliceController.Version"/>).
    /// </summary>
    public long Version { get; private set; }

    /// <summary>Until when node <paramref name="n"/>'s kube-proxy has seen EndpointSlice changes.</summary>
    public long SeenAt(int n)
    {
        if (_watching[n]) _seenAt[n] = _sim.Now;
        return _seenAt[n];
    }

    /// <summary>
    /// The oldest moment a node's kube-proxy has seen the slices up to, among the nodes of the moment whose
    /// watch is not open; a node watching is brought up to now on the way (it has seen everything).
    /// </summary>
    public long OldestView
    {
        get
        {
            if (_informers.Length == 0) return long.MaxValue;
            long now = _sim.Now, oldest = long.MaxValue;
            for (int n = 0; n < _informers.Length; n++)
            {
                if (!_active[n]) continue;
                if (_watching[n]) _seenAt[n] = now;
                else if (_seenAt[n] < oldest) oldest = _seenAt[n];
            }
            return oldest;
        }
    }

    /// <summary>Nodes whose kube-proxy is watching now.</summary>
    public int Watching => _watchingCount;
}
