using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: one priority level's queueSet, staging/src/k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing/
// queueset/queueset.go (algorithm in doc.go), for the whole request lifecycle StartRequest → dispatch →
// finish. Fair queuing for server requests over seat-seconds:
//   R(t), the virtual time, advances at dR/dt = min(seats requested, C) / (number of active queues), where a
//   queue is active while it has requests waiting or executing and C is the level's current concurrency
//   limit. A request's work is initialSeats × G + finalSeats × additionalLatency with G = 3 ms. A queue's
//   nextDispatchR is set to R when it turns active, advanced by a request's work when the request is
//   dispatched, and corrected by initialSeats × (G − actual duration) when it finishes; the virtual finish of
//   a queue's head is nextDispatchR + its work, and dispatch takes the queue with the smallest one (scanning
//   round-robin from after the last queue served, so ties go to the others). A head that needs more seats
//   than are free stops all dispatching until it fits (head-of-line blocking), unless it is wider than C and
//   nothing executes. A new request is shuffle-sharded by its flow hash onto handSize queues and joins the
//   one with the least waiting work; it is rejected when all seats are in use and that queue already holds
//   queueLengthLimit requests. Seats are held, max(initial, final), until additionalLatency after finish.
// Kept: all of the above, the anti-windup bound (nextDispatchR ≥ arrival R of the head), the reshaping of
// final seats wider than C, exempt (no limit) and reject-type (no queues) levels, the seat-demand gauge fed
// to borrowing, R as a wrapping 64-bit count with its epoch advance (syncTimeLocked/advanceEpoch), a waiting
// request's removal when its client gives up (request.wait's decisionCancel, through ApfDispatcher.Cancel).
// Left out: queue removal after a shrinking reconfiguration (configurations are fixed), metrics. Checked against
// upstream's own queueset tests by tests/Cascade.Tests/ControlPlane/Apf/UpstreamQueueSetTests.cs.
// One deliberate fix: when final seats are reshaped at dispatch, the waiting-seats total drops by the
// seats the request was counted with, not the reshaped ones (upstream would drift by the difference).

internal sealed class QueueSet
{
    // docs/sources.md §2.4: a request's initial work is estimated at 3 ms per seat (queueset.go estimatedServiceDuration).
    public const long EstimatedServiceDurationTicks = 3 * SimTime.TicksPerMillisecond;

    private struct FairQueue
    {
        public int Head, Tail, Length;      // FIFO of request ids linked through ApfRequest.Prev/Next
        public ulong NextDispatchR;         // seat-seconds (fixed point, wraps like upstream's uint64)
        public int RequestsExecuting;
        public int SeatsInUse;
        public long WaitingWork;            // queueSum.TotalWorkSum
        public int WaitingMaxSeats;         // queueSum.MaxSeatsSum
        public readonly bool Active => Length > 0 || RequestsExecuting > 0;
    }

    private readonly ApfDispatcher _owner;
    private readonly FairQueue[] _queues;
    // Bit i set ⇔ queue i has requests waiting: dispatch visits only those, in the same round-robin order.
    private readonly ulong[] _waitingMask;
    private readonly int _handSize;
    private readonly int[] _dealt;   // a hand dealt for a flow that keeps none (ShuffleShard)
    private readonly int _cardBits;
    private readonly ulong _handTag;
    private readonly int _queueLengthLimit;

    private ulong _currentR;
    private long _lastRealTime;
    private int _robinIndex;
    private int _handOffset;       // requests enqueued so far, modulo the hand size
    private int _activeQueues;

    public SeatDemandIntegrator Demand;
    public DroppedRequestsTracker Drops;

    public QueueSet(ApfDispatcher owner, int level, PriorityLevelConfiguration config, PriorityLevelLimits limits)
    {
        _owner = owner;
        Level = level;
        Name = config.Name;
        IsExempt = config.IsExempt;
        HasQueues = config.HasQueues;
        _queues = new FairQueue[HasQueues ? config.Queues : 0];
        _waitingMask = new ulong[(_queues.Length + 63) / 64];
        _handSize = HasQueues ? config.HandSize : 0;
        _dealt = new int[_handSize];
        _cardBits = ShuffleShardDealer.CardBits(_queues.Length);
        _handTag = ShuffleShardDealer.Tag(_queues.Length, _handSize);
        _queueLengthLimit = config.QueueLengthLimit;
        Limits = limits;
    }

    public int Level { get; }
    public string Name { get; }
    public bool IsExempt { get; }
    public bool HasQueues { get; }
    public PriorityLevelLimits Limits { get; }
    public int ConcurrencyLimit { get; private set; }

    public int TotRequestsWaiting { get; private set; }
    public int TotRequestsExecuting { get; private set; }
    public int TotSeatsInUse { get; private set; }
    public int TotSeatsWaiting { get; private set; }
    /// <summary>Times R was wound back by <see cref="SeatSeconds.EpochDecrement"/> (metrics.AddEpochAdvance).</summary>
    public long EpochAdvances { get; private set; }

    /// <summary>A fresh queueSet, as a restarted API server builds it: R = 0, empty queues, initial limit.</summary>
    public void Start(long now, int initialConcurrencyLimit)
    {
        Array.Clear(_queues);
        Array.Clear(_waitingMask);
        for (int i = 0; i < _queues.Length; i++) _queues[i].Head = _queues[i].Tail = -1;
        _currentR = 0;
        _lastRealTime = now;
        _robinIndex = -1;
        _handOffset = 0;
        _activeQueues = 0;
        TotRequestsWaiting = TotRequestsExecuting = TotSeatsInUse = TotSeatsWaiting = 0;
        ConcurrencyLimit = initialConcurrencyLimit;
        EpochAdvances = 0;
        Demand.Start(now);
        Drops.Start();
    }

    /// <summary>setConfiguration's dispatching part: the borrowing controller hands out a new limit.</summary>
    public void SetConcurrencyLimit(long now, int limit)
    {
        SyncTime(now);
        ConcurrencyLimit = limit;
    }

    /// <summary>syncTimeLocked: advance R by the rate that has held since the last change.</summary>
    public void SyncTime(long now)
    {
        long dt = now - _lastRealTime;
        _lastRealTime = now;
        if (dt <= 0 || _activeQueues == 0) return;
        double ratio = Math.Min(TotSeatsInUse + TotSeatsWaiting, ConcurrencyLimit) / (double)_activeQueues;
        _currentR += (ulong)SeatSeconds.Of(ratio, dt);
        if (_currentR >= SeatSeconds.EpochHigh) AdvanceEpoch();
    }

    /// <summary>
    /// advanceEpoch: wind R and every reading taken from it (active queues' nextDispatchR, waiting requests'
    /// arrival R) back by the same amount, so that R stays far from the top of its 64-bit range. Differences,
    /// which are all that fair queuing compares, are unchanged. An idle queue's stale reading becomes 0: the
    /// next request to reach it overwrites it with R anyway.
    /// </summary>
    private void AdvanceEpoch()
    {
        _currentR -= SeatSeconds.EpochDecrement;
        for (int i = 0; i < _queues.Length; i++)
        {
            ref FairQueue q = ref _queues[i];
            if (!q.Active)
            {
                q.NextDispatchR = 0;
                continue;
            }
            q.NextDispatchR -= SeatSeconds.EpochDecrement;
            for (int id = q.Head; id >= 0; id = _owner.Request(id).Next) _owner.Request(id).ArrivalR -= SeatSeconds.EpochDecrement;
        }
        EpochAdvances++;
    }

    /// <summary>
    /// StartRequest for a request whose slot the owner has filled. Does not dispatch queued requests. <paramref name="hand"/>
    /// is the flow's hand as <see cref="ShuffleShardDealer.Pack"/> gives it (one of another shape, or 0, is dealt here from the hash).
    /// </summary>
    public AdmitOutcome Start(int id, ulong hashValue, long now, ulong hand = 0)
    {
        SyncTime(now);
        ref ApfRequest r = ref _owner.Request(id);
        if (IsExempt)
        {
            DispatchSansQueue(ref r, now);
            return AdmitOutcome.Dispatched;
        }
        if (!HasQueues)
        {
            if (!CanAccommodateSeats(r.MaxSeats)) return AdmitOutcome.RejectedConcurrencyLimit;
            DispatchSansQueue(ref r, now);
            return AdmitOutcome.Dispatched;
        }
        int qi = ShuffleShard(hashValue, hand);
        ref FairQueue q = ref _queues[qi];
        // rejectOrEnqueueToBoundLocked: reject only when every seat is taken and the chosen queue is full.
        if (TotSeatsInUse >= ConcurrencyLimit && q.Length >= _queueLengthLimit) return AdmitOutcome.RejectedQueueFull;

        if (!q.Active)
        {
            q.NextDispatchR = _currentR;
            _activeQueues++;
        }
        r.Queue = qi;
        r.ArrivalR = _currentR;
        r.State = ApfRequest.Queued;
        r.Next = -1;
        r.Prev = q.Tail;
        if (q.Tail >= 0) _owner.Request(q.Tail).Next = id; else q.Head = id;
        q.Tail = id;
        if (q.Length++ == 0) _waitingMask[qi >> 6] |= 1UL << (qi & 63);
        q.WaitingWork += r.TotalWork;
        q.WaitingMaxSeats += r.MaxSeats;
        TotRequestsWaiting++;
        TotSeatsWaiting += r.MaxSeats;
        BoundNextDispatch(ref q);
        NoteDemand(now);
        return AdmitOutcome.Queued;
    }

    /// <summary>
    /// dispatchLocked: moves the head of the queue with the smallest virtual finish time to executing and
    /// returns its id, or −1 when that head cannot be accommodated (everything waits behind it).
    /// </summary>
    public int DispatchOne(long now)
    {
        int minIndex = NextQueue();
        if (minIndex < 0) return -1;
        ref FairQueue q = ref _queues[minIndex];
        int id = q.Head;
        ref ApfRequest r = ref _owner.Request(id);
        if (!CanAccommodateSeats(r.MaxSeats)) return -1;

        int waitingSeats = r.MaxSeats;
        q.Head = r.Next;
        if (q.Head >= 0) _owner.Request(q.Head).Prev = -1; else q.Tail = -1;
        r.Next = r.Prev = -1;
        if (--q.Length == 0) _waitingMask[minIndex >> 6] &= ~(1UL << (minIndex & 63));
        q.WaitingWork -= r.TotalWork;
        q.WaitingMaxSeats -= waitingSeats;
        TotRequestsWaiting--;
        TotSeatsWaiting -= waitingSeats;

        // Final seats wider than the whole level are narrowed to it, keeping the same final work.
        if (r.FinalSeats > ConcurrencyLimit && ConcurrencyLimit >= 1)
        {
            r.AdditionalLatencyTicks = SeatSeconds.TicksPerSeat(r.FinalWork, ConcurrencyLimit);
            r.FinalSeats = ConcurrencyLimit;
        }
        _robinIndex = minIndex;

        r.StartTime = now;
        r.State = ApfRequest.Executing;
        TotRequestsExecuting++;
        TotSeatsInUse += r.MaxSeats;
        q.RequestsExecuting++;
        q.SeatsInUse += r.MaxSeats;
        q.NextDispatchR += (ulong)r.TotalWork;
        BoundNextDispatch(ref q);
        NoteDemand(now);
        return id;
    }

    /// <summary>The queue whose head is dispatched next: the smallest virtual finish, round-robin from just after the last queue served; −1 if none waits.</summary>
    private int NextQueue()
    {
        ulong minVirtualFinish = ulong.MaxValue;
        int minIndex = -1;
        int nq = _queues.Length;
        int start = _robinIndex + 1 >= nq ? 0 : _robinIndex + 1;
        // [start, nq) then [0, start).
        ScanWaiting(start, nq, ref minVirtualFinish, ref minIndex);
        ScanWaiting(0, start, ref minVirtualFinish, ref minIndex);
        return minIndex;
    }

    /// <summary>Seats of the request dispatched next (0 if none waits): it waits because they do not fit.</summary>
    public int NextSeats()
    {
        int q = NextQueue();
        return q < 0 ? 0 : _owner.Request(_queues[q].Head).MaxSeats;
    }

    /// <summary>
    /// finishRequestLocked up to the seat release, which the owner does now or after the additional latency:
    /// corrects the queue's virtual start by initialSeats × (G − actual duration).
    /// </summary>
    public void Finish(ref ApfRequest r, long now)
    {
        SyncTime(now);
        TotRequestsExecuting--;
        if (r.Queue >= 0)
        {
            ref FairQueue q = ref _queues[r.Queue];
            q.RequestsExecuting--;
            if (!q.Active) _activeQueues--;
            long actual = now - r.StartTime;
            // Usually a negative correction (the request ran longer than G): subtracting its two's complement
            // adds, exactly as upstream's uint64 arithmetic does.
            q.NextDispatchR -= (ulong)SeatSeconds.Of(r.InitialSeats, EstimatedServiceDurationTicks - actual);
            BoundNextDispatch(ref q);
        }
    }

    /// <summary>releaseSeatsLocked.</summary>
    public void ReleaseSeats(int queue, int seats, long now)
    {
        TotSeatsInUse -= seats;
        if (queue >= 0) _queues[queue].SeatsInUse -= seats;
        NoteDemand(now);
    }

    /// <summary>Visits the queues in [from, to) that have requests waiting, ascending, keeping the first smallest virtual finish.</summary>
    private void ScanWaiting(int from, int to, ref ulong minVirtualFinish, ref int minIndex)
    {
        for (int word = from >> 6; word <= (to - 1) >> 6 && from < to; word++)
        {
            ulong bits = _waitingMask[word];
            int lo = word << 6;
            if (from > lo) bits &= ~0UL << (from - lo);
            int hiExclusive = to - lo;
            if (hiExclusive < 64) bits &= (1UL << hiExclusive) - 1;
            while (bits != 0)
            {
                int i = lo + System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                ref FairQueue cand = ref _queues[i];
                ulong virtualFinish = cand.NextDispatchR + (ulong)_owner.Request(cand.Head).TotalWork;
                if (virtualFinish < minVirtualFinish)
                {
                    minVirtualFinish = virtualFinish;
                    minIndex = i;
                }
            }
        }
    }

    /// <summary>A queued request's wait limit expired: take it out of its queue (the caller rejects it).</summary>
    public void RemoveWaiting(ref ApfRequest r, long now)
    {
        SyncTime(now);
        ref FairQueue q = ref _queues[r.Queue];
        if (r.Prev >= 0) _owner.Request(r.Prev).Next = r.Next; else q.Head = r.Next;
        if (r.Next >= 0) _owner.Request(r.Next).Prev = r.Prev; else q.Tail = r.Prev;
        r.Next = r.Prev = -1;
        if (--q.Length == 0) _waitingMask[r.Queue >> 6] &= ~(1UL << (r.Queue & 63));
        q.WaitingWork -= r.TotalWork;
        q.WaitingMaxSeats -= r.MaxSeats;
        if (!q.Active) _activeQueues--;
        TotRequestsWaiting--;
        TotSeatsWaiting -= r.MaxSeats;
        BoundNextDispatch(ref q);
        NoteDemand(now);
    }

    /// <summary>canAccommodateSeatsLocked.</summary>
    private bool CanAccommodateSeats(int seats)
    {
        if (IsExempt) return true;
        // A request wider than the level may run alone (upstream's stop-gap until borrowing).
        if (seats > ConcurrencyLimit) return TotRequestsExecuting == 0;
        return TotSeatsInUse + seats <= ConcurrencyLimit;
    }

    private void DispatchSansQueue(ref ApfRequest r, long now)
    {
        r.Queue = -1;
        r.StartTime = now;
        r.State = ApfRequest.Executing;
        TotRequestsExecuting++;
        TotSeatsInUse += r.MaxSeats;
        NoteDemand(now);
    }

    /// <summary>shuffleShardLocked: deal the flow's hand; join the queue with the least waiting work.</summary>
    private int ShuffleShard(ulong hashValue, ulong packedHand)
    {
        // A flow's hand is usually kept with it, packed (its cards are read from the word); else it is dealt here, into
        // a buffer of this queue set's (no stack allocation per request).
        bool packed = ShuffleShardDealer.IsHandOf(packedHand, _handTag);
        if (!packed) ShuffleShardDealer.Deal(hashValue, _queues.Length, _dealt);
        // Visit the hand from a rotating offset (the enqueue count modulo the hand) so that equal queues are not
        // always resolved the same way; the offset and the card are wrapped by comparison, not by division.
        int k = _handOffset;
        _handOffset = k + 1 == _handSize ? 0 : k + 1;
        int best = -1;
        long bestWork = long.MaxValue;
        for (int i = 0; i < _handSize; i++)
        {
            int qi = packed ? ShuffleShardDealer.Card(packedHand, k, _cardBits) : _dealt[k];
            if (++k == _handSize) k = 0;
            long work = _queues[qi].WaitingWork;
            if (work < bestWork)
            {
                bestWork = work;
                best = qi;
            }
        }
        return best;
    }

    /// <summary>boundNextDispatchLocked, the anti-windup bound: virtual dispatch never precedes the head's arrival.</summary>
    private void BoundNextDispatch(ref FairQueue q)
    {
        if (q.Head < 0) return;
        ulong arrivalR = _owner.Request(q.Head).ArrivalR;
        if (q.NextDispatchR < arrivalR) q.NextDispatchR = arrivalR;
    }

    private void NoteDemand(long now) => Demand.Set(now, TotSeatsInUse + TotSeatsWaiting);
}

internal enum AdmitOutcome { Dispatched, Queued, RejectedQueueFull, RejectedConcurrencyLimit }

/// <summary>Per-request state, in an array indexed by request id (no object per request).</summary>
internal struct ApfRequest
{
    public const int Free = 0, Queued = 1, Executing = 2;

    public int State;
    public int Level;
    public int Queue;             // −1 when the request did not go through a queue
    public int Token;             // bumped at every admission, so a stale timer cannot touch a reused id
    public int Owner;             // the dispatcher (replica) holding it, in a table its sibling replicas share
    public int Prev, Next;        // FIFO links within the queue
    public int InitialSeats, FinalSeats;
    public long AdditionalLatencyTicks;
    public long TotalWork, FinalWork;  // seat-seconds, fixed point
    public ulong ArrivalR;
    public long StartTime;
    public EventHandle QueueWaitTimer;

    public readonly int MaxSeats => Math.Max(InitialSeats, FinalSeats);
}

/// <summary>
/// APF's per-request state, indexed by the host's request id. The replicas of one API server set share one
/// table: a request is queued or executing at one replica at a time, and each entry names the dispatcher
/// holding it, so a dispatcher sees only its own requests.
/// </summary>
internal sealed class ApfRequestTable
{
    private int _owners;

    public ApfRequest[] Items = NewItems(1024, 0);

    public int NewOwner() => ++_owners;

    /// <summary>Reads request <paramref name="id"/>'s entry (to bring it into the cache ahead of its admission); the value means nothing.</summary>
    public int Warm(int id) => (uint)id < (uint)Items.Length ? Items[id].State : 0;

    public void EnsureCapacity(int id)
    {
        if (id < Items.Length) return;
        int n = Items.Length;
        while (n <= id) n *= 2;
        var grown = NewItems(n, Items.Length);
        Array.Copy(Items, grown, Items.Length);
        Items = grown;
    }

    private static ApfRequest[] NewItems(int n, int from)
    {
        var items = new ApfRequest[n];
        for (int i = from; i < n; i++) items[i].QueueWaitTimer = EventHandle.None;
        return items;
    }
}
