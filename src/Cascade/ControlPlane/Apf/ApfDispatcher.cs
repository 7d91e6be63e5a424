using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: API Priority and Fairness inside one kube-apiserver replica — the request path of
// apf_filter.go / apf_controller.go (startRequest → the priority level's queueSet → execute → finish, 429 with
// Retry-After from dropped_requests_tracker.go) and the periodic borrowing of apf_controller.go
// (updateBorrowingLocked every 10 s: per level, seat demand → lower bound max(minCL, min(nominalCL, high
// watermark)), target max(lower bound, smoothed demand), upper bound maxCL; computeConcurrencyAllocation
// divides ΣnominalCL; the rounded results become the levels' current limits). Source: kubernetes/kubernetes
// staging/src/k8s.io/apiserver/pkg/util/flowcontrol. The queue-wait limit is queuewait.go's context deadline:
// the caller passes it (docs/sources.md §2.4) and a timer rejects the request when it expires. A request whose
// client gives up while it waits is ejected then (Cancel), as its context ends with the client's.
// Kept: everything that decides when a request runs or gets a 429. Left out: the watch tracker (the caller
// passes the watcher count to the work estimator), the debug endpoints and metrics, live reconfiguration.
// Hot path (Admit, Finish, dispatch, timers) allocates nothing once the per-request arrays have grown:
// requests are ints, queues are linked through arrays, timers are (kind, arg) events with this as handler.

/// <summary>Why APF answered 429.</summary>
public enum RejectReason
{
    /// <summary>All seats busy and the chosen queue already holds queueLengthLimit requests.</summary>
    QueueFull,
    /// <summary>The request waited in its queue past its queue-wait limit.</summary>
    TimeOut,
    /// <summary>A reject-type level (catch-all) had no free seats.</summary>
    ConcurrencyLimit,
    /// <summary>The client gave up while the request waited in its queue (queueset.go wait, decisionCancel: ejected, counted "cancelled").</summary>
    Cancelled,
}

/// <summary>How many <see cref="RejectReason"/>s there are: per-level counters are indexed level × this + reason.</summary>
public static class RejectReasons
{
    public const int Count = 4;
}

/// <summary>The API-server model that owns the requests APF holds.</summary>
public interface IApfHost
{
    /// <summary>The request got its seats and starts executing; may be called synchronously inside Admit, or later.</summary>
    void OnDispatched(int requestId);

    /// <summary>429 Too Many Requests with Retry-After; may be called synchronously inside Admit, or later (queue-wait timeout).</summary>
    void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds);
}

/// <summary>
/// APF for one API-server replica. It keeps one periodic event pending (the 10 s borrowing adjustment), so
/// a simulation holding a dispatcher never runs out of events: run it to a horizon.
/// </summary>
public sealed class ApfDispatcher : IEventHandler
{
    // docs/sources.md §2.1: --max-requests-inflight 400 + --max-mutating-requests-inflight 200 = 600 seats.
    public const int DefaultServerConcurrencyLimit = 600;
    // docs/sources.md §2.2: borrowing is re-solved every 10 s (apf_controller.go borrowingAdjustmentPeriod).
    public static readonly long BorrowingAdjustmentPeriodTicks = 10 * SimTime.TicksPerSecond;
    // docs/sources.md §2.4: queue wait limit without a request deadline is 15 s (filter's defaultRequestWaitLimit).
    public static readonly long DefaultQueueWaitLimitTicks = 15 * SimTime.TicksPerSecond;
    // docs/sources.md §2.4: queue wait limit is at most 1 min.
    public static readonly long MaxQueueWaitLimitTicks = SimTime.TicksPerMinute;

    private const int KindQueueWaitTimeout = 1;
    private const int KindReleaseFinalSeats = 2;
    private const int KindBorrowingAdjustment = 3;

    private readonly Simulation _sim;
    private readonly IApfHost _host;
    private readonly QueueSet[] _levels;
    private readonly ConcurrencyAllocation _allocation;
    private readonly int _nominalCLSum;
    private readonly long[] _dispatched;
    private readonly long[] _rejected;          // level * RejectReasons.Count + reason

    // APF's state of each request, indexed by the host's request id; shared by the replicas of one API server
    // set (a request is held by one replica at a time), so memory grows with requests, not requests × replicas.
    private readonly ApfRequestTable _table;
    private readonly int _owner;

    // Seats still held for a finished request's additional latency; the request id is free meanwhile.
    private int[] _lingerLevel = new int[64];
    private int[] _lingerQueue = new int[64];
    private int[] _lingerSeats = new int[64];
    private EventHandle[] _lingerTimer = new EventHandle[64];
    private int _lingerFree = -1;               // free list threaded through _lingerLevel
    private int _lingerUsed;

    private EventHandle _borrowingTimer = EventHandle.None;
    private readonly bool _periodicBorrowing;

    public ApfDispatcher(Simulation sim, ApfConfiguration config, int serverConcurrencyLimit, IApfHost host)
        : this(sim, config, serverConcurrencyLimit, host, periodicBorrowing: true)
    {
    }

    /// <summary>A replica's dispatcher keeping its requests' APF state in <paramref name="table"/>, shared with its sibling replicas.</summary>
    internal ApfDispatcher(Simulation sim, ApfConfiguration config, int serverConcurrencyLimit, IApfHost host, ApfRequestTable table)
        : this(sim, config, serverConcurrencyLimit, host, periodicBorrowing: true, table)
    {
    }

    /// <summary>
    /// With <paramref name="periodicBorrowing"/> false the limits are solved once at start and never again,
    /// and no event stays pending: for levels that neither lend nor borrow that changes no limit, and it lets
    /// a test run months of simulated time without a borrowing event every 10 s (upstream's queueset tests
    /// drive a queueSet that has no controller around it).
    /// </summary>
    internal ApfDispatcher(Simulation sim, ApfConfiguration config, int serverConcurrencyLimit, IApfHost host, bool periodicBorrowing,
        ApfRequestTable? table = null)
    {
        _table = table ?? new ApfRequestTable();
        _owner = _table.NewOwner();
        _periodicBorrowing = periodicBorrowing;
        ArgumentNullException.ThrowIfNull(sim);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        _sim = sim;
        _host = host;
        Configuration = config;
        ServerConcurrencyLimit = serverConcurrencyLimit;
        var limits = config.Limits(serverConcurrencyLimit);
        int n = limits.Length;
        _levels = new QueueSet[n];
        for (int i = 0; i < n; i++)
        {
            _levels[i] = new QueueSet(this, i, config.PriorityLevels[i], limits[i]);
            _nominalCLSum += limits[i].NominalCL;
        }
        _allocation = new ConcurrencyAllocation(n);
        _dispatched = new long[n];
        _rejected = new long[n * RejectReasons.Count];
        StartAll();
    }

    public ApfConfiguration Configuration { get; }
    public int ServerConcurrencyLimit { get; }

    /// <summary>
    /// docs/sources.md §2.4 (queuewait.go): a quarter of the time left before the request's deadline, at most 1 min;
    /// 15 s when the request has no deadline (<paramref name="requestDeadlineTicks"/> ≤ 0 or Never).
    /// </summary>
    public static long QueueWaitLimitFor(long requestDeadlineTicks) =>
        requestDeadlineTicks <= 0 || requestDeadlineTicks == SimTime.Never
            ? DefaultQueueWaitLimitTicks
            : Math.Min(requestDeadlineTicks / 4, MaxQueueWaitLimitTicks);

    /// <summary>
    /// A classified request arrives. It is dispatched (now or later), or rejected (now, or at the end of its
    /// queue wait). <paramref name="work"/> is clamped to the level's seat cap. A <paramref name="queueWaitLimitTicks"/>
    /// ≤ 0 or Never means the request may wait indefinitely. <paramref name="requestId"/> must not be held by
    /// this dispatcher already; it may be reused once the request was rejected or finished.
    /// </summary>
    public void Admit(int requestId, in Classification c, WorkEstimate work, long queueWaitLimitTicks) =>
        Admit(requestId, c, work, queueWaitLimitTicks, capSeats: true);

    /// <summary>
    /// Admit with the work estimate taken as it is, past the estimator's per-level seat cap: upstream's
    /// queueset tests hand their WorkEstimates straight to QueueSet.StartRequest (e.g. 7 seats against a
    /// limit of 6), while in the API server maxSeatsFn has capped them in the estimator already.
    /// </summary>
    internal void AdmitAsEstimated(int requestId, in Classification c, WorkEstimate work, long queueWaitLimitTicks) =>
        Admit(requestId, c, work, queueWaitLimitTicks, capSeats: false);

    private void Admit(int requestId, in Classification c, WorkEstimate work, long queueWaitLimitTicks, bool capSeats)
    {
        if (requestId < 0) throw new ArgumentOutOfRangeException(nameof(requestId), requestId, "request ids are non-negative");
        if ((uint)c.PriorityLevel >= (uint)_levels.Length) throw new ArgumentOutOfRangeException(nameof(c), c.PriorityLevel, "no such priority level");
        _table.EnsureCapacity(requestId);
        var qs = _levels[c.PriorityLevel];
        ref ApfRequest r = ref _table.Items[requestId];
        if (r.State != ApfRequest.Free) throw new InvalidOperationException($"request {requestId} is already held by APF");
        r.Owner = _owner;

        // The estimator's per-level cap (maxSeatsFn): initial seats clamped, final seats narrowed to the cap
        // with the same final work (mutating_work_estimator.go).
        int maxSeats = capSeats ? qs.Limits.MaxSeatsPerRequest : int.MaxValue;
        int initial = Math.Clamp(work.InitialSeats, WorkEstimator.MinimumSeats, maxSeats);
        int final = Math.Max(0, work.FinalSeats);
        long latency = Math.Max(0, work.AdditionalLatencyTicks);
        long finalWork = SeatSeconds.Of(final, latency);
        if (final > maxSeats)
        {
            final = maxSeats;
            latency = SeatSeconds.TicksPerSeat(finalWork, final);
        }
        r.Token++;
        r.Level = c.PriorityLevel;
        r.Queue = -1;
        r.Prev = r.Next = -1;
        r.InitialSeats = initial;
        r.FinalSeats = final;
        r.AdditionalLatencyTicks = latency;
        r.FinalWork = finalWork;
        r.TotalWork = SeatSeconds.Of(initial, QueueSet.EstimatedServiceDurationTicks) + finalWork;
        r.QueueWaitTimer = EventHandle.None;
        int token = r.Token;

        long now = _sim.Now;
        switch (qs.Start(requestId, c.FlowHash, now, c.Hand))
        {
            case AdmitOutcome.Dispatched:
                _dispatched[qs.Level]++;
                _host.OnDispatched(requestId);
                return;
            case AdmitOutcome.RejectedQueueFull:
                r.State = ApfRequest.Free;
                Reject(requestId, qs, RejectReason.QueueFull, now);
                return;
            case AdmitOutcome.RejectedConcurrencyLimit:
                r.State = ApfRequest.Free;
                Reject(requestId, qs, RejectReason.ConcurrencyLimit, now);
                return;
        }

        DispatchAsMuchAsPossible(qs);
        ref ApfRequest after = ref _table.Items[requestId];  // the host may have grown the table meanwhile
        if (after.State == ApfRequest.Queued && after.Token == token && queueWaitLimitTicks > 0 && queueWaitLimitTicks != SimTime.Never)
        {
            after.QueueWaitTimer = _sim.Schedule(queueWaitLimitTicks, this, KindQueueWaitTimeout, ((long)token << 32) | (uint)requestId);
        }
    }

    /// <summary>
    /// The request's execution ended (completed, or hit its 60 s timeout). Its seats (max of initial and
    /// final, as upstream) are released now, or after its additional latency when it has final seats; freed
    /// seats dispatch waiting requests. A request this dispatcher does not hold (e.g. after Reset) is ignored.
    /// </summary>
    public void Finish(int requestId)
    {
        if ((uint)requestId >= (uint)_table.Items.Length) return;
        ref ApfRequest r = ref _table.Items[requestId];
        if (!Holds(r)) return;
        if (r.State == ApfRequest.Queued) throw new InvalidOperationException($"request {requestId} is still queued; it cannot finish");
        var qs = _levels[r.Level];
        long now = _sim.Now;
        qs.Finish(ref r, now);
        int seats = r.MaxSeats;
        int queue = r.Queue;
        long latency = r.AdditionalLatencyTicks;
        r.State = ApfRequest.Free;
        if (latency <= 0) qs.ReleaseSeats(queue, seats, now);
        else HoldFinalSeats(qs.Level, queue, seats, latency);
        DispatchAsMuchAsPossible(qs);
    }

    /// <summary>
    /// Lets go of every request this dispatcher holds, cancelling their queue-wait timers, without a word to the
    /// host: the replica died and the host drops those requests itself. Their ids may be reused at a sibling
    /// replica at once. Part of <see cref="Reset"/>; the host calls it first when it re-sends the dead replica's
    /// requests before resetting it.
    /// </summary>
    public void ForgetRequests()
    {
        var items = _table.Items;
        for (int i = 0; i < items.Length; i++)
        {
            ref ApfRequest r = ref items[i];
            if (!Holds(r)) continue;
            if (!r.QueueWaitTimer.IsNone) _sim.Cancel(r.QueueWaitTimer);
            r.QueueWaitTimer = EventHandle.None;
            r.State = ApfRequest.Free;
        }
    }

    /// <summary>
    /// The replica crashed: everything queued and executing is forgotten without a word to the host (it drops
    /// those requests itself), and APF starts afresh as a new process would: empty queues, initial limits,
    /// no seat-demand history, Retry-After back to 1 s. Dispatched/Rejected counts are kept.
    /// </summary>
    public void Reset()
    {
        ForgetRequests();
        for (int s = 0; s < _lingerUsed; s++)
        {
            if (!_lingerTimer[s].IsNone) _sim.Cancel(_lingerTimer[s]);
            _lingerTimer[s] = EventHandle.None;
        }
        _lingerUsed = 0;
        _lingerFree = -1;
        if (!_borrowingTimer.IsNone) _sim.Cancel(_borrowingTimer);
        StartAll();
    }

    public void OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case KindQueueWaitTimeout: OnQueueWaitTimeout((int)(arg & 0xFFFFFFFFL), (int)(arg >> 32)); break;
            case KindReleaseFinalSeats: OnReleaseFinalSeats((int)arg); break;
            case KindBorrowingAdjustment:
                AdjustBorrowing(_sim.Now);
                _borrowingTimer = _sim.Schedule(BorrowingAdjustmentPeriodTicks, this, KindBorrowingAdjustment);
                break;
            default: throw new InvalidOperationException($"unknown APF event kind {kind}");
        }
    }

    // ---- observability (cheap; for the 10 s time series) ----

    public int PriorityLevelCount => _levels.Length;
    public string PriorityLevelName(int pl) => _levels[pl].Name;
    /// <summary>Seats held by executing requests (and by finished ones during their additional latency).</summary>
    public int SeatsInUse(int pl) => _levels[pl].TotSeatsInUse;
    public int QueuedRequests(int pl) => _levels[pl].TotRequestsWaiting;
    public int ExecutingRequests(int pl) => _levels[pl].TotRequestsExecuting;
    /// <summary>The level's limit as last set by borrowing (exempt: computed but not enforced).</summary>
    public int CurrentConcurrencyLimit(int pl) => _levels[pl].ConcurrencyLimit;
    public int NominalConcurrencyLimit(int pl) => _levels[pl].Limits.NominalCL;
    public int MaxSeatsPerRequest(int pl) => _levels[pl].Limits.MaxSeatsPerRequest;
    public int RetryAfterSeconds(int pl) => (int)_levels[pl].Drops.RetryAfterSeconds;
    /// <summary>The smoothed seat demand borrowing last used as this level's target.</summary>
    public double SmoothedSeatDemand(int pl) => _levels[pl].Demand.Smoothed;

    public int TotalSeatsInUse
    {
        get
        {
            int total = 0;
            foreach (var qs in _levels) total += qs.TotSeatsInUse;
            return total;
        }
    }

    /// <summary>Seats of the request level <paramref name="pl"/> dispatches next (0 if none waits).</summary>
    internal int NextSeats(int pl) => _levels[pl].NextSeats();

    /// <summary>Seats level <paramref name="pl"/> still holds for finished requests during their additional latency.</summary>
    internal int LingeringSeats(int pl)
    {
        int seats = 0;
        for (int s = 0; s < _lingerUsed; s++)
            if (!_lingerTimer[s].IsNone && _lingerLevel[s] == pl) seats += _lingerSeats[s];
        return seats;
    }

    public long Dispatched(int pl) => _dispatched[pl];

    /// <summary>A request of level <paramref name="pl"/> was dispatched without waiting and served in closed form (<see cref="ApiServerSet.TrySendClosedForm"/>).</summary>
    internal void CountDispatched(int pl) => _dispatched[pl]++;

    /// <summary>True if no request waits at any level and every limited level has at most half of its seats taken.</summary>
    internal bool Quiet()
    {
        for (int pl = 0; pl < _levels.Length; pl++)
            if (!Quiet(pl)) return false;
        return true;
    }

    /// <summary>True if no request waits at level <paramref name="pl"/> and, unless it is exempt, at most half of its seats are taken.</summary>
    internal bool Quiet(int pl)
    {
        var qs = _levels[pl];
        return qs.TotRequestsWaiting == 0 && (qs.IsExempt || 2 * qs.TotSeatsInUse <= qs.ConcurrencyLimit);
    }
    public long Rejected(int pl, RejectReason r) => _rejected[pl * RejectReasons.Count + (int)r];

    /// <summary>Times the level's progress meter R was wound back to stay clear of overflow (advanceEpoch).</summary>
    internal long EpochAdvances(int pl) => _levels[pl].EpochAdvances;

    /// <summary>The level's seat demand (seats in use + seats waiting) integrated since the last borrowing period.</summary>
    internal SeatDemandIntegrator.Moments SeatDemandSoFar(int pl) => _levels[pl].Demand.Peek(_sim.Now);

    // ---- internals ----

    internal ref ApfRequest Request(int id) => ref _table.Items[id];

    /// <summary>This dispatcher holds the request (queued or executing here, not at a sibling replica).</summary>
    private bool Holds(in ApfRequest r) => r.State != ApfRequest.Free && r.Owner == _owner;

    private void StartAll()
    {
        long now = _sim.Now;
        foreach (var qs in _levels)
        {
            // finishQueueSetReconfigsLocked: a new level starts at nominalCL − lendableCL/2 ...
            qs.Start(now, qs.Limits.NominalCL - qs.Limits.LendableCL / 2);
        }
        // ... and is immediately re-solved with an empty demand history (updateBorrowingLocked).
        AdjustBorrowing(now);
        if (_periodicBorrowing) _borrowingTimer = _sim.Schedule(BorrowingAdjustmentPeriodTicks, this, KindBorrowingAdjustment);
    }

    /// <summary>updateBorrowingLocked.</summary>
    private void AdjustBorrowing(long now)
    {
        for (int i = 0; i < _levels.Length; i++)
        {
            var qs = _levels[i];
            qs.Demand.EndPeriod(now);
            var l = qs.Limits;
            double lower = Math.Max(l.MinCL, Math.Min(l.NominalCL, qs.Demand.HighWatermark));
            _allocation.LowerBound[i] = lower;
            _allocation.UpperBound[i] = l.MaxCL;
            _allocation.Target[i] = Math.Max(lower, qs.Demand.Smoothed);
        }
        bool solved = _allocation.Solve(_nominalCLSum);
        for (int i = 0; i < _levels.Length; i++)
        {
            var qs = _levels[i];
            int limit = solved ? ApfConfiguration.RoundHalfAway(_allocation.Allocation[i]) : qs.ConcurrencyLimit;
            qs.SetConcurrencyLimit(now, limit);
            DispatchAsMuchAsPossible(qs);
        }
    }

    /// <summary>dispatchAsMuchAsPossibleLocked, telling the host of each dispatch as it happens.</summary>
    private void DispatchAsMuchAsPossible(QueueSet qs)
    {
        long now = _sim.Now;
        while (qs.TotRequestsWaiting != 0 && qs.TotSeatsInUse < qs.ConcurrencyLimit)
        {
            int id = qs.DispatchOne(now);
            if (id < 0) break;
            ref ApfRequest r = ref _table.Items[id];
            if (!r.QueueWaitTimer.IsNone)
            {
                _sim.Cancel(r.QueueWaitTimer);
                r.QueueWaitTimer = EventHandle.None;
            }
            _dispatched[qs.Level]++;
            _host.OnDispatched(id);
        }
    }

    private void OnQueueWaitTimeout(int id, int token)
    {
        if ((uint)id >= (uint)_table.Items.Length) return;
        ref ApfRequest r = ref _table.Items[id];
        if (r.State != ApfRequest.Queued || r.Token != token || r.Owner != _owner) return;
        r.QueueWaitTimer = EventHandle.None;
        Eject(id, ref r, RejectReason.TimeOut);
    }

    /// <summary>
    /// The client of request <paramref name="id"/> gave up: if it still waits in one of this dispatcher's queues it is
    /// ejected now and rejected as cancelled; else nothing happens. The request's context is cancelled when its client goes away, and
    /// a queued request's decision promise resolves to decisionCancel on that (queueset.go, request.wait): it leaves
    /// its queue, counts as a "cancelled" rejection and a dropped request, and nothing is dispatched for it.
    /// </summary>
    public void Cancel(int id)
    {
        if ((uint)id >= (uint)_table.Items.Length) return;
        ref ApfRequest r = ref _table.Items[id];
        if (r.State != ApfRequest.Queued || r.Owner != _owner) return;
        if (!r.QueueWaitTimer.IsNone) _sim.Cancel(r.QueueWaitTimer);
        r.QueueWaitTimer = EventHandle.None;
        Eject(id, ref r, RejectReason.Cancelled);
    }

    /// <summary>Takes waiting request <paramref name="id"/> out of its queue and rejects it for <paramref name="reason"/>.</summary>
    private void Eject(int id, ref ApfRequest r, RejectReason reason)
    {
        var qs = _levels[r.Level];
        long now = _sim.Now;
        qs.RemoveWaiting(ref r, now);
        r.State = ApfRequest.Free;
        // Upstream dispatches nothing here: the blocked head, if any, waits for the next finish or arrival.
        Reject(id, qs, reason, now);
    }

    private void Reject(int id, QueueSet qs, RejectReason reason, long now)
    {
        _rejected[qs.Level * RejectReasons.Count + (int)reason]++;
        qs.Drops.RecordDroppedRequest(now / SimTime.TicksPerSecond);
        _host.OnRejected(id, reason, (int)qs.Drops.RetryAfterSeconds);
    }

    private void HoldFinalSeats(int level, int queue, int seats, long latency)
    {
        int slot;
        if (_lingerFree >= 0)
        {
            slot = _lingerFree;
            _lingerFree = _lingerLevel[slot];
        }
        else
        {
            if (_lingerUsed == _lingerLevel.Length)
            {
                int n = _lingerUsed * 2;
                Array.Resize(ref _lingerLevel, n);
                Array.Resize(ref _lingerQueue, n);
                Array.Resize(ref _lingerSeats, n);
                Array.Resize(ref _lingerTimer, n);
            }
            slot = _lingerUsed++;
        }
        _lingerLevel[slot] = level;
        _lingerQueue[slot] = queue;
        _lingerSeats[slot] = seats;
        _lingerTimer[slot] = _sim.Schedule(latency, this, KindReleaseFinalSeats, slot);
    }

    private void OnReleaseFinalSeats(int slot)
    {
        var qs = _levels[_lingerLevel[slot]];
        int queue = _lingerQueue[slot];
        int seats = _lingerSeats[slot];
        _lingerTimer[slot] = EventHandle.None;
        _lingerLevel[slot] = _lingerFree;
        _lingerFree = slot;
        long now = _sim.Now;
        qs.SyncTime(now);
        qs.ReleaseSeats(queue, seats, now);
        DispatchAsMuchAsPossible(qs);
    }
}
