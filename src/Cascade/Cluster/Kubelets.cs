using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// Every node's kubelet as an API client (MODEL.md §4): the node Lease renewed every 10 s by the
/// heartbeat client (no rate limit, 10 s timeout), retried on failure with back-off from 200 ms doubling
/// to 7 s; node status patched every 5 min; and a pod informer for the node's own pods (fieldSelector
/// spec.nodeName, one watcher per node on pods). Classified by APF as system:nodes (node-high for
/// leases and node status, system for the rest). The kubelet keeps its containers running whatever the
/// API server does; only its writes fail. With the data plane, the kubelet's status manager also patches
/// pod status (readiness) when it changes, and retries a failed patch on its 10 s sync.
/// </summary>
public sealed class Kubelets : IApiCaller, IEventHandler
{
    private const int RenewLease = 0, PatchStatus = 1, PodStatusRetry = 2, OtherPodStatusRetry = 3;
    private const long TagNodeStatus = 1, TagPodStatus = 2, TagOtherPodStatus = 3;
    private const long ReadyBit = 1L << 31;
    private static readonly long StatusSyncTicks = SimTime.FromSeconds(10); // status_manager.go syncPeriod 10 s
    private static readonly Backoff LeaseRetry = new(SimTime.FromMilliseconds(200), SimTime.FromSeconds(7)); // docs/model.md "Nodes": 200 ms → 7 s

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiCall[] _lease, _status;
    private ApiCall[] _podStatus = Array.Empty<ApiCall>();
    private PodTable? _podTable;
    private IPodStatusListener? _listener;
    private readonly ApiClient[] _heartbeat, _main;
    private readonly Informer[] _pods;
    private readonly long _renewTicks, _statusTicks;
    private readonly long[] _retry;
    private readonly long[] _renewedAt;
    private readonly RandomStream _rng;
    private readonly bool[] _removed;

    public Kubelets(Simulation sim, ApiServerSet api, int nodes, long renewTicks, long leaseTimeoutTicks, long statusTicks, bool watchPods)
    {
        _sim = sim;
        _api = api;
        _renewTicks = renewTicks;
        _statusTicks = statusTicks;
        _rng = sim.Random.Stream($"{api.Cluster}/kubelets");
        _lease = new ApiCall[nodes];
        _status = new ApiCall[nodes];
        _heartbeat = new ApiClient[nodes];
        _main = new ApiClient[nodes];
        _pods = watchPods ? new Informer[nodes] : Array.Empty<Informer>();
        _retry = new long[nodes];
        _renewedAt = new long[nodes];
        _removed = new bool[nodes];
        double podShare = 1.0 / nodes;
        for (int n = 0; n < nodes; n++)
        {
            var id = Identity.Node($"node-{n}");
            // All nodes classify alike; resolving once per node keeps each node its own flow (ByUser).
            _lease[n] = api.DefineCall("kubelet lease", id.User, id.Groups, "update", "leases", "kube-node-lease");
            _status[n] = api.DefineCall("kubelet node status", id.User, id.Groups, "patch", "nodes", null);
            _heartbeat[n] = api.CreateClient(double.PositiveInfinity, 1, leaseTimeoutTicks, maxRetries: 0); // MODEL.md §3: heartbeat client unlimited, 10 s timeout
            _main[n] = api.CreateClient(50, 100);                                                            // MODEL.md §3: kubelet kubeAPIQPS 50 / burst 100
            if (watchPods)
            {
                // fieldSelector spec.nodeName=<node>: the cache's node-name index serves it.
                var calls = api.DefineInformer("kubelet pods", id.User, id.Groups, "pods", null, true, podShare, indexed: true);
                _pods[n] = new Informer(sim, api, _main[n], calls, sim.Random.Stream($"{api.Cluster}/kubelet-informer", n));
            }
        }
    }

    public int Nodes => _lease.Length;
    public long LeaseRenewals { get; private set; }
    public long LeaseFailures { get; private set; }

    /// <summary>Relists (RV="") by the kubelets' pod informers, after their watch broke.</summary>
    /// <summary>Each node's pod informer (empty when kubelets do not watch pods).</summary>
    public IReadOnlyList<Informer> PodInformers => _pods;

    public long Relists
    {
        get
        {
            long n = 0;
            foreach (var inf in _pods) n += inf.Relists;
            return n;
        }
    }

    public long PodStatusPatches { get; private set; }
    public long PodStatusFailures { get; private set; }

    /// <summary>Lets the kubelets write the status of the data plane's tracked pods; <paramref name="listener"/> hears each write that lands.</summary>
    public void AttachPods(PodTable pods, IPodStatusListener listener)
    {
        _podTable = pods;
        _listener = listener;
        _podStatus = new ApiCall[Nodes];
        for (int n = 0; n < Nodes; n++)
        {
            var id = Identity.Node($"node-{n}");
            _podStatus[n] = _api.DefineCall("kubelet pod status", id.User, id.Groups, "patch", "pods", "default");
        }
    }

    /// <summary>The kubelet of the pod's node wants its Ready condition to be <paramref name="ready"/>: patch it unless a patch is on its way.</summary>
    public void SetPodReady(int pod, bool ready)
    {
        var t = _podTable!;
        t.WantReady[pod] = ready;
        if (t.StatusInFlight[pod] || t.ReadyInApi[pod] == ready || t.Node[pod] < 0 || _removed[t.Node[pod]]) return;
        SendPodStatus(pod);
    }

    /// <summary>The status patch of an untracked pod that started on node <paramref name="node"/> (cost only).</summary>
    public void PatchOtherPodStatus(int node)
    {
        if (!_removed[node]) _api.Send(_main[node], _podStatus[node], this, (TagOtherPodStatus << 32) | (uint)node);
    }

    private void SendPodStatus(int pod)
    {
        var t = _podTable!;
        int node = t.Node[pod];
        t.StatusInFlight[pod] = true;
        long tag = (TagPodStatus << 32) | (t.WantReady[pod] ? ReadyBit : 0) | (uint)pod;
        _api.Send(_main[node], _podStatus[node], this, tag);
    }

    /// <summary>Node <paramref name="n"/>'s heartbeat client (its Lease renewals).</summary>
    public ApiClient HeartbeatClient(int n) => _heartbeat[n];

    /// <summary>When node <paramref name="n"/>'s lease was last renewed (ticks).</summary>
    public long LeaseRenewedAt(int n) => _renewedAt[n];

    public void Start()
    {
        for (int n = 0; n < Nodes; n++)
        {
            _renewedAt[n] = _sim.Now;
            _sim.Schedule((long)(_rng.NextDouble() * _renewTicks), this, RenewLease, n);
            _sim.Schedule((long)(_rng.NextDouble() * _statusTicks), this, PatchStatus, n);
            if (_pods.Length > 0) _pods[n].StartSynced((long)(_rng.NextDouble() * _renewTicks));
        }
    }

    /// <summary>The node was removed from the cluster (scale-down): its kubelet stops calling.</summary>
    public void RemoveNode(int n)
    {
        if (_removed[n]) return;
        _removed[n] = true;
        if (_pods.Length > 0) _pods[n].Stop();
    }

    public bool NodeRemoved(int n) => _removed[n];

    /// <summary>
    /// Node <paramref name="n"/> is cut off from the control plane, or joined again: its kubelet's requests get no
    /// answer (Lease renewals time out and are retried), its pod watch ends; its containers keep running.
    /// </summary>
    public void SetPartitioned(int n, bool partitioned)
    {
        _heartbeat[n].Blocked = partitioned;
        _main[n].Blocked = partitioned;
        if (partitioned && _pods.Length > 0) _pods[n].Disconnect();
    }

    public void OnEvent(int kind, long arg)
    {
        int n = (int)arg;
        if (kind != PodStatusRetry && _removed[n]) return;
        switch (kind)
        {
            case RenewLease: _api.Send(_heartbeat[n], _lease[n], this, n); break;
            case PatchStatus: _api.Send(_main[n], _status[n], this, (TagNodeStatus << 32) | (uint)n); break;
            case PodStatusRetry:
            {
                var t = _podTable!;
                if (t.Phase[n] != PodPhase.Gone && t.Node[n] >= 0 && !_removed[t.Node[n]] && !t.StatusInFlight[n] && t.WantReady[n] != t.ReadyInApi[n]) SendPodStatus(n);
                break;
            }
            case OtherPodStatusRetry: PatchOtherPodStatus(n); break;
        }
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int n = (int)(tag & 0x7FFFFFFF);
        long kind = tag >> 32;
        if (kind != TagPodStatus && _removed[n]) return;
        if (kind == TagNodeStatus)
        {
            _sim.Schedule(_statusTicks, this, PatchStatus, n);
            return;
        }
        if (kind == TagPodStatus)
        {
            var t = _podTable!;
            t.StatusInFlight[n] = false;
            if (outcome == RequestOutcome.Ok)
            {
                PodStatusPatches++;
                bool ready = (tag & ReadyBit) != 0;
                if (t.Phase[n] == PodPhase.Gone) return;
                if (t.ReadyInApi[n] != ready)
                {
                    t.ReadyInApi[n] = ready;
                    _listener!.OnPodStatusWritten(n);
                }
                if (t.WantReady[n] != t.ReadyInApi[n]) SendPodStatus(n);
            }
            else
            {
                PodStatusFailures++;
                _sim.Schedule(StatusSyncTicks, this, PodStatusRetry, n);
            }
            return;
        }
        if (kind == TagOtherPodStatus)
        {
            if (outcome == RequestOutcome.Ok) PodStatusPatches++;
            else
            {
                PodStatusFailures++;
                _sim.Schedule(StatusSyncTicks, this, OtherPodStatusRetry, n);
            }
            return;
        }
        if (outcome == RequestOutcome.Ok)
        {
            LeaseRenewals++;
            _renewedAt[n] = _sim.Now;
            _retry[n] = 0;
            _sim.Schedule(_renewTicks, this, RenewLease, n);
        }
        else
        {
            LeaseFailures++;
            _retry[n] = LeaseRetry.Next(_retry[n]);
            _sim.Schedule(_retry[n], this, RenewLease, n);
        }
    }
}

/// <summary>Hears that a tracked pod's Ready condition changed in the API server.</summary>
public interface IPodStatusListener
{
    void OnPodStatusWritten(int pod);
}
