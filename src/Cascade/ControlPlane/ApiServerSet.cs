using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.ControlPlane;

/// <summary>
/// A cluster's control plane: kube-apiserver replicas behind a load balancer, and the etcd they read and
/// write. It carries every request from the client's rate limiter to its answer:
///
///   client token bucket → connection (load balancer picks a live replica; the client stays on it)
///   → APF (classify, estimate seats, queue or reject with 429) → execute: etcd range (shared etcd
///   CPU) and/or watch-cache scan, then decode/encode on the replica's CPU (processor-shared, one core
///   per request at most), holding memory for LISTs → answer, or 504 at --request-timeout, or the
///   connection dies with its replica (OOM kill).
///
/// Retries follow client-go (429 with Retry-After, up to the client's limit); LIST pagination is a
/// chain of requests with continue tokens. What is left out is written in docs/model.md.
/// </summary>
public sealed class ApiServerSet : IEventHandler, IApfHost
{
    private const int Transmit = 0, EtcdWriteDone = 3,
        DeliverUnavailable = 4, Restart = 5, SampleTick = 6, RetryKind = 7, EtcdMemoryCheck = 8, EtcdRestart = 9;

    /// <summary>A refused connection answers after about one network round trip (assumption).</summary>
    private static readonly long RefusedTicks = SimTime.FromMilliseconds(1);

    private readonly Simulation _sim;
    private readonly ApiServerConfig _config;
    private readonly RequestTable _requests = new();
    private readonly List<ApiServerReplica> _replicas = new();
    private readonly ProcessorSharingServer _etcd;
    private readonly RandomStream _lb;
    private readonly Timeline _timeline;
    private readonly List<ApiClient> _clients = new();
    private readonly DeadlineQueue _serverTimeouts;
    private readonly List<DeadlineQueue> _clientTimeouts = new();
    private readonly int[] _seatScratch, _queuedScratch;

    // etcd's memory: every range in flight holds what it has read so far. Under processor sharing a range
    // admitted at virtual time V₀ has been served V − V₀ ticks, so the total is n·V − ΣV₀ (O(1) to keep).
    private readonly double _etcdRangeBytesPerTick;
    private int _etcdRanges;
    private double _etcdRangeStartSum;
    private EventHandle _etcdMemoryCheck = EventHandle.None;
    private long _etcdMemoryCheckAt;
    private bool _etcdUp = true;
    private long _etcdStartedAt;
    private int _etcdRecentCrashes;

    public ApiServerSet(Simulation sim, string cluster, ApiServerConfig config, ResourceRegistry resources, Timeline timeline)
    {
        _sim = sim;
        _config = config;
        Cluster = cluster;
        Resources = resources;
        _timeline = timeline;
        _lb = sim.Random.Stream($"{cluster}/apiserver/lb");
        _etcd = new ProcessorSharingServer(sim, config.EtcdCores, new EtcdStage(this));
        _etcdRangeBytesPerTick = config.EtcdRangeBytesPerSecond / SimTime.TicksPerSecond;
        _serverTimeouts = new DeadlineQueue(sim, config.RequestTimeoutTicks, new ServerTimeouts(this));
        for (int i = 0; i < config.Replicas; i++) AddReplica();
        if (config.MaxReplicas > 64) throw new ArgumentOutOfRangeException(nameof(config));
        var probe = _replicas[0].Dispatcher;
        Levels = probe.PriorityLevelCount;
        _seatScratch = new int[Levels];
        _queuedScratch = new int[Levels];
        Metrics = new ApiServerMetrics(Levels, Math.Max(config.Replicas, config.MaxReplicas));
        _sim.Schedule(SimTime.TicksPerSecond, this, SampleTick);
    }

    public string Cluster { get; }
    public ApiServerConfig Config => _config;
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
    public int WatchCount(int replica, int resource) => _replicas[replica].Watches.Count(resource);

    /// <summary>etcd is serving (not OOM-killed and restarting).</summary>
    public bool EtcdUp => _etcdUp;

    /// <summary>etcd's memory now: its base plus what every range in flight has read so far.</summary>
    public double EtcdMemoryBytes =>
        _config.EtcdBaseMemoryBytes + _config.EtcdRangeMemoryFactor * _etcdRangeBytesPerTick *
        Math.Max(0, _etcdRanges * _etcd.VirtualTime - _etcdRangeStartSum);

    /// <summary>Requests sent and not yet answered (including those waiting for a token or a retry).</summary>
    public long InFlight => Metrics.Issued - Metrics.Completed - Metrics.Rejected - Metrics.TimedOut;

    private ApiServerReplica AddReplica()
    {
        var r = new ApiServerReplica(_replicas.Count, _sim, _config, this, new CpuStage(this), Resources.All.Count);
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
            Array.Fill(r.CacheReady, false);
            _sim.Schedule(startupTicks, this, Restart, r.Index);
        }
    }

    /// <summary>Gives every replica new CPU and memory limits (vertical scaling; the restart it takes is folded into the action's duration).</summary>
    public void Resize(double cpuCores, long memoryBytes)
    {
        foreach (var r in _replicas)
        {
            if (cpuCores > 0) r.Cpu.SetCores(cpuCores);
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

    /// <summary>Every client of this cluster's API servers (a network partition or block cuts them off by setting <see cref="ApiClient.Blocked"/>).</summary>
    public IReadOnlyList<ApiClient> Clients => _clients;

    public ApiClient CreateClient(double qps, int burst, long timeoutTicks = 0, int maxRetries = 10)
    {
        var c = new ApiClient(_clients.Count, qps, burst, timeoutTicks, maxRetries);
        _clients.Add(c);
        return c;
    }

    /// <summary>Resolves a call against this cluster: its resource and its APF classification for this identity.</summary>
    public ApiCall DefineCall(string name, string user, IReadOnlyList<string> groups, string verb, string resource,
        string? ns, string resourceVersion = "", bool hasSelector = false, double selectivity = 1, long limit = 0,
        double scopeFraction = 1)
    {
        var res = Resources.GetOrAdd(resource);
        foreach (var r in _replicas) r.EnsureResources(Resources.All.Count);
        var digest = new RequestDigest(user, groups, verb, res.ApiGroup, res.Name, ns, true, null);
        var c = _config.Apf.Classify(digest);
        return new ApiCall(name, verb, res, ns is null, resourceVersion, hasSelector, selectivity, limit, c, scopeFraction);
    }

    /// <summary>Sends a request on behalf of <paramref name="client"/>; <paramref name="caller"/> hears how it ended.</summary>
    public void Send(ApiClient client, ApiCall call, IApiCaller caller, long tag)
    {
        var r = _requests.Allocate();
        r.Call = call;
        r.Client = client;
        r.Caller = caller;
        r.Tag = tag;
        r.StartedAt = _sim.Now;
        if (client.TimeoutTicks > 0)
        {
            r.ClientTimeouts = ClientTimeoutQueue(client.TimeoutTicks);
            r.ClientTimeout = r.ClientTimeouts.Arm(r.Id);
        }
        Launch(r);
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
        long wait = r.Client.ReserveToken(_sim.Now);
        if (wait == 0) OnTransmit(r);
        else r.StageEvent = _sim.Schedule(wait, this, Transmit, r.Id);
    }

    private void OnTransmit(Request r)
    {
        r.StageEvent = EventHandle.None;
        Metrics.OnIssued();
        var client = r.Client;
        if (client.Blocked)
        {
            // Blocked at the network: the packets are dropped, so nothing answers until the client gives up.
            r.Phase = RequestPhase.Answering;
            r.Replica = -1;
            Metrics.OnUnavailable(r.Call.Classification.Exempt);
            if (r.ClientTimeout == 0) Finish(r, RequestOutcome.Unavailable);
            return;
        }
        if (client.Replica < 0 || !_replicas[client.Replica].Up) client.Replica = PickReplica();
        if (client.Replica < 0)
        {
            Metrics.OnUnavailable(r.Call.Classification.Exempt);
            r.Phase = RequestPhase.Answering;
            r.StageEvent = _sim.Schedule(RefusedTicks, this, DeliverUnavailable, r.Id);
            return;
        }
        var rep = _replicas[client.Replica];
        r.Replica = rep.Index;
        r.ReplicaLife = ReplicaLife(rep);
        r.ArrivedAt = _sim.Now;
        r.Phase = RequestPhase.Queued;
        r.ServerTimeout = _serverTimeouts.Arm(r.Id);
        var call = r.Call;
        if (call.Class == VerbClass.Watch && !rep.CacheReady[call.Resource.Index])
        {
            // ResilientWatchCacheInitialization (1.31+): watches get 429 until the cache is initialised.
            OnRejected(r.Id, RejectReason.ConcurrencyLimit, 1);
            return;
        }
        r.FromCache = ServedFromCache(rep, r);
        r.Work = EstimateWork(rep, r);
        rep.Dispatcher.Admit(r.Id, call.Classification, r.Work, _config.QueueWaitLimitTicks);
    }

    private int PickReplica()
    {
        int up = 0;
        foreach (var rep in _replicas) if (rep.Up) up++;
        if (up == 0) return -1;
        int k = _lb.NextInt(up);
        foreach (var rep in _replicas)
            if (rep.Up && k-- == 0) return rep.Index;
        return -1;
    }

    private bool ServedFromCache(ApiServerReplica rep, Request r)
    {
        var call = r.Call;
        if (!rep.CacheReady[call.Resource.Index]) return false; // delegated to etcd while the cache initialises
        return call.Class switch
        {
            VerbClass.List => WorkEstimator.ListServedFromCache(call.ResourceVersion, call.Limit, r.Page > 0, _config.ConsistentListFromCache),
            VerbClass.Get => call.ResourceVersion == "0",
            VerbClass.Watch => true,
            _ => false,
        };
    }

    private WorkEstimate EstimateWork(ApiServerReplica rep, Request r)
    {
        var call = r.Call;
        return call.Class switch
        {
            VerbClass.List => WorkEstimator.ForList(call.ObjectsInScope, r.FromCache, call.HasSelector, call.Limit),
            VerbClass.Watch => WorkEstimator.ForWatchInit(call.ObjectsInScope),
            VerbClass.Mutating => WorkEstimator.ForMutating(rep.Watches.Count(call.Resource.Index)),
            _ => WorkEstimator.ForGet(),
        };
    }

    // ---------------------------------------------------------------- APF callbacks

    public void OnDispatched(int requestId)
    {
        var r = _requests[requestId];
        if (r.Phase != RequestPhase.Queued)
            throw new InvalidOperationException($"APF dispatched request {requestId}, which is {r.Phase}, not queued");
        var rep = _replicas[r.Replica];
        PlanExecution(r);
        var call = r.Call;
        call.Dispatched++;
        call.CpuTicksDemanded += r.CpuTicks;
        if (r.ObjectsRead > 0 && !r.FromCache)
        {
            // Memory is taken when etcd's response lands in the replica, not while etcd is still ranging.
            long etcdTicks = EtcdRangeTicks(r.ObjectsRead * call.Resource.BytesPerObject);
            call.EtcdTicksDemanded += etcdTicks;
            r.Phase = RequestPhase.EtcdRead;
            EtcdAdd(r, etcdTicks);
            return;
        }
        StartCpu(rep, r);
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
        Metrics.OnRejected(r.Call.Classification.PriorityLevel, reason, r.Call.Classification.Exempt);
        if (!r.Abandoned && retryAfterSeconds > 0 && r.Attempt < r.Client.MaxRetries)
        {
            // client-go: a 429 with Retry-After is slept on and retried (MODEL.md §3).
            r.Attempt++;
            r.Phase = RequestPhase.Throttled;
            r.StageEvent = _sim.Schedule(retryAfterSeconds * SimTime.TicksPerSecond, this, RetryKind, r.Id);
            return;
        }
        Finish(r, RequestOutcome.TooManyRequests);
    }

    // ---------------------------------------------------------------- execution

    /// <summary>What the request will read, return, hold and burn; see docs/model.md for the calibration.</summary>
    private void PlanExecution(Request r)
    {
        var call = r.Call;
        long bytesPerObject = call.Resource.BytesPerObject;
        long cpu = _config.BaseCpuTicks;
        long read = 0, returned = 0, memory = 0;
        switch (call.Class)
        {
            case VerbClass.List:
            {
                long n = call.ObjectsInScope;
                if (r.FromCache)
                {
                    // The watch cache ignores the limit for RV="0" and scans everything in scope.
                    returned = Math.Max(0, (long)Math.Round(n * call.Selectivity));
                    cpu += (long)(n * _config.CacheScanTicksPerObject);
                    memory = (long)(_config.CacheListMemoryFactor * returned * bytesPerObject);
                }
                else
                {
                    long remaining = Math.Max(0, n - r.Page * call.Limit);
                    read = call.Limit > 0 ? Math.Min(call.Limit, remaining) : n;
                    returned = (long)Math.Round(read * call.Selectivity);
                    cpu += BytesTicks(read * bytesPerObject, _config.DecodeBytesPerSecond);
                    memory = (long)(_config.EtcdListMemoryFactor * read * bytesPerObject);
                }
                cpu += BytesTicks(returned * bytesPerObject, _config.EncodeBytesPerSecond);
                break;
            }
            case VerbClass.Get:
                returned = 1;
                if (!r.FromCache)
                {
                    read = 1;
                    cpu += BytesTicks(bytesPerObject, _config.DecodeBytesPerSecond);
                }
                cpu += BytesTicks(bytesPerObject, _config.EncodeBytesPerSecond);
                break;
            case VerbClass.Mutating:
                cpu += _config.MutatingCpuTicks + BytesTicks(2 * bytesPerObject, _config.EncodeBytesPerSecond);
                break;
            case VerbClass.Watch:
                break;
        }
        r.ObjectsRead = read;
        r.ObjectsReturned = returned;
        r.CpuTicks = cpu;
        r.MemoryPlanned = memory;
    }

    private long EtcdRangeTicks(long bytes) =>
        _config.EtcdRequestTicks + BytesTicks(bytes, _config.EtcdRangeBytesPerSecond);

    private static long BytesTicks(long bytes, double bytesPerSecond) =>
        (long)(bytes / bytesPerSecond * SimTime.TicksPerSecond);

    private void OnEtcdRead(int id)
    {
        var r = _requests[id];
        EtcdLeft(r);
        if (r.Phase == RequestPhase.EtcdWrite)
        {
            Complete(r);
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
            EtcdAdd(r, _config.EtcdWriteTicks);
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
        Metrics.OnCompleted(call.Classification.PriorityLevel, call.Class, call.Classification.Exempt, _sim.Now - r.ArrivedAt);
        // Answered: no longer the replica's, even if freeing its seats dispatches a LIST that OOM-kills it.
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(r.Id);

        if (call.Class == VerbClass.List && !r.Abandoned && !r.FromCache && call.Limit > 0 &&
            (r.Page + 1) * call.Limit < call.ObjectsInScope)
        {
            // More pages: the client follows the continue token with another request.
            r.Page++;
            r.Attempt = 0;
            Launch(r);
            return;
        }
        var watch = WatchHandle.None;
        if (call.Class == VerbClass.Watch && !r.Abandoned && r.Caller is IWatcher w && rep.Up)
            watch = new WatchHandle(rep.Index, rep.Watches.Open(call.Resource.Index, w, r.Tag), ReplicaLife(rep));
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
        var rep = _replicas[r.Replica];
        Abort(rep, r);
        Metrics.OnTimedOut(r.Call.Classification.PriorityLevel, r.Call.Class, r.Call.Classification.Exempt, _sim.Now - r.ArrivedAt);
        r.Phase = RequestPhase.Answering;
        rep.Dispatcher.Finish(id);
        Finish(r, RequestOutcome.ServerTimeout);
    }

    /// <summary>Stops a request wherever it is executing and releases what it holds (not its seats).</summary>
    private void Abort(ApiServerReplica rep, Request r)
    {
        switch (r.Phase)
        {
            case RequestPhase.EtcdRead:
            case RequestPhase.EtcdWrite:
                _etcd.Remove(r.Id);
                EtcdLeft(r);
                break;
            case RequestPhase.Cpu: rep.Cpu.Remove(r.Id); break;
        }
        if (!r.StageEvent.IsNone)
        {
            _sim.Cancel(r.StageEvent);
            r.StageEvent = EventHandle.None;
        }
        ReleaseMemory(rep, r);
    }

    /// <summary>The request is over: tell the caller (unless it stopped waiting) and recycle it.</summary>
    private void Finish(Request r, RequestOutcome outcome, WatchHandle watch = default)
    {
        if (watch == default) watch = WatchHandle.None;
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
        Metrics.OnClientTimeout();
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
            r.Abandoned = true; // the server goes on with it; its answer will be dropped
        }
        caller?.OnResponse(tag, RequestOutcome.ClientTimeout, latency, WatchHandle.None);
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
        long delay = _config.RestartTicks + CrashLoopBackOff(_sim.Now, rep.StartedAt, ref rep.RecentCrashes);
        rep.UpAgainAt = _sim.Now + delay;
        if (delay > _config.RestartTicks)
            _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "crash-loop", $"apiserver-{rep.Index} in CrashLoopBackOff: back in {SimTime.ToSeconds(delay):F0} s");
        _sim.Schedule(delay, this, Restart, rep.Index);
    }

    private static readonly long BackOffInitial = SimTime.FromSeconds(10);  // kubelet container restart back-off: 10 s,
    private static readonly long BackOffMax = SimTime.FromMinutes(5);       // doubling, capped at 5 min,
    private static readonly long BackOffReset = SimTime.FromMinutes(10);    // reset after 10 min without a crash (Kubernetes docs, pod lifecycle)

    /// <summary>The kubelet's CrashLoopBackOff before it restarts a container that keeps dying (0 for the first crash).</summary>
    private static long CrashLoopBackOff(long now, long startedAt, ref int recentCrashes)
    {
        if (now - startedAt >= BackOffReset) recentCrashes = 0;
        int k = recentCrashes++;
        if (k == 0) return 0;
        long d = BackOffInitial;
        for (int i = 1; i < k && d < BackOffMax; i++) d *= 2;
        return Math.Min(d, BackOffMax);
    }

    private void Kill(ApiServerReplica rep)
    {
        rep.Up = false;
        while (_replicaLife.Count <= rep.Index) _replicaLife.Add(0);
        _replicaLife[rep.Index]++;
        // Everything that was on the replica dies with its connections.
        var victims = new List<int>();
        for (int id = 0; id < _requests.HighWater; id++)
        {
            var r = _requests[id];
            if (r.Replica == rep.Index &&
                r.Phase is RequestPhase.Queued or RequestPhase.EtcdRead or RequestPhase.Cpu or RequestPhase.EtcdWrite)
                victims.Add(id);
        }
        foreach (int id in victims)
        {
            var r = _requests[id];
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
        rep.RequestBytes = 0;
        rep.ResidentBytes = 0;
        Array.Fill(rep.CacheReady, false);
        rep.Watches.BreakAll();
    }

    private void OnRestart(int index)
    {
        var rep = _replicas[index];
        rep.Up = true;
        rep.StartedAt = _sim.Now;
        rep.ResidentBytes = _config.BaseMemoryBytes;
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "restart", $"apiserver-{index} serving again; watch cache initialising");
        // The watch cache lists every resource from etcd before it can serve (MODEL.md §2.6: cold after restart).
        foreach (var res in Resources.All) StartCacheInit(rep, res);
    }

    /// <summary>The replica's cacher for <paramref name="res"/> lists it from etcd; until that lands it is not ready.</summary>
    private void StartCacheInit(ApiServerReplica rep, ApiResource res)
    {
        rep.CacheReady[res.Index] = false;
        var r = _requests.Allocate();
        r.CacheInitResource = res.Index;
        r.Replica = rep.Index;
        r.ReplicaLife = ReplicaLife(rep);
        r.ArrivedAt = _sim.Now;
        r.ObjectsRead = res.Count;
        r.CpuTicks = BytesTicks(res.StoredBytes, _config.DecodeBytesPerSecond);
        r.MemoryPlanned = (long)(_config.EtcdListMemoryFactor * res.StoredBytes);
        r.Phase = RequestPhase.EtcdRead;
        EtcdAdd(r, EtcdRangeTicks(res.StoredBytes));
    }

    // ---------------------------------------------------------------- etcd: memory, OOM kill, restart

    private void EtcdAdd(Request r, long ticks)
    {
        r.EtcdTicks = ticks;
        if (r.Phase == RequestPhase.EtcdRead)
        {
            r.EtcdStart = _etcd.VirtualTime;
            _etcdRanges++;
            _etcdRangeStartSum += r.EtcdStart;
        }
        _etcd.Add(r.Id, ticks);
        if (r.EtcdStart >= 0) ScheduleEtcdMemoryCheck();
    }

    /// <summary>The request's work left etcd (served, aborted or lost): it no longer holds etcd memory.</summary>
    private void EtcdLeft(Request r)
    {
        if (r.EtcdStart < 0) return;
        _etcdRanges--;
        _etcdRangeStartSum -= r.EtcdStart;
        r.EtcdStart = -1;
        if (_etcdRanges == 0) _etcdRangeStartSum = 0; // no rounding drift carried over
    }

    /// <summary>
    /// Schedules the next look at etcd's memory no later than it could reach the limit: ranges read at most one
    /// core's worth each, so memory grows at most factor × bytes/tick × min(ranges, cores). The look either
    /// kills etcd or schedules the next one; a new range can only bring it earlier.
    /// </summary>
    private void ScheduleEtcdMemoryCheck()
    {
        if (!_etcdUp || _etcdRanges == 0 || _config.EtcdMemoryBytes <= 0) return;
        double headroom = _config.EtcdMemoryBytes - EtcdMemoryBytes;
        double maxGrowth = _config.EtcdRangeMemoryFactor * _etcdRangeBytesPerTick * Math.Min(_etcdRanges, _etcd.Cores);
        if (maxGrowth <= 0) return;
        long delay = headroom <= 0 ? 0 : (long)Math.Ceiling(headroom / maxGrowth);
        long at = _sim.Now + delay;
        if (!_etcdMemoryCheck.IsNone)
        {
            if (_etcdMemoryCheckAt <= at) return;
            _sim.Cancel(_etcdMemoryCheck);
        }
        _etcdMemoryCheck = _sim.Schedule(delay, this, EtcdMemoryCheck);
        _etcdMemoryCheckAt = at;
    }

    private void OnEtcdMemoryCheck()
    {
        _etcdMemoryCheck = EventHandle.None;
        if (!_etcdUp) return;
        if (EtcdMemoryBytes >= _config.EtcdMemoryBytes) EtcdOomKill();
        else ScheduleEtcdMemoryCheck();
    }

    /// <summary>
    /// Concurrent ranges filled etcd's memory (etcd#12342: 100 concurrent ranges of 300k pods OOM etcd). It dies
    /// with everything in flight and restarts after <see cref="ApiServerConfig.EtcdRestartTicks"/> plus the
    /// kubelet's CrashLoopBackOff. The API servers' etcd clients re-send what was in flight once it is back
    /// (clientv3 retries; a write is re-sent too: assumption); meanwhile requests wait, holding their seats,
    /// until they time out. Every cache of every API server loses its etcd watch ("no leader") and
    /// re-initialises: watchers terminated, a LIST from etcd, not ready until it lands (cacher.go startCaching).
    /// </summary>
    private void EtcdOomKill()
    {
        Metrics.OnEtcdOom();
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "etcd-oom-kill",
            $"etcd OOM-killed: {Gib((long)EtcdMemoryBytes)} over its {Gib(_config.EtcdMemoryBytes)} limit with {_etcdRanges} ranges in flight");
        _etcdUp = false;
        if (!_etcdMemoryCheck.IsNone) _sim.Cancel(_etcdMemoryCheck);
        _etcdMemoryCheck = EventHandle.None;
        _etcd.Pause();
        for (int id = 0; id < _requests.HighWater; id++)
        {
            var r = _requests[id];
            if (r.Phase is not (RequestPhase.EtcdRead or RequestPhase.EtcdWrite) || !_etcd.Contains(id)) continue;
            _etcd.Remove(id);
            EtcdLeft(r);
            EtcdAdd(r, r.EtcdTicks); // from the start, once etcd is back
        }
        foreach (var rep in _replicas)
        {
            if (!rep.Up) continue;
            bool any = false;
            foreach (var res in Resources.All)
            {
                if (!rep.CacheReady[res.Index]) continue; // already initialising
                any = true;
                rep.ResidentBytes -= (long)(_config.WatchCacheMemoryFactor * res.StoredBytes);
                StartCacheInit(rep, res);
            }
            if (any) rep.Watches.BreakAll();
        }
        long delay = _config.EtcdRestartTicks + CrashLoopBackOff(_sim.Now, _etcdStartedAt, ref _etcdRecentCrashes);
        if (delay > _config.EtcdRestartTicks)
            _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "crash-loop", $"etcd in CrashLoopBackOff: back in {SimTime.ToSeconds(delay):F0} s");
        _sim.Schedule(delay, this, EtcdRestart);
    }

    private void OnEtcdRestart()
    {
        _etcdUp = true;
        _etcdStartedAt = _sim.Now;
        _etcd.Resume();
        _timeline.Add(SimTime.ToSeconds(_sim.Now), Cluster, "restart", $"etcd serving again; {_etcd.Jobs} requests waiting for it");
        ScheduleEtcdMemoryCheck();
    }

    private void CacheInitialised(Request r)
    {
        var rep = _replicas[r.Replica];
        var res = Resources.All[r.CacheInitResource];
        rep.RequestBytes -= r.MemoryBytes;
        rep.ResidentBytes += (long)(_config.WatchCacheMemoryFactor * res.StoredBytes);
        rep.CacheReady[res.Index] = true;
        _requests.Free(r);
    }

    private static string Gib(long bytes) => $"{bytes / (double)(1L << 30):F1} GiB";

    // ---------------------------------------------------------------- events

    public void OnEvent(int kind, long arg)
    {
        int id = (int)arg;
        switch (kind)
        {
            case Transmit:
            case RetryKind:
                OnTransmit(_requests[id]);
                break;
            case EtcdWriteDone:
                _requests[id].StageEvent = EventHandle.None;
                Complete(_requests[id]);
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
            case EtcdMemoryCheck:
                OnEtcdMemoryCheck();
                break;
            case EtcdRestart:
                OnEtcdRestart();
                break;
        }
    }

    private int _ticks;

    private void Sample()
    {
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
        Metrics.SampleSeats(_seatScratch, _queuedScratch, limit, mem);
        Metrics.SampleEtcdMemory(EtcdMemoryBytes);
        if (++_ticks % (int)ApiServerMetrics.BucketSeconds == 0)
        {
            int slots = Math.Max(_config.Replicas, _config.MaxReplicas);
            Span<double> cpu = stackalloc double[slots];
            Span<bool> up = stackalloc bool[slots];
            double bucketTicks = ApiServerMetrics.BucketSeconds * SimTime.TicksPerSecond;
            foreach (var rep in _replicas)
            {
                double busy = rep.Cpu.BusyCoreTicks;
                cpu[rep.Index] = (busy - rep.BusyCoreTicksAtLastFlush) / bucketTicks;
                rep.BusyCoreTicksAtLastFlush = busy;
                up[rep.Index] = rep.Up;
            }
            Metrics.Flush(_sim.Now, cpu, up);
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
            if (r.CacheInitResource < 0 && r.Phase is RequestPhase.Queued or RequestPhase.EtcdRead or RequestPhase.Cpu or RequestPhase.EtcdWrite)
                alive++;
        }
        if (alive != InFlight)
            throw new InvalidOperationException(
                $"{Cluster}: request accounting broke: issued {Metrics.Issued} − completed {Metrics.Completed} − rejected {Metrics.Rejected} − timed out {Metrics.TimedOut} = {InFlight}, but {alive} requests are in flight");
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

    private sealed class EtcdStage(ApiServerSet set) : ProcessorSharingServer.IClient
    {
        public void OnServed(int job) => set.OnEtcdRead(job);
    }

    private sealed class CpuStage(ApiServerSet set) : ProcessorSharingServer.IClient
    {
        public void OnServed(int job) => set.OnCpuDone(job);
    }
}
