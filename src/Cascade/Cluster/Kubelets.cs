using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// Every node's kubelet as an API client (docs/sources.md §4): the node Lease renewed by the heartbeat client (no
/// rate limit, 10 s timeout, client-go's Retry-After retries within it) as upstream's lease controller does
/// (component-helpers/apimachinery/lease/controller.go; docs/model-dataplane.md "Kubelets"): a sync every 10 s
/// stretched by up to 4 %, timed from the end of the last; in a sync, up to 5 updates back to back; if all fail,
/// GETs with back-off from 200 ms doubling to 7 s until one succeeds, then up to 5 updates more; node status patched
/// every 5 min; and a pod informer for the node's own pods (fieldSelector
/// spec.nodeName, one watcher per node on pods). Classified by APF as system:nodes (node-high for
/// leases and node status, system for the rest). The kubelet keeps its containers running whatever the
/// API server does; only its writes fail. With the data plane, the kubelet's status manager also patches
/// pod status (readiness) when it changes, and retries a failed patch on its 10 s sync.
/// A node added to the running cluster registers first (docs/model.md "Growth and churn"): its kubelet creates
/// its Node object (retried from 100 ms doubling to 7 s: pkg/kubelet/kubelet_node_status.go registerWithAPIServer),
/// then its Lease (the lease controller's 200 ms → 7 s back-off), and its pod informer starts from nothing (a
/// LIST, then the watch). Arrays are sized to the most nodes the scenario can reach; slots past the nodes of
/// the moment are inactive.
/// </summary>
public sealed class Kubelets : IApiCaller, IEventHandler, IParkedClients, IBlockWatcher
{
    private const int RenewLease = 0, PatchStatus = 1, PodStatusRetry = 2, OtherPodStatusRetry = 3, Register = 4, CreateLease = 5, LeaseRefused = 6, LeaseBlocked = 7, GoneTimedOut = 8, EnsureLease = 9;
    private const long TagLease = 0, TagNodeStatus = 1, TagPodStatus = 2, TagOtherPodStatus = 3, TagRegister = 4, TagCreateLease = 5, TagGetLease = 6;
    /// <summary>lease/controller.go maxUpdateRetries: the updates a sync makes back to back before it falls back to GETs.</summary>
    internal const int MaxUpdateRetries = 5;
    /// <summary>lease/controller.go Run: wait.JitterUntil(sync, renewInterval, 0.04, sliding): each period stretched by up to 4 %.</summary>
    internal const double RenewJitter = 0.04;
    private static readonly Backoff RegisterRetry = new(SimTime.FromMilliseconds(100), SimTime.FromSeconds(7)); // kubelet_node_status.go registerWithAPIServer: 100 ms doubling to 7 s
    /// <summary>Assumption: machines provisioned together start their kubelets within 10 s of each other.</summary>
    private static readonly long BootSpreadTicks = SimTime.FromSeconds(10);
    private const long ReadyBit = 1L << 31;
    private static readonly long StatusSyncTicks = SimTime.FromSeconds(10); // status_manager.go syncPeriod 10 s
    private static readonly Backoff LeaseRetry = new(SimTime.FromMilliseconds(200), SimTime.FromSeconds(7)); // backoffEnsureLease: 100 ms doubled before each sleep, so 200 ms → 7 s (maxBackoff)

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiCall[] _lease, _status;
    private readonly AlikeCalls? _alikeLeases;
    private ApiCall[] _podStatus = Array.Empty<ApiCall>();
    private PodTable? _podTable;
    private IPodStatusListener? _listener;
    private readonly ApiClient[] _heartbeat, _main;
    private readonly Informer[] _pods;
    private readonly long _renewTicks, _statusTicks;
    private readonly ulong _jitterKey;
    private readonly ApiCall?[] _getLease;
    private readonly RandomStream _rng;
    private readonly bool[] _registered, _leaseCreated;
    // What a renewal reads and writes of its node, side by side (32 bytes, two nodes to a cache line): once the jittered
    // periods have shuffled renewals out of the order of places, each renewal misses the cache once for its node rather
    // than once for each of seven arrays.
    private struct NodeState
    {
        public long RenewedAt;      // when its Lease was last renewed
        public long Retry;          // its back-off's step: registration, the Lease's creation, the sync's GETs
        public int Life;            // bumped when the slot's node is removed or added: events of an earlier node are dropped
        public int HeartbeatId;     // the heartbeat client's id: a renewal in closed form reads no client object
        public byte UpdatesFailed;  // updates failed in the sync's current round
        public bool Ensured;        // the sync's GET has succeeded: its updates are the second round, after which it ends
        public bool Removed;        // no node in this slot (removed, dead, or not added yet)
    }

    private readonly NodeState[] _node;
    private readonly ApiCall?[] _register, _createLease;
    private readonly ApiResource _nodesResource, _leasesResource;
    // Every per-node array above is kept in renewal order, by place rather than by node: node n sits at _placeOf[n], and
    // place p holds node _nodeAt[p]. Renewals served in closed form come round in the order Start drew their phases, so
    // consecutive ones read and write neighbouring entries of every array rather than a node picked at random. Events
    // and response tags carry places; what is said to or asked of the kubelets from outside is by node.
    private readonly int[] _placeOf, _nodeAt;

    /// <summary><paramref name="nodes"/> nodes at the start, in arrays of <paramref name="slots"/> (the most the scenario reaches; default the same).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public Kubelets(Simulation sim, ApiServerSet api, int nodes, long renewTicks, long leaseTimeoutTicks, long statusTicks, bool watchPods, int slots = 0)
    {
        int initial = nodes;
        nodes = Math.Max(nodes, slots);
        _sim = sim;
        _api = api;
        _renewTicks = renewTicks;
        _statusTicks = statusTicks;
        // A status patch and a pod-status resync each recur at one fixed period per node: FIFO lanes (and a failing
        // attempt at the back-off's cap, once one gets there: Retry). A renewal's period is jittered: a timing wheel.
        sim.UseLane(statusTicks);
        // The next sync is scheduled a jittered period after the last one's end: now, or a closed-form renewal's few ms ahead.
        sim.UseWheel(renewTicks + (long)(RenewJitter * renewTicks) + SimTime.FromSeconds(1));
        sim.UseLane(StatusSyncTicks);
        _rng = sim.Random.Stream($"{api.Cluster}/kubelets");
        // A period is drawn from a counter-based stream, by the node's place and the instant its sync ended: the same
        // draw whichever order the renewals are answered in (in closed form at their send, on the request path at their
        // answer), and nothing more to read.
        _jitterKey = sim.Random.Stream($"{api.Cluster}/kubelets/lease-jitter").NextUInt64();
        _lease = new ApiCall[nodes];
        _status = new ApiCall[nodes];
        _heartbeat = new ApiClient[nodes];
        _main = new ApiClient[nodes];
        _pods = watchPods ? new Informer[nodes] : Array.Empty<Informer>();
        _getLease = new ApiCall?[nodes];
        _node = new NodeState[nodes];
        _registered = new bool[nodes];
        _leaseCreated = new bool[nodes];
        _register = new ApiCall?[nodes];
        _createLease = new ApiCall?[nodes];
        _dark = new ParkedRenewals(nodes, ApiServerSet.RefusedTicks, ApiServerSet.RefusedTicks + LeaseRetry.MaxTicks, new DarkRenewals(this));
        _blocked = new ParkedRenewals(nodes, leaseTimeoutTicks, leaseTimeoutTicks + LeaseRetry.MaxTicks, new BlockedRenewals(this));
        api.AddParkedClients(this);
        _nodesResource = api.Resources.GetOrAdd("nodes");
        _leasesResource = api.Resources.GetOrAdd("leases");
        // A renewal reads its node's entries, heartbeat client and Lease call, and renewals come in the order of the
        // phases Start will draw. Kept in that order (places), side by side, consecutive renewals read neighbouring
        // memory rather than a node picked at random. Only the layout follows the guess: it is drawn from a copy of the
        // stream, so Start draws the same phases whatever happens in between.
        _nodeAt = InRenewalOrder(initial, nodes);
        _placeOf = new int[nodes];
        for (int p = 0; p < nodes; p++) _placeOf[_nodeAt[p]] = p;
        for (int p = 0; p < nodes; p++)
        {
            _node[p].Removed = _nodeAt[p] >= initial;
            _registered[p] = _leaseCreated[p] = _nodeAt[p] < initial;
        }
        for (int p = 0; p < nodes; p++)
        {
            var id = Identity.Node($"node-{_nodeAt[p]}");
            // docs/sources.md §3: heartbeat client unlimited, 10 s timeout; client-go's default Retry-After retries, within it.
            _heartbeat[p] = api.CreateClient(double.PositiveInfinity, 1, leaseTimeoutTicks);
            _heartbeat[p].WatchBlocked(this, p);
            _node[p].HeartbeatId = _heartbeat[p].Id;
            // All nodes classify alike; resolving once per node keeps each node its own flow (ByUser).
            _lease[p] = api.DefineCall("kubelet lease", id.User, id.Groups, "update", "leases", "kube-node-lease");
        }
        // Every node's Lease call is alike but for its user: a renewal served in closed form reads one shape.
        _alikeLeases = AlikeCalls.Of(_lease);
        double podShare = 1.0 / initial;
        for (int n = 0; n < nodes; n++)
        {
            var id = Identity.Node($"node-{n}");
            int p = _placeOf[n];
            _status[p] = api.DefineCall("kubelet node status", id.User, id.Groups, "patch", "nodes", null);
            _main[p] = api.CreateClient(50, 100);                                                            // docs/sources.md §3: kubelet kubeAPIQPS 50 / burst 100
            if (watchPods)
            {
                // fieldSelector spec.nodeName=<node>: the cache's node-name index serves it.
                var calls = api.DefineInformer("kubelet pods", id.User, id.Groups, "pods", null, true, podShare, indexed: true);
                _pods[n] = new Informer(sim, api, _main[p], calls, sim.Random.Stream($"{api.Cluster}/kubelet-informer", n));
            }
        }
    }

    /// <summary>Every node slot, the <paramref name="initial"/> nodes by the first renewal Start will give them, then the slots past them: the node at each place.</summary>
    private int[] InRenewalOrder(int initial, int slots)
    {
        var look = _rng.Copy();
        var first = new long[initial];
        for (int n = 0; n < initial; n++)
        {
            first[n] = StartPhase(look, _renewTicks);
            StartPhase(look, _statusTicks);
            if (_pods.Length > 0) StartPhase(look, _renewTicks);
        }
        var order = new int[slots];
        for (int n = 0; n < slots; n++) order[n] = n;
        Array.Sort(first, order, 0, initial); // equal phases: any order will do, only the layout depends on it
        return order;
    }

    private static long StartPhase(RandomStream rng, long period) => (long)(rng.NextDouble() * period);

    /// <summary>Node slots: the most nodes the scenario can reach.</summary>
    public int Nodes => _lease.Length;

    /// <summary>Node registrations (Node objects created) that succeeded, and attempts that failed.</summary>
    public long Registrations { get; private set; }
    public long RegistrationFailures { get; private set; }

    /// <summary>Hears each added node's Node object land in the API server.</summary>
    public INodeRegistrationListener? Listener { get; set; }
    public long LeaseRenewals { get; private set; }
    /// <summary>Lease requests that failed so far (a sync's updates, the GETs after them, a new node's creates), those of parked nodes included (counted up to now, exclusive).</summary>
    public long LeaseFailures
    {
        get
        {
            CatchUpRings(_sim.Now, throughNow: false);
            return _leaseFailures;
        }
    }

    private long _leaseFailures;

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
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void AttachPods(PodTable pods, IPodStatusListener listener)
    {
        _podTable = pods;
        _listener = listener;
        _podStatus = new ApiCall[Nodes];
        for (int n = 0; n < Nodes; n++)
        {
            var id = Identity.Node($"node-{n}");
            _podStatus[_placeOf[n]] = _api.DefineCall("kubelet pod status", id.User, id.Groups, "patch", "pods", "default");
        }
    }

    /// <summary>The kubelet of the pod's node wants its Ready condition to be <paramref name="ready"/>: patch it unless a patch is on its way.</summary>
    public void SetPodReady(int pod, bool ready)
    {
        var t = _podTable!;
        t.WantReady[pod] = ready;
        if (t.StatusInFlight[pod] || t.ReadyInApi[pod] == ready || t.Node[pod] < 0 || _node[_placeOf[t.Node[pod]]].Removed) return;
        SendPodStatus(pod);
    }

    /// <summary>The status patch of an untracked pod that started on node <paramref name="node"/> (cost only).</summary>
    public void PatchOtherPodStatus(int node) => PatchOtherPodStatusAt(_placeOf[node]);

    private void PatchOtherPodStatusAt(int p)
    {
        if (!_node[p].Removed) _api.Send(_main[p], _podStatus[p], this, (TagOtherPodStatus << 32) | (uint)p);
    }

    private void SendPodStatus(int pod)
    {
        var t = _podTable!;
        int p = _placeOf[t.Node[pod]];
        t.StatusInFlight[pod] = true;
        long tag = (TagPodStatus << 32) | (t.WantReady[pod] ? ReadyBit : 0) | (uint)pod;
        _api.Send(_main[p], _podStatus[p], this, tag);
    }

    /// <summary>Node <paramref name="n"/>'s heartbeat client (its Lease renewals).</summary>
    public ApiClient HeartbeatClient(int n) => _heartbeat[_placeOf[n]];

    /// <summary>Node <paramref name="n"/>'s main client (status, registration, pod status, its pod informer).</summary>
    internal ApiClient MainClient(int n) => _main[_placeOf[n]];

    /// <summary>Node <paramref name="n"/>'s calls as resolved against the API server (null: not defined yet).</summary>
    internal (ApiCall Lease, ApiCall Status, ApiCall? PodStatus, ApiCall? Register, ApiCall? CreateLease) CallsOf(int n)
    {
        int p = _placeOf[n];
        return (_lease[p], _status[p], p < _podStatus.Length ? _podStatus[p] : null, _register[p], _createLease[p]);
    }

    /// <summary>Node <paramref name="n"/>'s GET of its Lease (the lease controller's fallback), null until its first.</summary>
    internal ApiCall? GetLeaseCall(int n) => _getLease[_placeOf[n]];

    /// <summary>When node <paramref name="n"/>'s lease was last renewed (ticks).</summary>
    public long LeaseRenewedAt(int n) => _node[_placeOf[n]].RenewedAt;

    /// <summary>Raises each node's <paramref name="observed"/> (by node) to when its lease was last renewed, if it is earlier.</summary>
    internal void ObserveRenewals(Span<long> observed)
    {
        var placeOf = _placeOf.AsSpan(0, observed.Length);
        for (int n = 0; n < placeOf.Length; n++) observed[n] = Math.Max(observed[n], _node[placeOf[n]].RenewedAt);
    }

    public void Start()
    {
        for (int n = 0; n < Nodes; n++)
        {
            int p = _placeOf[n];
            if (_node[p].Removed) continue;
            _node[p].RenewedAt = _sim.Now;
            _sim.Schedule(StartPhase(_rng, _renewTicks), this, RenewLease, p);
            _sim.Schedule(StartPhase(_rng, _statusTicks), this, PatchStatus, p);
            if (_pods.Length > 0) _pods[n].StartSynced(StartPhase(_rng, _renewTicks));
        }
    }

    /// <summary>The node was removed from the cluster (scale-down): its kubelet stops calling; its Node and Lease objects go.</summary>
    public void RemoveNode(int n)
    {
        int p = _placeOf[n];
        if (_node[p].Removed) return;
        Unpark(p, resume: false);
        _node[p].Removed = true;
        _node[p].Life++;
        if (_pods.Length > 0) _pods[n].Stop();
        if (_registered[p]) _nodesResource.Count--;
        if (_leaseCreated[p]) _leasesResource.Count--;
        _registered[p] = _leaseCreated[p] = false;
    }

    public bool NodeRemoved(int n) => _node[_placeOf[n]].Removed;

    /// <summary>The machine died (a lost node): its kubelet stops calling, but its Node and Lease objects stay.</summary>
    public void NodeDied(int n)
    {
        int p = _placeOf[n];
        if (_node[p].Removed) return;
        Unpark(p, resume: false);
        _node[p].Removed = true;
        _node[p].Life++;
        if (_pods.Length > 0) _pods[n].Stop();
    }

    /// <summary>
    /// Node <paramref name="n"/> is cut off from the control plane, or joined again: its kubelet's requests get no
    /// answer (Lease renewals time out and are retried), its pod watch ends; its containers keep running.
    /// </summary>
    public void SetPartitioned(int n, bool partitioned)
    {
        _heartbeat[_placeOf[n]].Blocked = partitioned;
        _main[_placeOf[n]].Blocked = partitioned;
        if (partitioned && _pods.Length > 0) _pods[n].Disconnect();
    }

    /// <summary>The node's Node object exists in the API server.</summary>
    public bool NodeRegistered(int n) => _registered[_placeOf[n]];

    /// <summary>
    /// A new machine in slot <paramref name="n"/> boots (within <see cref="BootSpreadTicks"/>): its kubelet registers
    /// the Node, then creates its Lease and renews it, patches node status, and its pod informer lists and watches.
    /// </summary>
    public void AddNode(int n)
    {
        int p = _placeOf[n];
        if (!_node[p].Removed) return;
        _node[p].Removed = false;
        _node[p].Life++;
        _node[p].Retry = 0;
        _node[p].UpdatesFailed = 0;
        _node[p].Ensured = false;
        var id = Identity.Node($"node-{n}");
        _register[p] ??= _api.DefineCall("kubelet register node", id.User, id.Groups, "create", "nodes", null);
        _createLease[p] ??= _api.DefineCall("kubelet create lease", id.User, id.Groups, "create", "leases", "kube-node-lease");
        long boot = (long)(_rng.NextDouble() * BootSpreadTicks);
        _sim.Schedule(boot, this, Register, Arg(p));
        if (_pods.Length > 0) _pods[n].Start(boot);
    }

    private bool _cappedLane;   // the back-off's cap has its lane

    /// <summary>The attempt of the node at place <paramref name="p"/> failed: the next one (<paramref name="kind"/>) after one more step of <paramref name="backoff"/>.</summary>
    private void Retry(int p, Backoff backoff, int kind)
    {
        _node[p].Retry = backoff.Next(_node[p].Retry);
        if (!_cappedLane && _node[p].Retry == backoff.MaxTicks)
        {
            // Nodes that keep failing retry a cap apart, many at once while the control plane is down: a lane.
            _cappedLane = true;
            _sim.UseLane(backoff.MaxTicks);
        }
        _sim.Schedule(_node[p].Retry, this, kind, Arg(p));
    }

    private long Arg(int p) => ((long)_node[p].Life << 32) | (uint)p;

    /// <summary>
    /// The renewal of the node at place <paramref name="p"/> is answered at <paramref name="answeredAt"/> (now, or later for one served in
    /// closed form, whose answer is known when it is sent): the sync ends, and the next begins a period after the answer.
    /// </summary>
    private void Renewed(int p, long answeredAt)
    {
        LeaseRenewals++;
        _node[p].RenewedAt = answeredAt;
        SyncEnded(p, answeredAt);
    }

    /// <summary>The sync of the node at place <paramref name="p"/> ends at <paramref name="endsAt"/>: the next begins one jittered period later (JitterUntil, sliding).</summary>
    private void SyncEnded(int p, long endsAt)
    {
        _node[p].Retry = 0;
        _node[p].UpdatesFailed = 0;
        _node[p].Ensured = false;
        _sim.ScheduleTimer(endsAt - _sim.Now + Period(p, endsAt), this, RenewLease, Arg(p));
    }

    /// <summary>wait.Jitter(renewInterval, 0.04): the period plus up to 4 % of it, drawn for the sync of the node at place <paramref name="p"/> that ended at <paramref name="endsAt"/>.</summary>
    private long Period(int p, long endsAt)
    {
        double u = RandomStream.UniformAt(_jitterKey ^ ((ulong)p * 0xD1B54A32D192ED03UL), (ulong)endsAt);
        return _renewTicks + (long)(u * RenewJitter * _renewTicks);
    }

    /// <summary>The node at place <paramref name="p"/> updates its Lease: in closed form when nothing it meets is busy, else on the request path.</summary>
    private void SendUpdate(int p)
    {
        long latency = _alikeLeases is null ? _api.TrySendClosedForm(_heartbeat[p], _lease[p]) : _api.TrySendClosedForm(_node[p].HeartbeatId, _alikeLeases, p);
        if (latency < 0) _api.Send(_heartbeat[p], _lease[p], this, Tag(TagLease, p));
        else Renewed(p, _sim.Now + latency);
    }

    /// <summary>The node at place <paramref name="p"/> GETs its Lease (ensureLease; the Lease exists, so no create follows).</summary>
    private void SendGet(int p)
    {
        var call = _getLease[p] ??= DefineGet(p);
        _api.Send(_heartbeat[p], call, this, Tag(TagGetLease, p));
    }

    private ApiCall DefineGet(int p)
    {
        var id = Identity.Node($"node-{_nodeAt[p]}");
        var call = _api.DefineCall("kubelet get lease", id.User, id.Groups, "get", "leases", "kube-node-lease");
        _getShape ??= call;
        return call;
    }

    private ApiCall? _getShape; // the first GET defined: every node's is alike to it but for its user

    private long Tag(long kind, int p) => ((long)_node[p].Life << 40) | (kind << 32) | (uint)p;
    public void OnEvent(int kind, long arg)
    {
        int p = (int)(arg & 0xFFFFFFFF);
        if (kind == GoneTimedOut)
        {
            // A blocked attempt of a node that has gone since: its client still gives up on it.
            _api.CountClientTimeout();
            return;
        }
        if (kind != PodStatusRetry && kind != OtherPodStatusRetry && (_node[p].Removed || (int)(arg >> 32) != _node[p].Life)) return;
        switch (kind)
        {
            case RenewLease: SendUpdate(p); break;
            case EnsureLease: SendGet(p); break;
            case PatchStatus: _api.Send(_main[p], _status[p], this, Tag(TagNodeStatus, p)); break;
            case Register: _api.Send(_main[p], _register[p]!, this, Tag(TagRegister, p)); break;
            case CreateLease: _api.Send(_heartbeat[p], _createLease[p]!, this, Tag(TagCreateLease, p)); break;
            case PodStatusRetry:
            {
                var t = _podTable!;
                int pod = p; // this event's argument is a pod
                if (t.Phase[pod] != PodPhase.Gone && t.Node[pod] >= 0 && !_node[_placeOf[t.Node[pod]]].Removed && !t.StatusInFlight[pod] && t.WantReady[pod] != t.ReadyInApi[pod]) SendPodStatus(pod);
                break;
            }
            case OtherPodStatusRetry: PatchOtherPodStatusAt(p); break;
            case LeaseRefused: GetFailed(p); break;
            case LeaseBlocked:
                if (_blocked.AnswerTicks > 0) _api.CountClientTimeout();
                GetFailed(p);
                break;
        }
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int p = (int)(tag & 0x7FFFFFFF);
        long kind = (tag >> 32) & 0xFF;
        if (kind != TagPodStatus && kind != TagOtherPodStatus && (_node[p].Removed || (int)(tag >> 40) != _node[p].Life)) return;
        if (kind == TagNodeStatus)
        {
            _sim.Schedule(_statusTicks, this, PatchStatus, Arg(p));
            return;
        }
        if (kind == TagRegister)
        {
            if (outcome == RequestOutcome.Ok)
            {
                Registrations++;
                _registered[p] = true;
                _nodesResource.Count++;
                _node[p].Retry = 0;
                _sim.Schedule(0, this, CreateLease, Arg(p));
                _sim.Schedule((long)(_rng.NextDouble() * _statusTicks), this, PatchStatus, Arg(p));
                Listener?.OnNodeRegistered(_nodeAt[p]);
            }
            else
            {
                RegistrationFailures++;
                Retry(p, RegisterRetry, Register);
            }
            return;
        }
        if (kind == TagCreateLease)
        {
            if (outcome == RequestOutcome.Ok)
            {
                _leaseCreated[p] = true;
                _leasesResource.Count++;
                _node[p].RenewedAt = _sim.Now;
                SyncEnded(p, _sim.Now); // a Lease just created is not updated in the same sync
            }
            else
            {
                _leaseFailures++;
                Retry(p, LeaseRetry, CreateLease);
            }
            return;
        }
        if (kind == TagPodStatus)
        {
            var t = _podTable!;
            int pod = p; // a pod's status: the tag carries the pod
            t.StatusInFlight[pod] = false;
            if (outcome == RequestOutcome.Ok)
            {
                PodStatusPatches++;
                bool ready = (tag & ReadyBit) != 0;
                if (t.Phase[pod] == PodPhase.Gone) return;
                if (t.ReadyInApi[pod] != ready)
                {
                    t.ReadyInApi[pod] = ready;
                    _listener!.OnPodStatusWritten(pod);
                }
                if (t.WantReady[pod] != t.ReadyInApi[pod]) SendPodStatus(pod);
            }
            else
            {
                PodStatusFailures++;
                _sim.Schedule(StatusSyncTicks, this, PodStatusRetry, pod);
            }
            return;
        }
        if (kind == TagOtherPodStatus)
        {
            if (outcome == RequestOutcome.Ok) PodStatusPatches++;
            else
            {
                PodStatusFailures++;
                _sim.Schedule(StatusSyncTicks, this, OtherPodStatusRetry, p);
            }
            return;
        }
        if (kind == TagGetLease)
        {
            if (outcome != RequestOutcome.Ok) GetFailed(p);
            else
            {
                // backoffEnsureLease returns the Lease; retryUpdateLease makes the sync's second round of updates.
                _node[p].Ensured = true;
                _node[p].Retry = 0;
                SendUpdate(p);
            }
            return;
        }
        if (outcome == RequestOutcome.Ok) Renewed(p, _sim.Now);
        else UpdateFailed(p);
    }

    /// <summary>
    /// An update of the node at place <paramref name="p"/> failed now (retryUpdateLease): the next goes at once, up to
    /// 5 in a round; after the first round the sync GETs its Lease, after the second (a GET had succeeded) it ends.
    /// </summary>
    private void UpdateFailed(int p)
    {
        _leaseFailures++;
        if (++_node[p].UpdatesFailed < MaxUpdateRetries)
        {
            SendUpdate(p);
            return;
        }
        if (_node[p].Ensured)
        {
            SyncEnded(p, _sim.Now);
            return;
        }
        _node[p].UpdatesFailed = 0;
        _node[p].Retry = 0;
        SendGet(p);
    }

    /// <summary>The GET of the node at place <paramref name="p"/> failed now: the next after one more step of back-off, or parked when it cannot reach an API server either.</summary>
    private void GetFailed(int p)
    {
        _leaseFailures++;
        var client = _heartbeat[p];
        if (_api.ParkUnreachable && LeaseRetry.Next(_node[p].Retry) == LeaseRetry.MaxTicks && !client.Probed)
        {
            // The next GET, a capped back-off from now, is blocked at the network or refused for want of a replica,
            // and so is every one after it until the block lifts or a replica serves: a fixed cycle (ParkedRenewals).
            var ring = client.Blocked ? _blocked : !_api.AnyReplicaUp ? _dark : null;
            if (ring is not null)
            {
                _node[p].Retry = LeaseRetry.MaxTicks;
                ring.Park(p, _sim.Now);
                return;
            }
        }
        Retry(p, LeaseRetry, EnsureLease);
    }

    // ---------------------------------------------------------------- renewals that cannot reach an API server

    // Two rings of nodes (by place) whose renewals fail in a fixed cycle (docs/model.md, "Attempts that cannot reach an API server"):
    // refused while no replica serves (answered after ApiServerSet.RefusedTicks), and blocked at the network (answered
    // by the heartbeat client's timeout). ApiServerSet has them count up to now before each second's sample and at the
    // end of a run; a node goes back to events when a replica serves again, its block ends or starts, or it goes.
    private readonly ParkedRenewals _dark, _blocked;

    /// <summary>Nodes whose renewals wait in the rings now: refused for want of a replica, and blocked at the network (for tests).</summary>
    internal (int Refused, int Blocked) ParkedNodes => (_dark.Count, _blocked.Count);

    void IParkedClients.CatchUp(long now, bool throughNow) => CatchUpRings(now, throughNow);

    private void CatchUpRings(long now, bool throughNow)
    {
        _dark.CatchUp(now, throughNow);
        _blocked.CatchUp(now, throughNow);
    }

    void IParkedClients.CollectServing(List<ParkedResumption> into) => _dark.CollectAll(into);

    /// <summary>Node <paramref name="index"/>'s heartbeat client was blocked or let back: a block that starts ends a refusal cycle, one that lifts ends a blocked one.</summary>
    void IBlockWatcher.OnBlockedChanged(int index, bool blocked)
    {
        if (blocked) _dark.Unpark(index, _sim.Now, resume: true);
        else _blocked.Unpark(index, _sim.Now, resume: true);
    }

    /// <summary>The node at place <paramref name="p"/> leaves both rings now; with <paramref name="resume"/> its pending step becomes an event again.</summary>
    private void Unpark(int p, bool resume)
    {
        _dark.Unpark(p, _sim.Now, resume);
        _blocked.Unpark(p, _sim.Now, resume);
    }

    /// <summary>The event the request path would have pending for a parked node: its attempt's failure at <paramref name="answerAt"/>, or its next attempt.</summary>
    private void Resume(int p, ParkedRenewals ring, long answerAt, bool sent, int failureKind)
    {
        if (sent) _sim.ScheduleAt(answerAt, this, failureKind, Arg(p));
        else _sim.ScheduleAt(answerAt - ring.AnswerTicks, this, EnsureLease, Arg(p));
    }

    private sealed class DarkRenewals(Kubelets k) : IParkedOwner
    {
        // A parked node is in backoffEnsureLease: each attempt is a GET of its Lease, defined by the GET that failed first.
        // Every node's GET is alike in what a refusal counts (verb, exemption): it reads the first one's, and the client's id.
        public void OnAttempt(int place) => k._api.CountRefused(k._node[place].HeartbeatId, k._getShape!);
        public void OnFailure(int place) => k._leaseFailures++;
        public void Resume(int place, long answerAt, bool sent) => k.Resume(place, k._dark, answerAt, sent, LeaseRefused);
        public void Gone(int place, long answerAt, bool sent) { } // a refusal moves no counter when it is delivered
    }

    private sealed class BlockedRenewals(Kubelets k) : IParkedOwner
    {
        public void OnAttempt(int place) => k._api.CountBlocked();

        public void OnFailure(int place)
        {
            if (k._blocked.AnswerTicks > 0) k._api.CountClientTimeout();
            k._leaseFailures++;
        }

        public void Resume(int place, long answerAt, bool sent) => k.Resume(place, k._blocked, answerAt, sent, LeaseBlocked);

        public void Gone(int place, long answerAt, bool sent)
        {
            if (sent && k._blocked.AnswerTicks > 0) k._sim.ScheduleAt(answerAt, k, GoneTimedOut, place);
        }
    }
}

/// <summary>Hears that an added node's Node object was created (it exists for controllers, the scheduler and DaemonSets).</summary>
public interface INodeRegistrationListener
{
    void OnNodeRegistered(int node);
}

/// <summary>Hears that a tracked pod's Ready condition changed in the API server.</summary>
public interface IPodStatusListener
{
    void OnPodStatusWritten(int pod);
}
