using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.ControlPlane;

/// <summary>
/// A cluster's control plane: kube-apiserver replicas behind a load balancer, and the etcd they read and
/// write. It carries every request from the client's rate limiter to its answer:
///
///   client token bucket → connection (load balancer picks a live replica; the client stays on it)
///   → APF (classify, estimate seats, queue or reject with 429) → execute: etcd range (shared etcd
///   CPU) and/or watch-cache scan, then decode/encode on the replica's CPU (processor-shared, one core
///   per request at most), holding memory for LISTs → answer, or 504 at --request-timeout, or the
///   connection dies with its replica (OOM kill). A client that gives up ends its request where upstream
///   checks the request's context (a queue, a range, a decode, an admission); a write etcd already has still
///   commits, without its seats (docs/model.md, "Request path").
///
/// Retries follow client-go (429 with Retry-After, up to the client's limit); LIST pagination is a
/// chain of requests with continue tokens. Its parts have their own files: etcd (Etcd.cs), each replica's
/// watch cache (WatchCache.cs), what a request costs (RequestCost.cs), APF (Apf/). What is left out is
/// written in docs/model.md.
/// </summary>
public sealed class ApiServerSet : IEventHandler, IApfHost
{
    private const int Transmit = 0, DeliverUnavailable = 4, Restart = 5, SampleTick = 6, RetryKind = 7, LivenessProbe = 10, FanOutWindow = 11;

    /// <summary>Watch-event fan-out is charged to the replica's CPU per window of this length.</summary>
    private static readonly long FanOutWindowTicks = SimTime.FromMilliseconds(100);

    /// <summary>Fan-out never takes more than this share of a replica's cores; the rest of its work carries over.</summary>
    private const double FanOutMaxShare = 0.95;

    /// <summary>A refused connection answers after about one network round trip (assumption).</summary>
    internal static readonly long RefusedTicks = SimTime.FromMilliseconds(1);

    private readonly Simulation _sim;
    private readonly ApiServerConfig _config;
    private readonly RequestTable _requests = new();
    private readonly ApfRequestTable _apfRequests = new();
    private readonly List<ApiServerReplica> _replicas = new();
    private readonly Etcd _etcd;
    private readonly RandomStream _lb, _goaway;
    private readonly Timeline _timeline;
    private readonly List<ApiClient> _clients = new();
    private readonly ClientConnections _connections = new();   // each client's, by its id
    private readonly DeadlineQueue _serverTimeouts;
    private readonly List<DeadlineQueue> _clientTimeouts = new();
    private readonly int[] _seatScratch, _queuedScratch;

    private readonly List<int> _cacheWaiters = new();

    public ApiServerSet(Simulation sim, string cluster, ApiServerConfig config, ResourceRegistry resources, Timeline timeline)
    {
        _sim = sim;
        _config = config;
        Cluster = cluster;
        Resources = resources;
        _timeline = timeline;
        _lb = sim.Random.Stream($"{cluster}/apiserver/lb");
        _goaway = sim.Random.Stream($"{cluster}/apiserver/goaway");
        _etcd = new Etcd(sim, config.Etcd, cluster, timeline, new EtcdStage(this));
        _serverTimeouts = new DeadlineQueue(sim, config.RequestTimeoutTicks, new ServerTimeouts(this));
        // APF's queue-wait limit, a refused connection's answer, a one-second Retry-After and the fan-out window
        // are fixed delays scheduled for many requests at once: FIFO lanes beside the kernel's heap (and the longer
        // Retry-Afters a level sends as it doubles them, once it does: RetryAfterLane).
        sim.UseLane(config.QueueWaitLimitTicks);
        sim.UseLane(RefusedTicks);
        sim.UseLane(SimTime.TicksPerSecond);
        sim.UseLane(FanOutWindowTicks);
        for (int i = 0; i < config.Replicas; i++) AddReplica();
        if (config.MaxReplicas > 64) throw new ArgumentOutOfRangeException(nameof(config));
        var probe = _replicas[0].Dispatcher;
        Levels = probe.PriorityLevelCount;
        _seatScratch = new int[Levels];
        _queuedScratch = new int[Levels];
        Metrics = new ApiServerMetrics(Levels, Math.Max(config.Replicas, config.MaxReplicas));
        _sim.Schedule(SimTime.TicksPerSecond, this, SampleTick);
        if (config.LivenessFailureThreshold > 0)
            for (int i = 0; i < config.Replicas; i++) ScheduleProbe(_replicas[i]);
    }

    public string Cluster { get; }
    public ApiServerConfig Config => _config;

    /// <summary>Writes a happening of this cluster's control plane to its timeline.</summary>
    public void Log(string kind, string message) => _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, kind, message);
    public ResourceRegistry Resources { get; }
    public ApiServerMetrics Metrics { get; }
    public int Levels { get; }
    public int ReplicaCount => _replicas.Count;

    /// <summary>Replica slots in the metrics (the most replicas the run may reach).</summary>
    public int ReplicaSlots => Math.Max(_config.Replicas, _config.MaxReplicas);
    public string LevelName(int level) => _replicas[0].Dispatcher.PriorityLevelName(level);
    public bool ReplicaUp(int replica) => _replicas[replica].Up;
    public long ReplicaMemoryBytes(int replica) => _replicas[replica].MemoryBytes;
    public int ReplicaSeatsInUse(int replica) => _replicas[replica].Dispatcher.TotalSeatsInUse;

    /// <summary>Replica <paramref name="replica"/>'s APF, for observers that read its queues and limits.</summary>
    internal ApfDispatcher ReplicaDispatcher(int replica) => _replicas[replica].Dispatcher;

    /// <summary>Requests taken from the pool and not yet given back (for tests: whatever ends is recycled).</summary>
    internal int RequestsInUse => _requests.InUse;
    public int WatchCount(int replica, int resource) => _replicas[replica].Watches.Count(resource);

    /// <summary>CPU the replicas spent sending watch events (core-seconds, all replicas).</summary>
    public double FanOutCoreSeconds
    {
        get
        {
            double t = 0;
            foreach (var rep in _replicas) t += rep.FanOutCoreTicks;
            return SimTime.ToSeconds((long)t);
        }
    }

    /// <summary>The cluster's etcd.</summary>
    public Etcd Etcd => _etcd;

    /// <summary>etcd is serving (not OOM-killed and restarting).</summary>
    public bool EtcdUp => _etcd.Up;

    /// <summary>etcd's memory now: its base plus what every range in flight has read so far.</summary>
    public double EtcdMemoryBytes => _etcd.MemoryBytes;

    /// <summary>Whether replica <paramref name="replica"/>'s watch cache of <paramref name="resource"/> is ready.</summary>
    public bool CacheReady(int replica, int resource) => _replicas[replica].Cache.Ready(resource);

    /// <summary>Requests sent and not yet answered (including those waiting for a token or a retry).</summary>
    public long InFlight => RequestPathInFlight + _closedForm.InFlight(_sim.Now);

    // Those on the request path; a request served in closed form is counted completed when it starts.
    private long RequestPathInFlight => Metrics.Issued - Metrics.Completed - Metrics.Rejected - Metrics.TimedOut;

    private ApiServerReplica AddReplica()
    {
        var r = new ApiServerReplica(_replicas.Count, _sim, _config, this, new CpuStage(this), Resources.All.Count, _apfRequests);
        r.ResidentBytes = WarmResidentBytes();
        _replicas.Add(r);
        return r;
    }

    /// <summary>Scales out to <paramref name="replicas"/>: the new ones serve after <paramref name="startupTicks"/>, with cold caches.</summary>
    public void ScaleOut(int replicas, long startupTicks)
    {
        int max = Math.Max(_config.Replicas, _config.MaxReplicas);
        while (_replicas.Count < Math.Min(replicas, max))
        {
            var r = AddReplica();
            r.Up = false;
            r.UpAgainAt = _sim.Now + startupTicks;
            r.ResidentBytes = 0;
            r.Cache.MarkAllCold();
            _sim.Schedule(startupTicks, this, Restart, r.Index);
        }
    }

    /// <summary>Gives every replica new CPU and memory limits (vertical scaling; the restart it takes is folded into the action's duration).</summary>
    public void Resize(double cpuCores, long memoryBytes)
    {
        foreach (var r in _replicas)
        {
            if (cpuCores > 0)
            {
                r.BaseCores = cpuCores;
                r.Cpu.SetCores(cpuCores);
            }
            if (memoryBytes > 0) r.MemoryLimitBytes = memoryBytes;
        }
    }

    private long WarmResidentBytes()
    {
        double b = _config.BaseMemoryBytes;
        foreach (var res in Resources.All) b += _config.WatchCacheMemoryFactor * res.StoredBytes;
        return (long)b;
    }

    // ---------------------------------------------------------------- clients and calls

    private readonly List<Informer> _informers = new();

    /// <summary>Every informer made against this cluster (restarted processes' informers included), for the report.</summary>
    public IReadOnlyList<Informer> Informers => _informers;

    /// <summary>Registers <paramref name="informer"/>; returns its number among this cluster's informers (<see cref="InformerAt"/>).</summary>
    internal int Register(Informer informer)
    {
        _informers.Add(informer);
        return _informers.Count - 1;
    }

    /// <summary>The informer registered as number <paramref name="number"/>.</summary>
    internal Informer InformerAt(int number) => _informers[number];

    /// <summary>Every client of this cluster's API servers (a network partition or block cuts them off by setting <see cref="ApiClient.Blocked"/>).</summary>
    public IReadOnlyList<ApiClient> Clients => _clients;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public ApiClient CreateClient(double qps, int burst, long timeoutTicks = 0, int maxRetries = 10)
    {
        var c = new ApiClient(_clients.Count, qps, burst, timeoutTicks, maxRetries, _connections);
        _clients.Add(c);
        return c;
    }

    /// <summary>Resolves a call against this cluster: its resource and its APF classification for this identity.</summary>
    /// <param name="resource">A resource, or a subresource as "nodes/status" (<see cref="Subresources"/>).</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public ApiCall DefineCall(string name, string user, IReadOnlyList<string> groups, string verb, string resource,
        string? ns, string resourceVersion = "", bool hasSelector = false, double selectivity = 1, long limit = 0,
        double scopeFraction = 1, bool indexed = false, bool sendInitialEvents = false, long objectBytes = 0, int watchKey = 0)
    {
        var sub = Subresources.Parse(resource, out string parent);
        var res = Resources.GetOrAdd(parent);
        foreach (var r in _replicas) r.EnsureResources(Resources.All.Count);
        var digest = new RequestDigest(user, groups, verb, res.ApiGroup, resource, ns, true, null);
        var c = _config.Apf.Classify(digest, _flowHashes);
        if (sub is Subresource.Log or Subresource.Exec)
        {
            // Long-running: the APF and max-in-flight filters pass it through untracked (priority-and-fairness.go,
            // maxinflight.go); the exempt level is the model's way of holding nothing back. It reads the pod.
            c = new Classification(_config.Apf.PriorityLevelIndex(ApfDefaults.Exempt), _config.Apf.FlowSchemaIndex(ApfDefaults.Exempt), 0, true);
            verb = "get";
        }
        return new ApiCall(name, verb, res, ns is null, resourceVersion, hasSelector, selectivity, limit, c, scopeFraction,
            indexed, sendInitialEvents, sub, objectBytes, watchKey);
    }

    // The flow hashes this cluster's calls have needed, for ApfConfiguration.Classify.
    private readonly Dictionary<(int Schema, string Distinguisher), ulong> _flowHashes = new();

    private readonly List<string> _watchKeys = new();

    /// <summary>
    /// The watch key of one named object (a Service's Endpoints, its EndpointSlices), assigned in the order
    /// objects are first named so a run is deterministic: writes to it carry the key, and a watch selecting
    /// it hears only those writes (<see cref="ApiCall.WatchKey"/>).
    /// </summary>
    public int WatchKey(string objectName)
    {
        int i = _watchKeys.IndexOf(objectName);
        if (i < 0)
        {
            _watchKeys.Add(objectName);
            i = _watchKeys.Count - 1;
        }
        return i + 1;
    }

    /// <summary>
    /// The calls of a client-go informer of <paramref name="resource"/> (docs/model.md, "Informers"): the first
    /// LIST (RV="0", pages of 500, unless <paramref name="initialResourceVersion"/> and <paramref name="pageSize"/>
    /// say otherwise), the relist from the last synced version (unpaginated, so the cache serves it), the
    /// consistent relist (RV=""), the WATCH, and the WatchList start (a WATCH with initial events).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public InformerCalls DefineInformer(string name, string user, IReadOnlyList<string> groups, string resource, string? ns,
        bool hasSelector = false, double selectivity = 1, double scopeFraction = 1, bool indexed = false,
        long pageSize = InformerCalls.DefaultPageSize, string initialResourceVersion = InformerCalls.DefaultResourceVersion, int watchKey = 0)
    {
        ApiCall Call(string suffix, string verb, string rv, long limit = 0, bool initialEvents = false) =>
            DefineCall(name + suffix, user, groups, verb, resource, ns, rv, hasSelector, selectivity, limit, scopeFraction, indexed,
                initialEvents, watchKey: watchKey);
        return new InformerCalls(
            Call("", "list", initialResourceVersion, pageSize),
            Call(" relist", "list", InformerCalls.LastSynced),
            Call(" consistent relist", "list", ""),
            Call(" watch", "watch", InformerCalls.LastSynced),
            Call(" watch-list", "watch", "", initialEvents: true),
            _config.Features.WatchList);
    }

    /// <summary>Sends a request on behalf of <paramref name="client"/>; <paramref name="caller"/> hears how it ended.</summary>
    public void Send(ApiClient client, ApiCall call, IApiCaller caller, long tag) => Send(client, call, caller, tag, -1);

    /// <summary>As <see cref="Send(ApiClient, ApiCall, IApiCaller, long)"/>, for a reader last synced at <paramref name="sinceTicks"/> (a WATCH from that resourceVersion).</summary>
    public void Send(ApiClient client, ApiCall call, IApiCaller caller, long tag, long sinceTicks)
    {
        var r = NewRequest(client, call, caller, tag, sinceTicks, _sim.Now);
        if (client.TimeoutTicks > 0)
        {
            r.ClientTimeouts = ClientTimeoutQueue(client.TimeoutTicks);
            r.ClientTimeout = r.ClientTimeouts.Arm(r.Id);
        }
        Launch(r);
    }

    private Request NewRequest(ApiClient client, ApiCall call, IApiCaller caller, long tag, long sinceTicks, long startedAt)
    {
        var r = _requests.Allocate();
        r.Since = sinceTicks;
        r.Call = call;
        r.Client = client;
        r.Connections = client.Connections;
        r.ConnectionSlot = client.ConnectionSlot;
        r.MaxRetries = client.MaxRetries;
        r.PriorityLevel = call.Classification.PriorityLevel;
        r.Exempt = call.Classification.Exempt;
        r.ReportedVerb = call.ReportedVerb;
        r.VerbClass = call.Class;
        r.Caller = caller;
        r.Tag = tag;
        r.StartedAt = startedAt;
        return r;
    }

    /// <summary>
    /// A request of a client without a timeout, sent at <paramref name="startedAt"/> and waiting for a token of its
    /// client's limiter until <paramref name="transmitAt"/> (an attempt a parked informer made): it goes on the wire then.
    /// </summary>
    internal void SendAfterToken(ApiClient client, ApiCall call, IApiCaller caller, long tag, long sinceTicks, long startedAt, long transmitAt)
    {
        var r = NewRequest(client, call, caller, tag, sinceTicks, startedAt);
        r.Phase = RequestPhase.Throttled;
        r.StageEvent = _sim.ScheduleAt(transmitAt, this, Transmit, r.Id);
    }

    // ---------------------------------------------------------------- closed-form requests

    // Whether the control plane is quiet (ComputeQuiet), as of the last once-a-second sample or a death since.
    private bool _quiet;
    private readonly Request _planScratch = new();
    private readonly ClosedFormRequests _closedForm = new();

    /// <summary>
    /// True when nothing in the control plane waits and everything has room to spare: every replica and etcd up, no
    /// request queued at any priority level, at most half of each level's seats, of each replica's cores and of etcd's
    /// cores busy. A short request started then runs at full speed to its end (a processor-sharing server slows nobody
    /// while it has no more jobs than cores) and is dispatched at once, so it can be served in closed form.
    /// </summary>
    private bool ComputeQuiet()
    {
        if (!_config.ClosedFormLeases || !_etcd.Up || !HasRoom(_etcd.Jobs, _etcd.Cores)) return false;
        foreach (var rep in _replicas)
            if (!rep.Up || !HasRoom(rep.Cpu.Jobs, rep.Cpu.Cores) || !rep.Dispatcher.Quiet()) return false;
        return _replicas.Count > 0;
    }

    /// <summary>A processor-sharing server with <paramref name="jobs"/> jobs has at least half of its <paramref name="cores"/> to spare.</summary>
    private static bool HasRoom(int jobs, double cores) => 2 * jobs <= cores;

    /// <summary>
    /// Serves <paramref name="call"/>, a write that reads nothing first, for <paramref name="client"/> in closed form if
    /// the control plane is quiet: counts it wherever the request path would (issued, dispatched without waiting,
    /// completed, its latency, etcd's write), charges its CPU and etcd time as busy time, fans its watch event out, and
    /// keeps its seats for the samples; returns its latency. -1: it must be sent (<see cref="Send(ApiClient, ApiCall, IApiCaller, long)"/>),
    /// because the control plane is not quiet or the client has no connection to a serving replica yet.
    /// </summary>
    public long TrySendClosedForm(ApiClient client, ApiCall call) => TrySendClosedForm(Id(client), call, null, 0);

    /// <summary>
    /// As <see cref="TrySendClosedForm(ApiClient, ApiCall)"/>, for the client of id <paramref name="client"/> and call
    /// <paramref name="index"/> of <paramref name="calls"/>: what the request path would read of the call is read of
    /// their shape and of the client its connection (ClientConnections), so neither object itself is touched.
    /// </summary>
    public long TrySendClosedForm(int client, AlikeCalls calls, int index) => TrySendClosedForm(client, calls.Shape, calls, index);

    /// <summary>The id of <paramref name="client"/>, one of this cluster's (<see cref="CreateClient"/>).</summary>
    private int Id(ApiClient client) =>
        client.KeptAt(_connections, client.Id) ? client.Id : throw new ArgumentException($"client {client.Id} is not one of cluster {Cluster}'s", nameof(client));

    // Serves a request of `call` for client id `client`, counted on call `index` of `alike` if there is one, else on `call` itself.
    private long TrySendClosedForm(int client, ApiCall call, AlikeCalls? alike, int index)
    {
        if (!_quiet || _config.GoawayChance > 0 || _connections.Blocked(client)) return -1;
        int replica = _connections.Replica(client);
        if (replica < 0) return -1;
        var rep = _replicas[replica];
        var c = call.Classification;
        // The whole control plane was quiet at the last once-a-second look; what this request meets must be now.
        if (!rep.Up || !HasRoom(rep.Cpu.Jobs, rep.Cpu.Cores) || !HasRoom(_etcd.Jobs, _etcd.Cores) || !rep.Dispatcher.Quiet(c.PriorityLevel)) return -1;
        long cpu = ClosedFormCpuTicks(call);
        if (cpu < 0) return -1;
        var work = RequestCost.Estimate(call, false, rep.Watches.Count(call.Resource.Index), _config.Features.Apf);
        long now = _sim.Now;
        Metrics.OnIssued(call.Class);
        if (alike is null)
        {
            call.CountDispatched();
            call.AddCpuTicks(cpu);
        }
        else alike.CountServed(index);
        rep.Dispatcher.CountDispatched(c.PriorityLevel);
        Metrics.OnWaited(c.PriorityLevel, executed: true, 0);
        rep.Cpu.AddBusyTicks(cpu);
        long write = _etcd.WriteClosedForm();
        long latency = cpu + write;
        Metrics.OnEtcdServed(MetricLabels.EtcdOperationOf(call.ReportedVerb), write);
        Metrics.OnCompleted(c.PriorityLevel, call.Class, call.ReportedVerb, c.Exempt, latency);
        _closedForm.Add(now + latency, now + latency + work.AdditionalLatencyTicks, c.PriorityLevel, work.InitialSeats, work.FinalSeats);
        FanOut(call.Resource, call.ObjectBytes, call.WatchKey);
        return latency;
    }

    /// <summary>The CPU ticks of <paramref name="call"/> served in closed form; -1 for a call that cannot be (not a write, or one that reads or holds memory).</summary>
    private long ClosedFormCpuTicks(ApiCall call)
    {
        if (call.ClosedFormCpuTicks == ApiCall.NotPlanned)
        {
            _planScratch.Call = call;
            RequestCost.Plan(_planScratch, _config);
            call.ClosedFormCpuTicks = call.Class == VerbClass.Mutating && _planScratch.ObjectsRead == 0 && _planScratch.MemoryPlanned == 0
                ? _planScratch.CpuTicks : -1;
            _planScratch.Call = null!;
        }
        return call.ClosedFormCpuTicks;
    }

    private DeadlineQueue ClientTimeoutQueue(long ticks)
    {
        foreach (var q in _clientTimeouts) if (q.DurationTicks == ticks) return q;
        var owner = new ClientTimeouts(this);
        var created = new DeadlineQueue(_sim, ticks, owner);
        owner.Queue = created;
        _clientTimeouts.Add(created);
        return created;
    }

    public void CloseWatch(WatchHandle h)
    {
        if (h.IsNone) return;
        var rep = _replicas[h.Replica];
        if (ReplicaLife(rep) != h.Life) return; // the replica died since: the watch is gone already
        rep.Watches.Close(h.Id);
    }

    private readonly List<int> _replicaLife = new();

    private int ReplicaLife(ApiServerReplica rep)
    {
        while (_replicaLife.Count <= rep.Index) _replicaLife.Add(0);
        return _replicaLife[rep.Index];
    }

    /// <summary>One attempt: wait for a token, then go on the wire.</summary>
    private void Launch(Request r)
    {
        r.Phase = RequestPhase.Throttled;
        // Parked attempts take their tokens when they are caught up: first those before now, in time order.
        if (r.Client.ParkedAttempts > 0) CatchUpParked(throughNow: false);
        long wait = r.Client.ReserveToken(_sim.Now);
        if (wait == 0)
        {
            // Its APF entry is read now (OnEvent reads it by number), so that its miss overlaps the connection's.
            _warmed ^= _apfRequests.Warm(r.Id);
            OnTransmit(r);
        }
        else r.StageEvent = _sim.Schedule(wait, this, Transmit, r.Id);
    }

    private int _warmed; // what the reads made ahead of use gave: kept, so that the reads are made

    private void OnTransmit(Request r)
    {
        r.StageEvent = EventHandle.None;
        var connections = r.Connections;
        int slot = r.ConnectionSlot;
        if (connections.Blocked(slot))
        {
            // Blocked at the network: the packets are dropped before they reach an API server, so this is no
            // request of the API server's (counted on its own), and nothing answers until the client gives up.
            r.Phase = RequestPhase.Answering;
            r.Replica = -1;
            CountBlocked();
            if (r.ClientTimeout == 0) Finish(r, RequestOutcome.Unavailable);
            return;
        }
        int replica = connections.Replica(slot);
        if (replica < 0 || !_replicas[replica].Up) connections.SetReplica(slot, replica = PickReplica());
        if (replica < 0)
        {
            CountRefused(connections, slot, r.VerbClass, r.Exempt);
            r.Phase = RequestPhase.Answering;
            r.StageEvent = _sim.Schedule(RefusedTicks, this, DeliverUnavailable, r.Id);
            return;
        }
        Metrics.OnIssued(r.VerbClass);
        var rep = _replicas[replica];
        // --goaway-chance (server/filters/goaway.go): this answer closes the connection; requests already on it
        // (watches) stay, and the client's next request dials again through the load balancer.
        if (_config.GoawayChance > 0 && _goaway.NextDouble() < _config.GoawayChance) connections.SetReplica(slot, -1);
        r.Replica = rep.Index;
        r.ReplicaLife = ReplicaLife(rep);
        r.ArrivedAt = _sim.Now;
        r.Arrival = ++_arrivals;
        r.Phase = RequestPhase.Queued;
        r.ServerTimeout = _serverTimeouts.Arm(r.Id);
        var call = r.Call;
        // APF prices the request by where it would be served; whether the cache is ready is the handler's affair.
        r.FromCache = ServedFromCacheIfReady(r);
        r.Work = RequestCost.Estimate(call, r.FromCache, rep.Watches.Count(call.Resource.Index), _config.Features.Apf);
        rep.Dispatcher.Admit(r.Id, call.Classification, r.Work, _config.QueueWaitLimitTicks);
    }

    /// <summary>An attempt of <paramref name="call"/> issued while no replica serves: the connection is refused, and <paramref name="client"/> has none.</summary>
    internal void CountRefused(ApiClient client, ApiCall call) =>
        CountRefused(client.Connections, client.ConnectionSlot, call.Class, call.Classification.Exempt);

    /// <summary>As <see cref="CountRefused(ApiClient, ApiCall)"/>, for the client of id <paramref name="client"/> (one of this cluster's) and a call of <paramref name="calls"/>: reads neither object.</summary>
    internal void CountRefused(int client, AlikeCalls calls) => CountRefused(client, calls.Shape);

    /// <summary>As <see cref="CountRefused(ApiClient, ApiCall)"/>, for the client of id <paramref name="client"/> (one of this cluster's) and a call alike to <paramref name="shape"/> in verb and exemption.</summary>
    internal void CountRefused(int client, ApiCall shape) =>
        CountRefused(_connections, client, shape.Class, shape.Classification.Exempt);

    private void CountRefused(ClientConnections connections, int slot, VerbClass verb, bool exempt)
    {
        connections.SetReplica(slot, -1);
        Metrics.OnIssued(verb);
        Metrics.OnUnavailable(exempt);
    }

    /// <summary>An attempt dropped by a network block before it reached any API server.</summary>
    internal void CountBlocked() => Metrics.OnBlocked();

    /// <summary>A client gave up waiting for an answer.</summary>
    internal void CountClientTimeout() => Metrics.OnClientTimeout();

    // ---------------------------------------------------------------- attempts that cannot reach an API server

    private readonly List<IParkedClients> _parked = new();

    /// <summary>Some replica serves: a request is not refused for want of one.</summary>
    public bool AnyReplicaUp
    {
        get
        {
            // By index: a list's enumerator is not always inlined, and this is asked on every refused attempt.
            for (int i = 0; i < _replicas.Count; i++) if (_replicas[i].Up) return true;
            return false;
        }
    }

    /// <summary><paramref name="clients"/> keep attempts that cannot reach an API server to themselves; they are told before counters are read and when a replica serves again.</summary>
    internal void AddParkedClients(IParkedClients clients) => _parked.Add(clients);

    /// <summary>Clients cut off or refused in a fixed cycle wait as bookkeeping rather than as events (false: always events, for tests that compare).</summary>
    internal bool ParkUnreachable { get; set; } = true;

    private ParkedInformers? _parkedInformers;

    /// <summary>The informers of this cluster that wait out a network block (made on first use).</summary>
    internal ParkedInformers ParkedInformers
    {
        get
        {
            if (_parkedInformers is null)
            {
                _parkedInformers = new ParkedInformers(this);
                _parked.Add(_parkedInformers);
            }
            return _parkedInformers;
        }
    }

    /// <summary>Simulated time now (ticks).</summary>
    internal long Now => _sim.Now;

    /// <summary>Counts what parked clients kept to themselves up to now (inclusive): before a run's totals are read.</summary>
    public void Settle() => CatchUpParked(throughNow: true);

    private void CatchUpParked(bool throughNow)
    {
        for (int i = 0; i < _parked.Count; i++) _parked[i].CatchUp(_sim.Now, throughNow);
    }

    private long _arrivals;

    private int PickReplica()
    {
        int up = 0;
        for (int i = 0; i < _replicas.Count; i++) if (_replicas[i].Up) up++;
        if (up == 0) return -1;
        int k = _lb.NextInt(up);
        for (int i = 0; i < _replicas.Count; i++)
            if (_replicas[i].Up && k-- == 0) return _replicas[i].Index;
        return -1;
    }

    private bool ServedFromCacheIfReady(Request r)
    {
        var call = r.Call;
        return call.Class switch
        {
            VerbClass.List => WorkEstimator.ListServedFromCache(call.ResourceVersion, call.Limit, r.Page > 0, _config.Features.ConsistentListFromCache),
            VerbClass.Get => call.ResourceVersion == "0",
            VerbClass.Watch => true,
            _ => false,
        };
    }

    // ---------------------------------------------------------------- APF callbacks

    public void OnDispatched(int requestId)
    {
        var r = _requests[requestId];
        if (r.Phase != RequestPhase.Queued)
            throw new InvalidOperationException($"APF dispatched request {requestId}, which is {r.Phase}, not queued");
        var call = r.Call;
        call.CountDispatched();
        Metrics.OnWaited(call.Classification.PriorityLevel, executed: true, _sim.Now - r.ArrivedAt);
        var rep = _replicas[r.Replica];
        var decision = call.Class switch
        {
            VerbClass.List => rep.Cache.ForList(call, r.Page > 0, _config.Features),
            VerbClass.Watch => rep.Cache.ForWatch(call, r.Since, _sim.Now, _config.Features),
            VerbClass.Get when r.FromCache => rep.Cache.Ready(call.Resource.Index) ? CacheDecision.Serve : CacheDecision.Delegate,
            _ => CacheDecision.Delegate,
        };
        switch (decision)
        {
            case CacheDecision.TooManyRequests:
                RejectDispatched(rep, r, WatchCache.NotReadyRetryAfterSeconds);
                return;
            case CacheDecision.Expired:
                Answer(rep, r, RequestOutcome.Expired);
                return;
            case CacheDecision.WaitUntilReady:
                r.Phase = RequestPhase.CacheWait;
                _cacheWaiters.Add(r.Id);
                return;
        }
        Execute(rep, r, decision == CacheDecision.Serve || call.Class == VerbClass.Watch);
    }

    /// <summary>Runs a dispatched request: a range or write in etcd if it needs one, then the replica's CPU.</summary>
    private void Execute(ApiServerReplica rep, Request r, bool fromCache)
    {
        var call = r.Call;
        r.FromCache = fromCache;
        if (call.Class == VerbClass.List) Metrics.OnListServed(fromCache);
        RequestCost.Plan(r, _config);
        call.AddCpuTicks(r.CpuTicks);
        if (r.ObjectsRead > 0 && !r.FromCache)
        {
            // Memory is taken when etcd's response lands in the replica, not while etcd is still ranging.
            r.Phase = RequestPhase.EtcdRead;
            r.EtcdSentAt = _sim.Now;
            long bytes = call.Resource.BytesPerObject;
            call.EtcdTicksDemanded += _etcd.Range(r.Id, r.ObjectsRead, r.ObjectsRead * bytes, r.ObjectsHeld * bytes, r.EtcdRanges);
            return;
        }
        StartCpu(rep, r);
    }

    /// <summary>The handler refuses a request APF has dispatched (a cold cache): its seats are freed, the client may retry.</summary>
    private void RejectDispatched(ApiServerReplica rep, Request r, int retryAfterSeconds)
    {
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(r.Id);
        OnRejected(r.Id, RejectReason.ConcurrencyLimit, retryAfterSeconds);
    }

    /// <summary>The handler answers at once (410 Expired), without reading anything.</summary>
    private void Answer(ApiServerReplica rep, Request r, RequestOutcome outcome)
    {
        CancelServerTimeout(r);
        var call = r.Call;
        Metrics.OnCompleted(call.Classification.PriorityLevel, call.Class, call.ReportedVerb, call.Classification.Exempt, _sim.Now - r.ArrivedAt,
            outcome == RequestOutcome.Expired ? ResponseCode.Gone : ResponseCode.Ok);
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(r.Id);
        Finish(r, outcome);
    }

    /// <summary>Before 1.31 a request to a cold cache blocks until it is ready (cacher.go ready.wait); now it is.</summary>
    private void ResumeCacheWaiters(ApiServerReplica rep, int resource)
    {
        for (int i = 0; i < _cacheWaiters.Count; i++)
        {
            var r = _requests[_cacheWaiters[i]];
            if (r.Phase != RequestPhase.CacheWait || r.Replica != rep.Index || r.Call.Resource.Index != resource) continue;
            _cacheWaiters.RemoveAt(i--);
            if (r.Call.Class == VerbClass.Watch && rep.Cache.ForWatch(r.Call, r.Since, _sim.Now, _config.Features) == CacheDecision.Expired)
                Answer(rep, r, RequestOutcome.Expired);
            else
                Execute(rep, r, fromCache: true);
        }
    }

    /// <summary>The replica's CPU phase: take the request's memory (maybe OOM-killing the replica), then decode/encode.</summary>
    private void StartCpu(ApiServerReplica rep, Request r)
    {
        r.Phase = RequestPhase.Cpu;
        if (r.MemoryPlanned > 0)
        {
            r.MemoryBytes = r.MemoryPlanned;
            rep.RequestBytes += r.MemoryBytes;
            if (rep.MemoryBytes > rep.MemoryLimitBytes)
            {
                OomKill(rep, $"memory {Gib(rep.MemoryBytes)} over the {Gib(rep.MemoryLimitBytes)} limit, {rep.Dispatcher.TotalSeatsInUse} seats in use");
                return;
            }
        }
        rep.Cpu.Add(r.Id, r.CpuTicks);
    }

    public void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds)
    {
        var r = _requests[requestId];
        CancelServerTimeout(r);
        if (r.Phase == RequestPhase.Queued) Metrics.OnWaited(r.PriorityLevel, executed: false, _sim.Now - r.ArrivedAt);
        Metrics.OnRejected(r.PriorityLevel, reason, r.ReportedVerb, r.Exempt);
        if (!r.Abandoned && retryAfterSeconds > 0 && r.Attempt < r.MaxRetries)
        {
            // client-go: a 429 with Retry-After is slept on and retried (docs/sources.md §3).
            r.Attempt++;
            r.Phase = RequestPhase.Throttled;
            RetryAfterLane(retryAfterSeconds);
            r.StageEvent = _sim.Schedule(retryAfterSeconds * SimTime.TicksPerSecond, this, RetryKind, r.Id);
            return;
        }
        Finish(r, RequestOutcome.TooManyRequests);
    }

    private long _retryAfterLanes = 1L << 1; // the Retry-Afters (seconds, as bits) that have a lane: 1 s from the start

    /// <summary>
    /// The Retry-Afters a level doubles to (2, 4 … 32 s) get a lane of their own once one is sent: under sustained
    /// rejections most retries wait one of them, and a lane spares them the heap. The ones between (a Retry-After
    /// falling back a second at a time) are rarer and stay in the heap, so that they do not use up the lanes.
    /// </summary>
    private void RetryAfterLane(int seconds)
    {
        if ((seconds & (seconds - 1)) != 0 || seconds >= 63 || (_retryAfterLanes & (1L << seconds)) != 0) return;
        _retryAfterLanes |= 1L << seconds;
        _sim.UseLane(seconds * SimTime.TicksPerSecond);
    }

    // ---------------------------------------------------------------- execution

    private void OnEtcdServed(int id)
    {
        var r = _requests[id];
        Metrics.OnEtcdServed(r.CacheInitResource >= 0 ? EtcdOperation.List : MetricLabels.EtcdOperationOf(r.Call.ReportedVerb), _sim.Now - r.EtcdSentAt);
        if (r.Phase == RequestPhase.EtcdWrite)
        {
            Complete(r);
            return;
        }
        if (r.Phase == RequestPhase.Committing)
        {
            // Committed after the API server let go of it: the object changed all the same.
            FanOut(r.Call.Resource, r.Call.ObjectBytes, r.Call.WatchKey);
            Finish(r, RequestOutcome.Ok);
            return;
        }
        if (r.Phase != RequestPhase.EtcdRead) throw new InvalidOperationException($"etcd finished request {id} in phase {r.Phase} init={r.CacheInitResource}");
        StartCpu(_replicas[r.Replica], r);
    }

    private void OnCpuDone(int id)
    {
        var r = _requests[id];
        if (r.Phase != RequestPhase.Cpu) throw new InvalidOperationException($"CPU finished request {id} in phase {r.Phase} init={r.CacheInitResource}");
        if (r.CacheInitResource >= 0)
        {
            CacheInitialised(r);
            return;
        }
        if (r.Call.IsMutating)
        {
            // The commit is etcd work too: under a flood of ranges it slows down like everything else on etcd.
            r.Phase = RequestPhase.EtcdWrite;
            r.EtcdSentAt = _sim.Now;
            _etcd.Write(r.Id);
            return;
        }
        Complete(r);
    }

    private void Complete(Request r)
    {
        var rep = _replicas[r.Replica];
        CancelServerTimeout(r);
        ReleaseMemory(rep, r);
        var call = r.Call;
        Metrics.OnCompleted(call.Classification.PriorityLevel, call.Class, call.ReportedVerb, call.Classification.Exempt, _sim.Now - r.ArrivedAt);
        // Answered: no longer the replica's, even if freeing its seats dispatches a LIST that OOM-kills it.
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(r.Id);

        if (call.Class == VerbClass.List && !r.Abandoned && !r.FromCache && call.HasPageAfter(r.Page, call.ObjectsInScope))
        {
            // More pages: the client follows the continue token with another request.
            r.Page++;
            r.Attempt = 0;
            Launch(r);
            return;
        }
        var watch = WatchHandle.None;
        if (call.Class == VerbClass.Watch && !r.Abandoned && r.Caller is IWatcher w && rep.Up)
            watch = new WatchHandle(rep.Index, rep.Watches.Open(call.Resource.Index, w, r.Tag, call.Indexed, call.WatchKey), ReplicaLife(rep));
        if (call.IsMutating) FanOut(call.Resource, call.ObjectBytes, call.WatchKey);
        Finish(r, RequestOutcome.Ok, watch);
    }

    private void ReleaseMemory(ApiServerReplica rep, Request r)
    {
        rep.RequestBytes -= r.MemoryBytes;
        r.MemoryBytes = 0;
    }

    private static void CancelServerTimeout(Request r) => r.ServerTimeout = 0;

    private void OnServerTimeout(int id)
    {
        var r = _requests[id];
        r.ServerTimeout = 0;
        EndWithGatewayTimeout(r, RequestOutcome.ServerTimeout);
    }

    /// <summary>An executing request stops where it is, answered 504 (counted as timed out), and frees its seats for others.</summary>
    private void EndWithGatewayTimeout(Request r, RequestOutcome outcome)
    {
        var rep = _replicas[r.Replica];
        Abort(rep, r);
        CountGatewayTimeout(r);
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(r.Id);
        Finish(r, outcome);
    }

    private void CountGatewayTimeout(Request r) =>
        Metrics.OnTimedOut(r.Call.Classification.PriorityLevel, r.Call.Class, r.Call.ReportedVerb, r.Call.Classification.Exempt, _sim.Now - r.ArrivedAt);

    /// <summary>Stops a request wherever it is executing and releases what it holds (not its seats).</summary>
    private void Abort(ApiServerReplica rep, Request r)
    {
        switch (r.Phase)
        {
            case RequestPhase.EtcdRead:
            case RequestPhase.EtcdWrite:
                _etcd.Remove(r.Id);
                break;
            case RequestPhase.Cpu: rep.Cpu.Remove(r.Id); break;
            case RequestPhase.CacheWait: _cacheWaiters.Remove(r.Id); break;
        }
        if (!r.StageEvent.IsNone)
        {
            _sim.Cancel(r.StageEvent);
            r.StageEvent = EventHandle.None;
        }
        ReleaseMemory(rep, r);
    }

    /// <summary>The request is over: tell the caller (unless it stopped waiting) and recycle it.</summary>
    private void Finish(Request r, RequestOutcome outcome) => Finish(r, outcome, WatchHandle.None);

    /// <summary>As above, for a watch that opened: <paramref name="watch"/> is its handle ((0, 0, 0) is a real one: replica 0's first watch).</summary>
    private void Finish(Request r, RequestOutcome outcome, WatchHandle watch)
    {
        var caller = r.Caller;
        long tag = r.Tag;
        long latency = _sim.Now - r.StartedAt;
        bool tell = !r.Abandoned && caller is not null;
        r.ClientTimeout = 0;
        CancelServerTimeout(r);
        _requests.Free(r);
        if (tell) caller!.OnResponse(tag, outcome, latency, watch);
    }

    private void OnClientTimeout(int id)
    {
        var r = _requests[id];
        r.ClientTimeout = 0;
        CountClientTimeout();
        var caller = r.Caller;
        long tag = r.Tag, latency = _sim.Now - r.StartedAt;
        if (r.Phase is RequestPhase.Throttled or RequestPhase.Answering)
        {
            // Not at the server (waiting for a token or a retry, or already answered): just drop it.
            if (!r.StageEvent.IsNone) _sim.Cancel(r.StageEvent);
            CancelServerTimeout(r);
            _requests.Free(r);
        }
        else
        {
            r.Abandoned = true; // its answer, if the server still gives one, is dropped
            // Still waiting in an APF queue, it is ejected as its context ends (a "cancelled" 429 nobody reads, Finish).
            if (r.Phase == RequestPhase.Queued) _replicas[r.Replica].Dispatcher.Cancel(id);
            else if (r.Phase == RequestPhase.EtcdWrite) Detach(r);
            else if (EndsWithItsContext(r)) EndWithGatewayTimeout(r, RequestOutcome.ClientTimeout); // an answer nobody reads
        }
        caller?.OnResponse(tag, RequestOutcome.ClientTimeout, latency, WatchHandle.None);
    }

    /// <summary>
    /// Whether an executing request stops when its client's context ends: a range or a decode over etcd's items
    /// (etcd stops ranging, and the etcd3 store checks the context before each item), a wait for a fresh cache, a
    /// write's admission (the handler answers at once; the write it would send fails on the ended context). A read
    /// served from the watch cache goes on: nothing checks the context while its items are filtered and encoded
    /// (docs/model.md, "Request path").
    /// </summary>
    private static bool EndsWithItsContext(Request r) => r.Phase switch
    {
        RequestPhase.EtcdRead or RequestPhase.CacheWait => true,
        RequestPhase.Cpu => r.VerbClass == VerbClass.Mutating || (r.VerbClass is VerbClass.List or VerbClass.Get && !r.FromCache),
        _ => false,
    };

    /// <summary>
    /// A write whose client gave up while etcd commits it: the handler's finisher answers 504 as the context ends and
    /// its seats free, while the commit, already proposed, goes on and its watch event still goes out (OnEtcdServed).
    /// </summary>
    private void Detach(Request r)
    {
        var rep = _replicas[r.Replica];
        CountGatewayTimeout(r);
        CancelServerTimeout(r);
        ReleaseMemory(rep, r);
        r.Phase = RequestPhase.Committing;
        rep.Dispatcher.Finish(r.Id);
    }

    // ---------------------------------------------------------------- failures and restarts

    /// <summary>The replica is OOM-killed: requests on it are lost, its watches break, it restarts cold.</summary>
    public void OomKill(int replica, string why) => OomKill(_replicas[replica], why);

    private void OomKill(ApiServerReplica rep, string why)
    {
        if (!rep.Up) return;
        Metrics.OnOom();
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "oom-kill", $"apiserver-{rep.Index} OOM-killed: {why}");
        Kill(rep);
        long delay = _config.RestartTicks + Etcd.CrashLoopDelay(_sim.Now, rep.StartedAt, ref rep.CrashDelay, ref rep.LastCrashAt);
        rep.UpAgainAt = _sim.Now + delay;
        if (delay > _config.RestartTicks)
            _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "crash-loop", $"apiserver-{rep.Index} in CrashLoopBackOff: back in {SimTime.ToSeconds(delay):F0} s");
        _sim.Schedule(delay, this, Restart, rep.Index);
    }

    private int[] _victimIds = new int[256];
    private long[] _victimArrivals = new long[256];

    private void Kill(ApiServerReplica rep)
    {
        rep.Up = false;
        _quiet = false;
        while (_replicaLife.Count <= rep.Index) _replicaLife.Add(0);
        _replicaLife[rep.Index]++;
        // Everything that was on the replica dies with its connections; APF lets go of them first, as their
        // callers may re-send them to a sibling replica at once.
        rep.Dispatcher.ForgetRequests();
        int victims = 0;
        for (int id = 0; id < _requests.HighWater; id++)
        {
            var r = _requests[id];
            if (r.Replica == rep.Index &&
                r.Phase is RequestPhase.Queued or RequestPhase.EtcdRead or RequestPhase.Cpu or RequestPhase.EtcdWrite or RequestPhase.CacheWait)
            {
                if (victims == _victimIds.Length)
                {
                    Array.Resize(ref _victimIds, victims * 2);
                    Array.Resize(ref _victimArrivals, victims * 2);
                }
                _victimIds[victims] = id;
                _victimArrivals[victims++] = r.Arrival;
            }
        }
        // In the order they arrived (each arrival has its own number): which pool slot a request was given depends on
        // what came and went before it.
        Array.Sort(_victimArrivals, _victimIds, 0, victims);
        for (int v = 0; v < victims; v++)
        {
            var r = _requests[_victimIds[v]];
            Abort(rep, r);
            if (r.CacheInitResource >= 0)
            {
                _requests.Free(r);
                continue;
            }
            Metrics.OnUnavailable(r.Call.Classification.Exempt);
            Finish(r, RequestOutcome.Unavailable);
        }
        rep.Dispatcher.Reset();
        rep.Cpu.Clear();
        rep.Cpu.SetCores(rep.BaseCores);
        rep.FanOutPendingTicks = 0;
        rep.FanOutWindowScheduled = false;
        rep.RequestBytes = 0;
        rep.ResidentBytes = 0;
        rep.Cache.MarkAllCold();
        rep.Watches.BreakAll();
    }

    /// <summary>Replicas restarted by their liveness probe.</summary>
    public int LivenessRestarts { get; private set; }

    /// <summary>Replicas a fault restarted or killed.</summary>
    public int FaultRestarts { get; private set; }

    /// <summary>
    /// A fault stops replica <paramref name="replica"/> (a restarted process, a lost machine): like any death its
    /// connections drop, requests on it fail and its watches break, and it comes back after
    /// <paramref name="downTicks"/> with a cold cache (0: it does not). False if it was not serving.
    /// </summary>
    public bool StopReplica(int replica, long downTicks, string why)
    {
        var rep = _replicas[replica];
        if (!rep.Up) return false;
        FaultRestarts++;
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "fault",
            $"apiserver-{rep.Index} {why}" + (downTicks > 0 ? $": back in {SimTime.ToSeconds(downTicks):F0} s" : ": not coming back"));
        Kill(rep);
        if (downTicks <= 0) return true;
        rep.UpAgainAt = _sim.Now + downTicks;
        _sim.Schedule(downTicks, this, Restart, rep.Index);
        return true;
    }

    // ---------------------------------------------------------------- watch events

    /// <summary>
    /// A write to <paramref name="res"/> committed: every replica's cacher receives the event from its etcd watch,
    /// decodes it, serialises it once (the watch cache's serialization cache) and hands it to each watcher it
    /// cannot rule out by an index; the watchers that select the object (<paramref name="key"/>) or select
    /// nothing are sent its <paramref name="bytes"/>. The work is gathered per replica and charged to its CPU
    /// in 100 ms windows, as cores the requests on that replica do not get (O(1) a write, one event a window).
    /// </summary>
    private void FanOut(ApiResource res, long bytes, int key)
    {
        foreach (var rep in _replicas)
        {
            if (!rep.Up) continue;
            int handed = rep.Watches.Recipients(res.Index);
            int hearing = rep.Watches.Hearing(res.Index, key);
            if (bytes != rep.FanOutLastBytes || handed != rep.FanOutLastHanded || hearing != rep.FanOutLastHearing)
            {
                double work = bytes / _config.DecodeBytesPerSecond * SimTime.TicksPerSecond;
                if (hearing > 0)
                    work += bytes / _config.EncodeBytesPerSecond * SimTime.TicksPerSecond +
                            handed * _config.WatchSendTicks + hearing * (bytes / _config.WatchSendBytesPerSecond * SimTime.TicksPerSecond);
                (rep.FanOutLastBytes, rep.FanOutLastHanded, rep.FanOutLastHearing, rep.FanOutLastTicks) = (bytes, handed, hearing, work);
            }
            double ticks = rep.FanOutLastTicks;
            Metrics.OnWatchEventsSent(hearing, hearing * bytes);
            rep.FanOutPendingTicks += ticks;
            if (!rep.FanOutWindowScheduled)
            {
                rep.FanOutWindowScheduled = true;
                _sim.Schedule(FanOutWindowTicks, this, FanOutWindow, rep.Index + 64L * ReplicaLife(rep));
            }
        }
    }

    /// <summary>The last window's fan-out work takes its cores for the next window; what does not fit carries over.</summary>
    private void OnFanOutWindow(long arg)
    {
        var rep = _replicas[(int)(arg % 64)];
        if (arg / 64 != ReplicaLife(rep)) return;
        double window = FanOutWindowTicks;
        double load = Math.Min(rep.FanOutPendingTicks / window, FanOutMaxShare * rep.BaseCores);
        rep.FanOutPendingTicks -= load * window;
        rep.FanOutCoreTicks += load * window;
        rep.Cpu.SetCores(rep.BaseCores - load);
        if (load > 0)
            _sim.Schedule(FanOutWindowTicks, this, FanOutWindow, arg); // then give the cores back, or charge the next window
        else
            rep.FanOutWindowScheduled = false;
    }

    // ---------------------------------------------------------------- liveness

    /// <summary>
    /// The etcd check inside /livez reads one key with a 2 s timeout (apiserver storagebackend/factory etcd3.go;
    /// --etcd-healthcheck-timeout, kubernetes#98557 and #111290): a slow or dead etcd fails the probe too.
    /// </summary>
    private static readonly long EtcdCheckTimeoutTicks = SimTime.FromSeconds(2);

    private void ScheduleProbe(ApiServerReplica rep)
    {
        rep.ProbeFailures = 0;
        ScheduleNextProbe(rep);
    }

    // The probe's event carries the replica's life, so a probe of a life that ended does nothing.
    private void ScheduleNextProbe(ApiServerReplica rep) =>
        _sim.Schedule(_config.LivenessPeriodTicks, this, LivenessProbe, rep.Index + 64L * ReplicaLife(rep));

    /// <summary>
    /// The kubelet probes /livez (exempt from APF): the handler needs a moment of the replica's CPU, shared with
    /// everything running there, and the etcd check a tiny range from etcd. Either too slow, or etcd down, is a
    /// failure; at the threshold the kubelet kills the container and it restarts cold.
    /// </summary>
    private void OnProbe(long arg)
    {
        var rep = _replicas[(int)(arg % 64)];
        if (!rep.Up || arg / 64 != ReplicaLife(rep)) return; // the restart starts the next probes
        long cpu = (long)(_config.BaseCpuTicks * Math.Max(1.0, (rep.Cpu.Jobs + 1) / rep.Cpu.Cores));
        long etcd = (long)(Math.Max(1, _etcd.RangeTicks(1, 0)) * Math.Max(1.0, (_etcd.Jobs + 1) / _etcd.Config.Cores));
        bool ok = cpu <= _config.LivenessTimeoutTicks && _etcd.Up && etcd <= EtcdCheckTimeoutTicks;
        rep.ProbeFailures = ok ? 0 : rep.ProbeFailures + 1;
        if (rep.ProbeFailures >= _config.LivenessFailureThreshold)
        {
            string why = !_etcd.Up ? "etcd is down" : etcd > EtcdCheckTimeoutTicks ? "etcd answers too slowly" : "too busy to answer";
            _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "liveness-restart",
                $"apiserver-{rep.Index} restarted by its liveness probe: /livez failed {rep.ProbeFailures} times in a row ({why})");
            LivenessRestarts++;
            Kill(rep);
            long delay = _config.RestartTicks + Etcd.CrashLoopDelay(_sim.Now, rep.StartedAt, ref rep.CrashDelay, ref rep.LastCrashAt);
            rep.UpAgainAt = _sim.Now + delay;
            _sim.Schedule(delay, this, Restart, rep.Index);
            return;
        }
        ScheduleNextProbe(rep);
    }

    private void OnRestart(int index)
    {
        var rep = _replicas[index];
        if (_config.LivenessFailureThreshold > 0) ScheduleProbe(rep);
        CatchUpParked(throughNow: false); // attempts before this instant were refused; from it on, one serves
        rep.Up = true;
        rep.StartedAt = _sim.Now;
        rep.ResidentBytes = _config.BaseMemoryBytes;
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "restart", $"apiserver-{index} serving again; watch cache initialising");
        // The watch cache lists every resource from etcd before it can serve (docs/sources.md §2.6: cold after restart).
        foreach (var res in Resources.All) StartCacheInit(rep, res);
        if (_parked.Count > 0)
        {
            var resumptions = _resumptions;
            foreach (var w in _parked) w.CollectServing(resumptions);
            int n = resumptions.Count;
            if (_resumptionOrder.Length < n) _resumptionOrder = new ResumptionOrder[Math.Max(n, 2 * _resumptionOrder.Length)];
            var order = _resumptionOrder;
            for (int i = 0; i < n; i++) order[i] = new ResumptionOrder(resumptions[i].ScheduledAt, resumptions[i].Order, i);
            Array.Sort(order, 0, n);
            for (int i = 0; i < n; i++) resumptions[order[i].Index].Resume();
            resumptions.Clear();
        }
    }

    // What OnRestart collects and sorts, kept from one restart to the next: a restart resumes tens of thousands.
    private readonly List<ParkedResumption> _resumptions = new();
    private ResumptionOrder[] _resumptionOrder = Array.Empty<ResumptionOrder>();

    /// <summary>Where a resumption goes: by when the request path scheduled it, then its owner's order, then as collected.</summary>
    private readonly record struct ResumptionOrder(long ScheduledAt, long Order, int Index) : IComparable<ResumptionOrder>
    {
        public int CompareTo(ResumptionOrder o) =>
            ScheduledAt != o.ScheduledAt ? ScheduledAt.CompareTo(o.ScheduledAt) : Order != o.Order ? Order.CompareTo(o.Order) : Index.CompareTo(o.Index);
    }

    /// <summary>The replica's cacher for <paramref name="res"/> lists it from etcd; until that lands it is not ready.</summary>
    private void StartCacheInit(ApiServerReplica rep, ApiResource res)
    {
        rep.Cache.MarkCold(res.Index);
        var r = _requests.Allocate();
        r.CacheInitResource = res.Index;
        r.Replica = rep.Index;
        r.ReplicaLife = ReplicaLife(rep);
        r.ArrivedAt = _sim.Now;
        r.Arrival = ++_arrivals;
        RequestCost.PlanCacheInit(r, res, _config);
        r.Phase = RequestPhase.EtcdRead;
        r.EtcdSentAt = _sim.Now;
        _etcd.Range(r.Id, res.Count, res.StoredBytes);
    }

    /// <summary>
    /// etcd died: the API servers' etcd clients re-send what was in flight once it is back (Etcd does that),
    /// meanwhile requests wait, holding their seats, until they time out. Every cache of every API server loses
    /// its etcd watch and re-initialises: watchers terminated, a LIST from etcd, not ready until it lands
    /// (cacher.go startCaching).
    /// </summary>
    private void OnEtcdDown()
    {
        _quiet = false;
        foreach (var rep in _replicas)
        {
            if (!rep.Up) continue;
            bool any = false;
            foreach (var res in Resources.All)
            {
                if (!rep.Cache.Ready(res.Index)) continue; // already initialising
                any = true;
                rep.ResidentBytes -= (long)(_config.WatchCacheMemoryFactor * res.StoredBytes);
                StartCacheInit(rep, res);
            }
            if (any) rep.Watches.BreakAll();
        }
    }

    private void CacheInitialised(Request r)
    {
        var rep = _replicas[r.Replica];
        var res = Resources.All[r.CacheInitResource];
        rep.RequestBytes -= r.MemoryBytes;
        rep.ResidentBytes += (long)(_config.WatchCacheMemoryFactor * res.StoredBytes);
        rep.Cache.MarkReady(res.Index, _sim.Now);
        _requests.Free(r);
        ResumeCacheWaiters(rep, res.Index);
    }

    private static string Gib(long bytes) => Etcd.Gib(bytes);

    // ---------------------------------------------------------------- events

    public void OnEvent(int kind, long arg)
    {
        int id = (int)arg;
        switch (kind)
        {
            case Transmit:
            case RetryKind:
                // The request's APF entry is read first, by number, so that its miss overlaps the request object's (and
                // the connection's after it) instead of following them.
                _warmed ^= _apfRequests.Warm(id);
                OnTransmit(_requests[id]);
                break;
            case DeliverUnavailable:
                _requests[id].StageEvent = EventHandle.None;
                Finish(_requests[id], RequestOutcome.Unavailable);
                break;
            case Restart:
                OnRestart(id);
                break;
            case SampleTick:
                Sample();
                break;
            case LivenessProbe:
                OnProbe(arg);
                break;
            case FanOutWindow:
                OnFanOutWindow(arg);
                break;
        }
    }

    private int _ticks;

    private void Sample()
    {
        CatchUpParked(throughNow: true);
        Array.Clear(_seatScratch);
        Array.Clear(_queuedScratch);
        int limit = 0;
        Span<long> mem = stackalloc long[Math.Max(_config.Replicas, _config.MaxReplicas)];
        foreach (var rep in _replicas)
        {
            mem[rep.Index] = rep.Up ? rep.MemoryBytes : 0;
            if (!rep.Up) continue;
            limit += _config.SeatsPerReplica;
            for (int l = 0; l < Levels; l++)
            {
                _seatScratch[l] += rep.Dispatcher.SeatsInUse(l);
                _queuedScratch[l] += rep.Dispatcher.QueuedRequests(l);
            }
        }
        _closedForm.AddSeats(_sim.Now, _seatScratch);
        Metrics.SampleSeats(_seatScratch, _queuedScratch, limit, mem);
        _quiet = ComputeQuiet();
        Metrics.SampleEtcdMemory(EtcdMemoryBytes);
        if (++_ticks % (int)ApiServerMetrics.BucketSeconds == 0)
        {
            int slots = Math.Max(_config.Replicas, _config.MaxReplicas);
            Span<double> cpu = stackalloc double[slots];
            Span<bool> up = stackalloc bool[slots];
            double bucketTicks = ApiServerMetrics.BucketSeconds * SimTime.TicksPerSecond;
            foreach (var rep in _replicas)
            {
                double busy = rep.Cpu.BusyCoreTicks + rep.FanOutCoreTicks;
                cpu[rep.Index] = (busy - rep.BusyCoreTicksAtLastFlush) / bucketTicks;
                rep.BusyCoreTicksAtLastFlush = busy;
                up[rep.Index] = rep.Up;
            }
            Metrics.Flush(_sim.Now, cpu, up, Resources.Find("nodes")?.Count ?? 0, Resources.Find("pods")?.Count ?? 0,
                _etcd.Up, _etcd.BusyCoreTicks / SimTime.TicksPerSecond);
        }
        _sim.Schedule(SimTime.TicksPerSecond, this, SampleTick);
    }

    /// <summary>Checks issued = completed + rejected + timedOut + inFlight against the requests actually alive; throws if it breaks.</summary>
    public void CheckAccounting()
    {
        long alive = 0;
        for (int id = 0; id < _requests.HighWater; id++)
        {
            var r = _requests[id];
            if (r.CacheInitResource < 0 && r.Phase is RequestPhase.Queued or RequestPhase.EtcdRead or RequestPhase.Cpu or RequestPhase.EtcdWrite or RequestPhase.CacheWait)
                alive++;
        }
        if (alive != RequestPathInFlight)
            throw new InvalidOperationException(
                $"{Cluster}: request accounting broke: issued {Metrics.Issued} − completed {Metrics.Completed} − rejected {Metrics.Rejected} − timed out {Metrics.TimedOut} = {RequestPathInFlight}, but {alive} requests are in flight");
    }

    // ---------------------------------------------------------------- stage adapters

    private sealed class ServerTimeouts(ApiServerSet set) : DeadlineQueue.IOwner
    {
        public bool IsArmed(int id, long token) => set._requests[id].ServerTimeout == token;
        public void OnExpired(int id, long token) => set.OnServerTimeout(id);
    }

    private sealed class ClientTimeouts(ApiServerSet set) : DeadlineQueue.IOwner
    {
        public DeadlineQueue? Queue;

        // Tokens are unique per queue only: the request must also be armed in this queue.
        public bool IsArmed(int id, long token) => set._requests[id].ClientTimeouts == Queue && set._requests[id].ClientTimeout == token;
        public void OnExpired(int id, long token) => set.OnClientTimeout(id);
    }

    private sealed class EtcdStage(ApiServerSet set) : Etcd.IClient
    {
        public void OnServed(int job) => set.OnEtcdServed(job);
        public void OnEtcdDown()
        {
            set.Metrics.OnEtcdOom();
            set.OnEtcdDown();
        }
    }

    private sealed class CpuStage(ApiServerSet set) : ProcessorSharingServer.IClient
    {
        public void OnServed(int job) => set.OnCpuDone(job);
    }
}
