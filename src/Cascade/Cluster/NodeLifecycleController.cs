using System.Numerics;
using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// kube-controller-manager's node lifecycle controller and taint-eviction controller (docs/sources.md §4;
/// pkg/controller/nodelifecycle). Every monitor period (5 s) it judges each node by when IT last observed
/// a newer Lease: it copies the kubelets' renewals only while its own Lease informer is watching, so a
/// lagging control plane marks healthy nodes Unknown. A node not observed for the grace period (50 s)
/// becomes NotReady (Unknown): the controller writes the node's status and marks its pods not ready (one
/// pod status update each, through its own client at 20 QPS). Zones are Normal, PartiallyDisrupted (> 2
/// not ready and ≥ 55 %) or FullyDisrupted (none ready); NoExecute taints are added through a per-zone
/// token bucket at the eviction rate (0.1/s, 0.01/s when partially disrupted and the zone is larger than
/// 50 nodes, 0 in a small partially disrupted zone), and stop — taints removed — when every zone is fully
/// disrupted. Pods tolerate the taint for 300 s; then the taint-eviction controller deletes them, and
/// their ReplicaSets create replacements that need the scheduler and the API server.
/// Left out: the node's own Ready reasons (disk, memory pressure), per-pod toleration overrides (all pods
/// get the default 300 s), the controller's leader election.
/// </summary>
public sealed class NodeLifecycleController : IApiCaller, IEventHandler
{
    private const int MonitorKind = 0, TaintPassKind = 1, EvictKind = 2, OrphanRetryKind = 3;
    private const long TagNodeStatus = 0, TagTaint = 1, TagUntaint = 2, TagPodNotReady = 3, TagOtherPodNotReady = 4, TagDelete = 5, TagDeleteOther = 6, TagDeleteOrphan = 7;
    private static readonly long PodGcPeriodTicks = SimTime.FromSeconds(20);     // podgc gcCheckPeriod 20 s
    private static readonly long TaintPassTicks = SimTime.FromMilliseconds(100); // node_lifecycle_controller.go: NodeEvictionPeriod 100 ms

    private enum ZoneState : byte { Normal, PartialDisruption, FullDisruption }

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly DataPlane _dp;
    private readonly DataPlaneConfig _cfg;
    private readonly Kubelets _kubelets;
    private readonly Informer? _leaseInformer;
    private readonly Controllers? _controllers;
    private readonly ApiClient _nodeClient, _evictionClient;
    private readonly ApiCall _nodeStatus, _taint, _podStatus, _deletePod;
    private readonly int _nodes, _zones;
    private readonly long[] _observed;
    private readonly bool[] _unknown, _tainted, _taintQueued, _evicted, _removed;
    private readonly long[] _taintedAt;
    private readonly int[] _zoneSize, _zoneNotReady;
    private readonly ZoneState[] _zoneState;
    private readonly double[] _tokens;
    private readonly Queue<int>[] _taintQueue;
    private long _tokensAt;
    private bool _taintInFlight;
    private int _notedTenths = -1;
    private bool _allFullyDisrupted;

    public NodeLifecycleController(Simulation sim, ApiServerSet api, DataPlane dp, DataPlaneConfig cfg, Kubelets kubelets, Controllers? controllers)
    {
        _controllers = controllers;
        var leaseInformer = controllers?.ManagerLeases;
        _sim = sim;
        _api = api;
        _dp = dp;
        _cfg = cfg;
        _kubelets = kubelets;
        _leaseInformer = leaseInformer;
        _nodes = kubelets.Nodes;
        _zones = Math.Max(1, cfg.Zones);
        var kcm = Identity.KubeControllerManager;
        _nodeClient = api.ControllerManagerClient();
        _evictionClient = api.ControllerManagerClient(); // the taint-eviction controller's own client
        _nodeStatus = api.DefineCall("node-lifecycle node status", kcm.User, kcm.Groups, "update", "nodes", null);
        _taint = api.DefineCall("node-lifecycle taint", kcm.User, kcm.Groups, "update", "nodes", null);
        _podStatus = api.DefineCall("node-lifecycle pod not ready", kcm.User, kcm.Groups, "update", "pods", "default");
        _deletePod = api.DefineCall("taint-eviction delete pod", kcm.User, kcm.Groups, "delete", "pods", "default");
        _observed = new long[_nodes];
        _unknown = new bool[_nodes];
        _tainted = new bool[_nodes];
        _taintQueued = new bool[_nodes];
        _evicted = new bool[_nodes];
        _removed = new bool[_nodes];
        _taintedAt = new long[_nodes];
        _zoneSize = new int[_zones];
        _zoneNotReady = new int[_zones];
        _zoneState = new ZoneState[_zones];
        _tokens = new double[_zones];
        _taintQueue = new Queue<int>[_zones];
        for (int z = 0; z < _zones; z++) _taintQueue[z] = new Queue<int>();
        for (int n = 0; n < _nodes; n++)
        {
            _removed[n] = kubelets.NodeRemoved(n); // slots for nodes the scenario may add are not nodes yet
            if (!_removed[n]) _zoneSize[Zone(n)]++;
        }
    }

    public int NotReady { get; private set; }
    public int NotReadyPeak { get; private set; }
    public int Tainted { get; private set; }
    public long TaintsAdded { get; private set; }
    public long Evictions { get; private set; }

    /// <summary>Nodes are spread round-robin over zones.</summary>
    public int Zone(int n) => n % _zones;

    /// <summary>The node is Ready and untainted, as the controller (and so the scheduler) sees it.</summary>
    public bool Schedulable(int n) => !_unknown[n] && !_tainted[n] && !_removed[n];

    /// <summary>Nodes <paramref name="keep"/>.. were deleted: the controller stops judging them and their zones shrink.</summary>
    public void OnNodesRemoved(int keep)
    {
        for (int n = keep; n < _nodes; n++)
        {
            if (_removed[n]) continue;
            _removed[n] = true;
            _zoneSize[Zone(n)]--;
            if (_unknown[n])
            {
                _unknown[n] = false;
                _zoneNotReady[Zone(n)]--;
                NotReady--;
            }
            if (_tainted[n])
            {
                _tainted[n] = false;
                Tainted--;
            }
        }
    }

    /// <summary>Node <paramref name="n"/> registered: the controller judges it from now, its zone grows.</summary>
    public void OnNodeAdded(int n)
    {
        if (!_removed[n]) return;
        _removed[n] = false;
        _zoneSize[Zone(n)]++;
        _observed[n] = _sim.Now;
        _tainted[n] = _taintQueued[n] = _evicted[n] = false;
    }

    /// <summary>The pod garbage collector deletes a pod whose node is gone (kube-controller-manager, through the API server).</summary>
    public void DeleteOrphan(int pod) =>
        _api.Send(_evictionClient, _deletePod, this, ResponseTag.Make(TagDeleteOrphan, pod, _dp.Pods.Incarnation[pod]));

    /// <summary>
    /// A new kube-controller-manager leader starts this controller afresh: it has seen no Lease yet, so each node
    /// gets the grace period from now (node_lifecycle_controller.go: a node first seen gets probeTimestamp = now).
    /// </summary>
    public void OnLeaderStarted()
    {
        for (int n = 0; n < _nodes; n++) _observed[n] = _sim.Now;
    }

    public void Start()
    {
        for (int n = 0; n < _nodes; n++) _observed[n] = _sim.Now;
        _tokensAt = _sim.Now;
        _sim.Schedule(_cfg.MonitorPeriodTicks, this, MonitorKind);
        _sim.Schedule(TaintPassTicks, this, TaintPassKind);
    }

    public void OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case MonitorKind:
                if (_controllers is not { ManagerLeaderless: true }) Monitor(); // no leader, no controller
                _sim.Schedule(_cfg.MonitorPeriodTicks, this, MonitorKind);
                break;
            case TaintPassKind:
                if (_controllers is not { ManagerLeaderless: true }) TaintPass();
                _sim.Schedule(TaintPassTicks, this, TaintPassKind);
                break;
            case EvictKind:
                Evict((int)arg);
                break;
            case OrphanRetryKind:
                if (_dp.Pods.Phase[(int)arg] == PodPhase.Lost) DeleteOrphan((int)arg);
                break;
        }
    }

    private void Monitor()
    {
        long now = _sim.Now;
        if (_leaseInformer is null || _leaseInformer.IsWatching) ObserveLeases();
        int becameUnknown = 0, becameReady = 0;
        var observed = _observed.AsSpan(0, _nodes);
        int width = Vector<long>.Count;
        var fresh = new Vector<long>(now - _cfg.GracePeriodTicks);   // healthy: observed at or after this
        for (int start = 0; start < _nodes; start += width)
        {
            int end = Math.Min(start + width, _nodes);
            // While no node is Unknown, only an unhealthy one can change: a run of nodes all healthy is passed over.
            if (NotReady == 0 && end - start == width && Vector.GreaterThanOrEqualAll(new Vector<long>(observed.Slice(start, width)), fresh)) continue;
            for (int n = start; n < end; n++)
            {
                if (_removed[n]) continue;
                bool healthy = now - _observed[n] <= _cfg.GracePeriodTicks;
                if (!_unknown[n] && !healthy)
                {
                    _unknown[n] = true;
                    _zoneNotReady[Zone(n)]++;
                    NotReady++;
                    becameUnknown++;
                    _api.Send(_nodeClient, _nodeStatus, this, ResponseTag.Make(TagNodeStatus, n));
                    MarkPodsNotReady(n);
                }
                else if (_unknown[n] && healthy)
                {
                    _unknown[n] = false;
                    _zoneNotReady[Zone(n)]--;
                    NotReady--;
                    becameReady++;
                    _api.Send(_nodeClient, _nodeStatus, this, ResponseTag.Make(TagNodeStatus, n));
                    if (_tainted[n]) Untaint(n);
                    _dp.Lifecycle.OnNodeReadyAgain(n);
                }
            }
        }
        // The timeline gets the turning points, not every pass: the first NotReady node, each further tenth of
        // the cluster, and the return to all Ready.
        int tenth = Math.Max(1, _nodes / 10);
        if (becameUnknown > 0 && (NotReady / tenth > _notedTenths || _notedTenths < 0))
        {
            _notedTenths = NotReady / tenth;
            _dp.Note("node-not-ready", $"{NotReady} node(s) NotReady (lease not observed for {SimTime.ToSeconds(_cfg.GracePeriodTicks):F0} s)");
        }
        if (becameReady > 0 && NotReady == 0 && _notedTenths >= 0)
        {
            _notedTenths = -1;
            _dp.Note("node-ready", "all nodes Ready again");
        }
        NotReadyPeak = Math.Max(NotReadyPeak, NotReady);
        HandleDisruption();
        if (_allFullyDisrupted || NotReady == 0) return; // no node is Unknown: none to queue for a taint
        for (int n = 0; n < _nodes; n++)
            if (_unknown[n] && !_tainted[n] && !_taintQueued[n])
            {
                _taintQueued[n] = true;
                _taintQueue[Zone(n)].Enqueue(n);
            }
    }

    /// <summary>The lease informer is current: every node's last renewal is observed.</summary>
    private void ObserveLeases() => _kubelets.ObserveRenewals(_observed.AsSpan(0, _nodes));

    private void HandleDisruption()
    {
        bool all = true;
        for (int z = 0; z < _zones; z++)
        {
            int notReady = _zoneNotReady[z], ready = _zoneSize[z] - notReady;
            var state = ZoneState.Normal;
            if (ready == 0 && notReady > 0) state = ZoneState.FullDisruption;
            else if (notReady > 2 && notReady >= _cfg.UnhealthyZoneThreshold * _zoneSize[z]) state = ZoneState.PartialDisruption;
            if (state != ZoneState.FullDisruption) all = false;
            _zoneState[z] = state;
        }
        if (all && !_allFullyDisrupted)
        {
            // node_lifecycle_controller.go handleDisruption: every zone down looks like a master problem; stop evicting and untaint.
            _dp.Note("evictions-stopped", "all zones fully disrupted: evictions stopped, taints removed");
            for (int n = 0; n < _nodes; n++)
            {
                if (_tainted[n]) Untaint(n);
                _taintQueued[n] = false;
            }
            for (int z = 0; z < _zones; z++) _taintQueue[z].Clear();
        }
        else if (!all && _allFullyDisrupted)
        {
            _dp.Note("evictions-resumed", "a zone is no longer fully disrupted: evictions resume");
        }
        _allFullyDisrupted = all;
    }

    private double Rate(int z) => _zoneState[z] switch
    {
        ZoneState.Normal => _cfg.EvictionRate,
        ZoneState.FullDisruption => _cfg.EvictionRate,
        _ => _zoneSize[z] > _cfg.LargeClusterSize ? _cfg.SecondaryEvictionRate : 0,
    };

    private void TaintPass()
    {
        long now = _sim.Now;
        double dt = SimTime.ToSeconds(now - _tokensAt);
        _tokensAt = now;
        // doNoExecuteTaintingPass walks the zones' queues one node at a time, waiting for each taint's API call.
        if (_allFullyDisrupted || _taintInFlight) return;
        for (int z = 0; z < _zones; z++)
        {
            // flowcontrol.NewTokenBucketRateLimiter(rate, burst 1), as the zone's RateLimitedTimedQueue uses.
            _tokens[z] = Math.Min(1, _tokens[z] + dt * Rate(z));
            var q = _taintQueue[z];
            while (q.Count > 0)
            {
                int n = q.Peek();
                if (!_unknown[n] || _tainted[n])
                {
                    q.Dequeue();
                    _taintQueued[n] = false;
                    continue;
                }
                if (_tokens[z] < 1) break;
                _tokens[z] -= 1;
                q.Dequeue();
                _taintInFlight = true;
                _api.Send(_nodeClient, _taint, this, ResponseTag.Make(TagTaint, n));
                return;
            }
        }
    }

    private void Untaint(int n)
    {
        _tainted[n] = false;
        _evicted[n] = false;
        Tainted--;
        _api.Send(_nodeClient, _taint, this, ResponseTag.Make(TagUntaint, n));
    }

    private void MarkPodsNotReady(int n)
    {
        var pods = _dp.Pods;
        for (int p = 0; p < pods.Count; p++)
            if (pods.Node[p] == n && pods.Phase[p] != PodPhase.Gone && pods.ReadyInApi[p])
                _api.Send(_nodeClient, _podStatus, this, ResponseTag.Make(TagPodNotReady, p));
        int others = pods.OtherPods[n];
        for (int i = 0; i < others; i++) _api.Send(_nodeClient, _podStatus, this, ResponseTag.Make(TagOtherPodNotReady, n));
    }

    private void Evict(int n)
    {
        if (!_tainted[n] || _evicted[n] || _sim.Now - _taintedAt[n] < _cfg.TolerationTicks) return;
        _evicted[n] = true;
        var pods = _dp.Pods;
        for (int p = 0; p < pods.Count; p++)
            if (pods.Node[p] == n && pods.Phase[p] is PodPhase.Starting or PodPhase.Running or PodPhase.Lost) // a dead node's pods too
                _api.Send(_evictionClient, _deletePod, this, ResponseTag.Make(TagDelete, p, pods.Incarnation[p]));
        int others = pods.OtherPods[n];
        for (int i = 0; i < others; i++) _api.Send(_evictionClient, _deletePod, this, ResponseTag.Make(TagDeleteOther, n));
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        long kind = ResponseTag.Kind(tag);
        int i = ResponseTag.Index(tag);
        bool ok = outcome == RequestOutcome.Ok;
        switch (kind)
        {
            case TagTaint:
                _taintInFlight = false;
                if (ok && _unknown[i] && !_tainted[i] && !_allFullyDisrupted)
                {
                    _tainted[i] = true;
                    Tainted++;
                    TaintsAdded++;
                    _taintedAt[i] = _sim.Now;
                    _sim.Schedule(_cfg.TolerationTicks, this, EvictKind, i);
                    if (Tainted == 1 || Tainted % 100 == 0) _dp.Note("taint", $"NoExecute taint on node-{i}; {Tainted} node(s) tainted");
                }
                _taintQueued[i] = false; // a failed taint is queued again by the next monitor pass
                break;
            case TagPodNotReady:
            {
                var pods = _dp.Pods;
                if (ok && pods.Phase[i] != PodPhase.Gone && pods.ReadyInApi[i] && _unknown[pods.Node[i]])
                {
                    pods.ReadyInApi[i] = false;
                    _dp.Lifecycle.OnPodStatusWritten(i);
                }
                break;
            }
            case TagDelete:
            case TagDeleteOrphan:
            {
                int incarnation = ResponseTag.Extra(tag);
                var pods = _dp.Pods;
                if (ok && pods.Incarnation[i] == incarnation && pods.Phase[i] != PodPhase.Gone)
                {
                    if (kind == TagDelete) Evictions++;
                    _dp.Lifecycle.OnPodDeleted(i);
                }
                else if (!ok && kind == TagDeleteOrphan && pods.Incarnation[i] == incarnation && pods.Phase[i] == PodPhase.Lost)
                    _sim.Schedule(PodGcPeriodTicks, this, OrphanRetryKind, i); // podgc tries again on its next pass
                break;
            }
            case TagDeleteOther:
                if (ok && _dp.Pods.OtherPods[i] > 0)
                {
                    Evictions++;
                    _dp.Lifecycle.OnOtherPodDeleted(i);
                }
                break;
        }
    }
}
