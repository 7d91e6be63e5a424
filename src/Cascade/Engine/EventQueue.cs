namespace Cascade.Engine;

/// <summary>
/// The pending-event set: an array-backed quaternary min-heap ordered by (time, sequence), where the
/// sequence is the insertion order, so simultaneous events run first-in first-out, deterministically
/// (the same tie-break as SimPy's (time, priority, eid) heap). Each event lives in a slot of a pooled
/// slot table; the heap holds slot numbers and each slot remembers its heap position, so cancelling is
/// an O(log n) removal rather than a tombstone left to rot (timeouts are cancelled far more often than
/// they fire). Slots are recycled through a free list and carry a generation counter, so a stale
/// <see cref="EventHandle"/> can never cancel a newer event. Nothing here allocates once the arrays have
/// grown to the run's high-water mark.
///
/// Beside the heap sit a few FIFO lanes, one per fixed delay a model schedules at over and over (a status
/// period, APF's queue-wait limit, a Retry-After). Every event a lane holds was scheduled at now + the same
/// delay, and now never runs backwards, so a lane is already in (time, sequence) order: appending is O(1),
/// and popping takes the least of the heap's top and the lanes' heads, so events run in exactly the order the
/// heap alone would give. A lane event needs no slot: its handle names its lane and its place in the lane's order
/// (the k-th event ever appended sits at ring index k modulo the ring's size), and cancelling it clears its entry,
/// which is skipped when it reaches the head. The heap then holds only the irregular events and stays small.
///
/// The heap itself is two: events due within <see cref="DefaultNearTicks"/> of now (the last popped event) (processor-sharing
/// completions, token waits, back-offs) go to a small near heap, the rest (watch timeouts, resyncs, minutes ahead) to a
/// far one. A near event is pushed through a heap of tens of entries rather than the thousands of far ones, which its
/// sift would otherwise climb through; popping takes the least of both tops and the lanes' heads, so the order is again
/// exactly the one heap's. Which heap an event sits in is only where it waits.
///
/// Beside them sits a timing wheel, for events scheduled a period ahead that is jittered, so that no lane can hold
/// them (a Lease renewed every 10 s stretched by up to 4 %): buckets of 1,024 ticks over a horizon past the longest
/// such delay, each bucket a list in (time, sequence) order. A push goes into its bucket's list, whose few entries it
/// walks; the earliest entry is the first of the first non-empty bucket from now's, found through a bitmap. Its
/// events cannot be cancelled. They too run in exactly the heap's order.
///
/// Memory, not arithmetic, is what an event costs in a large model: tens of thousands of events wait at once, so
/// whatever is read per event at random is a cache miss. What the sifts touch (a slot's heap position, generation and
/// free-list link) is kept in 16 bytes per slot apart from the payload, and a lane event touches only its own entry in
/// its ring, read and written in order.
/// </summary>
public sealed class EventQueue
{
    // What a heap event runs; a lane event's is in its lane entry instead.
    private struct Payload
    {
        public IEventHandler? Handler;
        public long Arg;
    }

    // A heap event's slot bookkeeping, 16 bytes: its heap index (-1 free); its generation, bumped when it is freed so
    // that a stale handle is recognised; the next free slot; the event's kind.
    private struct SlotState
    {
        public int HeapIndex;
        public int Generation;
        public int NextFree;
        public int Kind;
    }

    /// <summary>The most lanes a queue keeps; further fixed delays use the heap.</summary>
    public const int MaxLanes = 32;

    // Heap entries carry their own ordering key, so sifting reads one contiguous array (no slot lookups).
    private struct Entry
    {
        public long Time;
        public long Sequence;
        public int Slot;
    }

    // A lane event; no handler: cancelled (or run).
    private struct LaneEntry
    {
        public long Time;
        public long Sequence;
        public IEventHandler? Handler;
        public long Arg;
        public int Kind;
    }

    // A lane: a ring of entries in (time, sequence) order. The k-th entry ever appended (k from 0) sits at ring index
    // k modulo the ring's length, so a handle finds its entry from k alone; Popped entries have left the head.
    private sealed class Lane(long delay)
    {
        public readonly long Delay = delay;
        public LaneEntry[] Ring = new LaneEntry[256];
        public long Popped;
        public int Count;
        public int Head => (int)Popped & (Ring.Length - 1);
        public ref LaneEntry At(long k) => ref Ring[(int)k & (Ring.Length - 1)];
        public bool Holds(long k) => k >= Popped && k < Popped + Count;
    }

    // A quaternary min-heap of entries by (time, sequence); a slot in it has HeapIndex = Base + its index there.
    private sealed class Heap(int capacity, int indexBase)
    {
        public Entry[] Items = new Entry[capacity];
        public int Count;
        public readonly int Base = indexBase;

        public void Add(Entry e, SlotState[] state)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
            SiftUp(Count++, e, state);
        }

        public void RemoveAt(int i, SlotState[] state)
        {
            int last = --Count;
            if (i == last) return;
            Entry moved = Items[last];
            if (i > 0 && Less(moved, Items[(i - 1) >> 2])) SiftUp(i, moved, state);
            else SiftDown(i, moved, state);
        }

        /// <summary>Places <paramref name="e"/> at hole <paramref name="i"/> or above.</summary>
        private void SiftUp(int i, Entry e, SlotState[] state)
        {
            var items = Items;
            while (i > 0)
            {
                int parent = (i - 1) >> 2;
                if (!Less(e, items[parent])) break;
                items[i] = items[parent];
                state[items[i].Slot].HeapIndex = Base + i;
                i = parent;
            }
            items[i] = e;
            state[e.Slot].HeapIndex = Base + i;
        }

        /// <summary>Places <paramref name="e"/> at hole <paramref name="i"/> or below.</summary>
        private void SiftDown(int i, Entry e, SlotState[] state)
        {
            var items = Items;
            int n = Count;
            while (true)
            {
                int first = (i << 2) + 1;
                if (first >= n) break;
                int best = first;
                int last = Math.Min(first + 4, n);
                for (int c = first + 1; c < last; c++)
                    if (Less(items[c], items[best])) best = c;
                if (!Less(items[best], e)) break;
                items[i] = items[best];
                state[items[i].Slot].HeapIndex = Base + i;
                i = best;
            }
            items[i] = e;
            state[e.Slot].HeapIndex = Base + i;
        }
    }

    /// <summary>Events due within this many ticks of the last popped one wait in the near heap (a second).</summary>
    public const long DefaultNearTicks = SimTime.TicksPerSecond;

    // A far slot's HeapIndex is FarBase + its index in the far heap (no heap reaches 2^30 entries).
    private const int FarBase = 1 << 30;

    // Per slot: its state and its event's payload (heap events only).
    private SlotState[] _state;
    private Payload[] _payload;
    private readonly Heap _near, _far;
    private readonly long _nearTicks;
    private long _clock;          // the last popped event's time, or a later horizon (AdvanceTo): "now" for choosing a heap
    private Lane[] _lanes = [];
    private int _laneEvents;    // live events in lanes
    private int _freeHead = -1;
    private int _slotsUsed;
    private long _nextSequence;

    /// <param name="initialCapacity">Slots to start with (they grow as needed).</param>
    /// <param name="nearTicks">Events due within this many ticks of the last popped event go to the near heap, the rest to the far one.</param>
    public EventQueue(int initialCapacity = 1024, long nearTicks = DefaultNearTicks)
    {
        if (nearTicks <= 0) throw new ArgumentOutOfRangeException(nameof(nearTicks));
        int n = Math.Max(4, initialCapacity);
        _state = new SlotState[n];
        _payload = new Payload[n];
        _near = new Heap(n, 0);
        _far = new Heap(n, FarBase);
        _nearTicks = nearTicks;
    }

    public int Count => _near.Count + _far.Count + _laneEvents + (_wheel?.Count ?? 0);

    /// <summary>Events waiting on the timing wheel (for tests).</summary>
    internal int WheelCount => _wheel?.Count ?? 0;

    /// <summary>Events waiting in the far heap (for tests: which heap holds an event changes nothing else).</summary>
    internal int FarCount => _far.Count;

    /// <summary>
    /// The lane for events scheduled <paramref name="delayTicks"/> ahead, made on first use; -1 when every lane
    /// is taken (the heap serves those events as before).
    /// </summary>
    public int LaneFor(long delayTicks)
    {
        for (int l = 0; l < _lanes.Length; l++) if (_lanes[l].Delay == delayTicks) return l;
        if (_lanes.Length == MaxLanes) return -1;
        Array.Resize(ref _lanes, _lanes.Length + 1);
        _lanes[^1] = new Lane(delayTicks);
        Array.Resize(ref _laneHeadTime, _lanes.Length);
        Array.Resize(ref _laneHeadSeq, _lanes.Length);
        _laneHeadTime[^1] = SimTime.Never;   // an empty lane: the earliest lane, if known, stays so
        // The lane index by delay: a delay whose entry is taken goes to the next free one (linear probing; the table
        // has twice the entries lanes can fill, so a look that finds nothing ends at a free entry soon).
        int i = LaneHash(delayTicks);
        while (_laneByDelay[i] >= 0) i = (i + 1) & (LaneTable - 1);
        _laneByDelay[i] = (sbyte)(_lanes.Length - 1);
        return _lanes.Length - 1;
    }

    // Lane indices by a hash of their delay (-1: none), so that scheduling any event finds its lane, or that it has
    // none, in a look or two rather than a scan of the lanes.
    private const int LaneHashBits = 6, LaneTable = 1 << LaneHashBits;
    private readonly sbyte[] _laneByDelay = NoLanes();

    private static sbyte[] NoLanes()
    {
        var table = new sbyte[LaneTable];
        Array.Fill(table, (sbyte)-1);
        return table;
    }

    internal static int LaneHash(long delayTicks) => (int)((ulong)delayTicks * 0x9E3779B97F4A7C15UL >> (64 - LaneHashBits));

    /// <summary>The lane of this fixed delay, or -1 if there is none.</summary>
    public int FindLane(long delayTicks)
    {
        for (int i = LaneHash(delayTicks); ; i = (i + 1) & (LaneTable - 1))
        {
            int l = _laneByDelay[i];
            if (l < 0) return -1;
            if (_lanes[l].Delay == delayTicks) return l;
        }
    }

    /// <summary>Appends an event at <paramref name="time"/> to lane <paramref name="lane"/>; the caller guarantees time = now + the lane's delay.</summary>
    public EventHandle PushLane(int lane, long time, IEventHandler handler, int kind, long arg)
    {
        var l = _lanes[lane];
        if (l.Count == l.Ring.Length) GrowLane(l);
        long k = l.Popped + l.Count;
        l.At(k) = new LaneEntry { Time = time, Sequence = _nextSequence++, Handler = handler, Kind = kind, Arg = arg };
        if (l.Count++ == 0)
        {
            SetHead(lane);
            NoteNewHead(lane);
        }
        _laneEvents++;
        return LaneHandle(lane, k);
    }

    /// <summary>Doubles a full ring; every entry moves to its index modulo the new length.</summary>
    private static void GrowLane(Lane l)
    {
        var ring = new LaneEntry[l.Ring.Length * 2];
        for (long k = l.Popped; k < l.Popped + l.Count; k++) ring[(int)k & (ring.Length - 1)] = l.At(k);
        l.Ring = ring;
    }

    // A lane event's handle: Slot = -2 - (lane + 32 × the high half of k), Generation = the low half of k (heap
    // events have slots from 0, and None is -1). Exact for k below 2^57: a lane would take 4,500 years of a million
    // events a second to pass it.
    private const int LaneBits = 5; // MaxLanes = 2^LaneBits
    internal static EventHandle LaneHandle(int lane, long k) => new(-2 - (lane | (int)(k >> 32) << LaneBits), unchecked((int)k));

    internal static (int Lane, long K) OfLaneHandle(EventHandle h)
    {
        int v = -2 - h.Slot;
        return (v & (MaxLanes - 1), (long)(v >> LaneBits) << 32 | (uint)h.Generation);
    }

    // Each lane's head key, kept beside the lanes so choosing the earliest reads two small arrays (Never: empty).
    private long[] _laneHeadTime = [], _laneHeadSeq = [];

    private void SetHead(int lane)
    {
        var l = _lanes[lane];
        if (l.Count == 0)
        {
            _laneHeadTime[lane] = SimTime.Never;
            return;
        }
        ref LaneEntry h = ref l.Ring[l.Head];
        _laneHeadTime[lane] = h.Time;
        _laneHeadSeq[lane] = h.Sequence;
    }

    // Which lane's head is earliest is remembered between pops, with the earliest head of the other lanes: popping
    // the earliest lane keeps it earliest while its next head still comes before that second one (a dense lane, such
    // as a storm's queue-wait time-outs, is popped many times in a row), and a push to an empty lane is compared with both.
    // Anything else sends the next look to a scan of the heads.
    private int _best = -1;
    private bool _bestKnown;
    private long _secondTime = SimTime.Never, _secondSeq;

    private static bool Before(long time, long seq, long otherTime, long otherSeq) =>
        time < otherTime || (time == otherTime && seq < otherSeq);

    /// <summary>The lane whose head is earliest in (time, sequence); -1 if all are empty. The head may be a cancelled event.</summary>
    private int EarliestLane()
    {
        if (!_bestKnown) ScanHeads();
        return _best;
    }

    /// <summary>Finds the earliest lane head and the earliest of the others.</summary>
    private void ScanHeads()
    {
        int best = -1;
        long bestTime = SimTime.Never, bestSeq = 0, secondTime = SimTime.Never, secondSeq = 0;
        var times = _laneHeadTime;
        for (int i = 0; i < times.Length; i++)
        {
            long t = times[i];
            if (t == SimTime.Never) continue;
            long q = _laneHeadSeq[i];
            if (best < 0 || Before(t, q, bestTime, bestSeq))
            {
                (secondTime, secondSeq) = (bestTime, bestSeq);
                (best, bestTime, bestSeq) = (i, t, q);
            }
            else if (Before(t, q, secondTime, secondSeq)) (secondTime, secondSeq) = (t, q);
        }
        _best = best;
        (_secondTime, _secondSeq) = (secondTime, secondSeq);
        _bestKnown = true;
    }

    /// <summary>Lane <paramref name="lane"/> was empty and has a head now.</summary>
    private void NoteNewHead(int lane)
    {
        if (!_bestKnown) return;
        long t = _laneHeadTime[lane], q = _laneHeadSeq[lane];
        if (_best < 0) _best = lane;
        else if (Before(t, q, _laneHeadTime[_best], _laneHeadSeq[_best]))
        {
            (_secondTime, _secondSeq) = (_laneHeadTime[_best], _laneHeadSeq[_best]);
            _best = lane;
        }
        else if (Before(t, q, _secondTime, _secondSeq)) (_secondTime, _secondSeq) = (t, q);
    }

    /// <summary>The head of lane <paramref name="lane"/>, the earliest (only the earliest lane is popped), was taken off: is it still the earliest?</summary>
    private void NoteHeadTaken(int lane)
    {
        if (!_bestKnown) return;
        long t = _laneHeadTime[lane];
        if (t == SimTime.Never || !Before(t, _laneHeadSeq[lane], _secondTime, _secondSeq)) _bestKnown = false;
    }

    /// <summary>Takes lane <paramref name="lane"/>'s head off; false if it was a cancelled event.</summary>
    private bool PopLaneHead(int lane, out IEventHandler handler, out int kind, out long arg)
    {
        var l = _lanes[lane];
        ref LaneEntry h = ref l.Ring[l.Head];
        handler = h.Handler!;
        kind = h.Kind;
        arg = h.Arg;
        bool live = handler is not null;
        h.Handler = null;   // the ring keeps no handler alive
        l.Popped++;
        l.Count--;
        SetHead(lane);
        NoteHeadTaken(lane);
        return live;
    }

    /// <summary>Drops cancelled events from the lanes' heads, so the earliest head is a live event.</summary>
    private int EarliestLiveLane()
    {
        while (true)
        {
            int lane = EarliestLane();
            if (lane < 0) return -1;
            var l = _lanes[lane];
            if (l.Ring[l.Head].Handler is not null) return lane;
            PopLaneHead(lane, out _, out _, out _);
        }
    }

    private long _warmed; // what the reads made ahead of use gave: kept, so that the reads are made

    /// <summary>The heap whose top comes first (the near one when both are empty).</summary>
    private Heap EarlierHeap()
    {
        Heap near = _near, far = _far;
        if (far.Count == 0) return near;
        if (near.Count == 0) return far;
        return Less(far.Items[0], near.Items[0]) ? far : near;
    }

    /// <summary>True if lane <paramref name="lane"/>'s head comes before heap <paramref name="heap"/>'s top.</summary>
    private bool LaneFirst(int lane, Heap heap)
    {
        if (lane < 0) return false;
        if (heap.Count == 0) return true;
        ref Entry top = ref heap.Items[0];
        long t = _laneHeadTime[lane];
        return t < top.Time || (t == top.Time && _laneHeadSeq[lane] < top.Sequence);
    }

    // ---------------------------------------------------------------- the timing wheel

    // An event on the wheel: its key and payload, and the next entry of its bucket (or of the free list).
    private struct WheelEntry
    {
        public long Time, Sequence, Arg;
        public IEventHandler? Handler;
        public int Kind, Next;
    }

    private sealed class Wheel
    {
        public const int Shift = 10;                  // buckets of 1,024 ticks
        public readonly int Mask;                     // buckets - 1
        public readonly int[] First;                  // per bucket: its first entry, -1 when empty
        public readonly ulong[] Occupied;             // per bucket: a bit, set while it holds an entry
        public WheelEntry[] Entries = new WheelEntry[256];
        public int Free = -1, Used, Count;

        public Wheel(long maxDelayTicks)
        {
            int buckets = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)((maxDelayTicks >> Shift) + 2));
            Mask = buckets - 1;
            First = new int[buckets];
            Array.Fill(First, -1);
            Occupied = new ulong[Math.Max(1, buckets >> 6)];
        }

        /// <summary>Events due this many ticks ahead or later go to the heap: the wheel's buckets would wrap onto now's.</summary>
        public long Horizon => (long)Mask << Shift;
    }

    private Wheel? _wheel;
    private int _wheelEvents;   // the wheel's Count, kept here so that a pop tests one field
    private long _wheelHeadTime = SimTime.Never, _wheelHeadSeq;
    private int _wheelHeadBucket;   // the wheel's earliest entry is the first of this bucket (Never: the wheel is empty)

    /// <summary>Makes the timing wheel, for events up to <paramref name="maxDelayTicks"/> ahead (the first call sizes it).</summary>
    public void UseWheel(long maxDelayTicks) => _wheel ??= new Wheel(maxDelayTicks);

    /// <summary>Puts an event at <paramref name="time"/> on the wheel; false (nothing done) when there is none or the time lies past its horizon.</summary>
    public bool TryPushWheel(long time, IEventHandler handler, int kind, long arg)
    {
        var w = _wheel;
        if (w is null || time - _clock >= w.Horizon) return false;
        int e = w.Free;
        if (e >= 0) w.Free = w.Entries[e].Next;
        else
        {
            if (w.Used == w.Entries.Length) Array.Resize(ref w.Entries, w.Used * 2);
            e = w.Used++;
        }
        long seq = _nextSequence++;
        var entries = w.Entries;
        ref WheelEntry x = ref entries[e];
        x.Time = time;
        x.Sequence = seq;
        x.Handler = handler;
        x.Kind = kind;
        x.Arg = arg;
        // After every entry of the bucket due no later: those have smaller sequences.
        int b = (int)(time >> Wheel.Shift) & w.Mask;
        int prev = -1, next = w.First[b];
        while (next >= 0 && entries[next].Time <= time)
        {
            prev = next;
            next = entries[next].Next;
        }
        x.Next = next;
        if (prev < 0) w.First[b] = e;
        else entries[prev].Next = e;
        w.Occupied[b >> 6] |= 1UL << b;
        w.Count++;
        _wheelEvents++;
        if (Before(time, seq, _wheelHeadTime, _wheelHeadSeq))
        {
            (_wheelHeadTime, _wheelHeadSeq) = (time, seq);
            _wheelHeadBucket = b;
        }
        return true;
    }

    /// <summary>Finds the wheel's earliest entry: the first of the first non-empty bucket from now's on (every entry lies within the horizon from now).</summary>
    private void FindWheelHead()
    {
        var w = _wheel!;
        if (w.Count == 0)
        {
            _wheelHeadTime = SimTime.Never;
            return;
        }
        int buckets = w.Mask + 1, from = (int)(_clock >> Wheel.Shift) & w.Mask;
        var bits = w.Occupied;
        int b;
        if (buckets <= 64)
        {
            // One word: rotated so that now's bucket is bit 0.
            ulong all = bits[0], mask = buckets == 64 ? ulong.MaxValue : (1UL << buckets) - 1;
            b = (from + System.Numerics.BitOperations.TrailingZeroCount(((all >> from) | (all << (buckets - from))) & mask)) & w.Mask;
        }
        else
            for (int at = from; ; at = (at + 64) & w.Mask)
            {
                // The 64 buckets from `at` on, as one word of the bitmap (wrapping round its end).
                ulong word = bits[at >> 6] >> (at & 63);
                if ((at & 63) != 0) word |= bits[((at >> 6) + 1) & (bits.Length - 1)] << (64 - (at & 63));
                if (word != 0)
                {
                    b = (at + System.Numerics.BitOperations.TrailingZeroCount(word)) & w.Mask;
                    break;
                }
            }
        ref WheelEntry h = ref w.Entries[w.First[b]];
        (_wheelHeadTime, _wheelHeadSeq, _wheelHeadBucket) = (h.Time, h.Sequence, b);
    }

    /// <summary>Takes the wheel's earliest entry off.</summary>
    private void PopWheelHead(out IEventHandler handler, out int kind, out long arg)
    {
        var w = _wheel!;
        int b = _wheelHeadBucket, e = w.First[b];
        ref WheelEntry h = ref w.Entries[e];
        handler = h.Handler!;
        kind = h.Kind;
        arg = h.Arg;
        h.Handler = null;
        int next = h.Next;
        h.Next = w.Free;
        w.Free = e;
        w.Count--;
        _wheelEvents--;
        w.First[b] = next;
        if (next >= 0)
        {
            ref WheelEntry n = ref w.Entries[next];
            (_wheelHeadTime, _wheelHeadSeq) = (n.Time, n.Sequence);
        }
        else
        {
            // The next head is looked for now, not at the next pop: its entry, written a period ago, is a cache miss,
            // which then overlaps the handling of this event instead of stalling the next pop.
            w.Occupied[b >> 6] &= ~(1UL << b);
            FindWheelHead();
        }
    }

    private const int WheelPopped = 1, WheelNotDue = 2;

    /// <summary>
    /// Pops the wheel's earliest event if it comes first (<see cref="WheelPopped"/>), or says it comes first but after
    /// <paramref name="untilTime"/> (<see cref="WheelNotDue"/>), or that the heap or a lane comes first (0), or that a
    /// cancelled lane head was dropped and the look must start again (-1).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private int TryPopWheel(int lane, Heap heap, long untilTime, out long time, out IEventHandler handler, out int kind, out long arg)
    {
        time = 0;
        Nothing(out handler, out kind, out arg);
        // A cancelled lane head must not stand in front of the wheel's: drop it first.
        if (lane >= 0 && _lanes[lane].Ring[_lanes[lane].Head].Handler is null)
        {
            PopLaneHead(lane, out _, out _, out _);
            return -1;
        }
        if (!WheelFirst(lane, heap)) return 0;
        time = _wheelHeadTime;
        if (time > untilTime) return WheelNotDue;
        _clock = time;   // first: the next head is found from now's bucket
        PopWheelHead(out handler, out kind, out arg);
        return WheelPopped;
    }

    /// <summary>The wheel's earliest event comes before lane <paramref name="lane"/>'s head and heap <paramref name="heap"/>'s top (the wheel is not empty).</summary>
    private bool WheelFirst(int lane, Heap heap)
    {
        long t = _wheelHeadTime, q = _wheelHeadSeq;
        if (lane >= 0 && !Before(t, q, _laneHeadTime[lane], _laneHeadSeq[lane])) return false;
        if (heap.Count == 0) return true;
        ref Entry top = ref heap.Items[0];
        return Before(t, q, top.Time, top.Sequence);
    }

    public EventHandle Push(long time, IEventHandler handler, int kind, long arg)
    {
        int s = AllocateSlot();
        ref Payload p = ref _payload[s];
        p.Handler = handler;
        p.Arg = arg;
        _state[s].Kind = kind;
        var heap = time - _clock < _nearTicks ? _near : _far;
        heap.Add(new Entry { Time = time, Sequence = _nextSequence++, Slot = s }, _state);
        return new EventHandle(s, _state[s].Generation);
    }

    /// <summary>The owner's clock moved to <paramref name="time"/> without an event (a run stopped at its horizon).</summary>
    public void AdvanceTo(long time)
    {
        if (time > _clock) _clock = time;
    }

    /// <summary>Time of the earliest pending event; <see cref="SimTime.Never"/> when empty.</summary>
    public long PeekTime
    {
        get
        {
            int lane = _laneEvents == 0 ? -1 : EarliestLiveLane();
            var heap = EarlierHeap();
            if (_wheelEvents != 0 && WheelFirst(lane, heap)) return _wheelHeadTime;
            if (LaneFirst(lane, heap)) return _laneHeadTime[lane];
            return heap.Count == 0 ? SimTime.Never : heap.Items[0].Time;
        }
    }

    /// <summary>Removes the earliest event and returns its contents.</summary>
    public bool TryPop(out long time, out IEventHandler handler, out int kind, out long arg) =>
        TryPop(long.MaxValue, out time, out handler, out kind, out arg);

    /// <summary>Removes the earliest event if it is due by <paramref name="untilTime"/>, and returns its contents.</summary>
    public bool TryPop(long untilTime, out long time, out IEventHandler handler, out int kind, out long arg)
    {
        int s;
        while (true)
        {
            int lane = _laneEvents == 0 ? -1 : EarliestLane();
            var heap = EarlierHeap();
            if (_wheelEvents != 0)
            {
                // Out of line: a queue without timers (the kernel's) pays one test for the wheel.
                int taken = TryPopWheel(lane, heap, untilTime, out time, out handler, out kind, out arg);
                if (taken > 0) return taken == WheelPopped;
                if (taken < 0) continue;
            }
            if (LaneFirst(lane, heap))
            {
                time = _laneHeadTime[lane];
                if (time > untilTime) return Nothing(out handler, out kind, out arg);
                if (!PopLaneHead(lane, out handler, out kind, out arg)) continue;   // a cancelled event: look again
                _laneEvents--;
                _clock = time;
                return true;
            }
            if (heap.Count == 0)
            {
                time = SimTime.Never;
                return Nothing(out handler, out kind, out arg);
            }
            ref Entry top = ref heap.Items[0];
            time = top.Time;
            if (time > untilTime) return Nothing(out handler, out kind, out arg);
            s = top.Slot;
            heap.RemoveAt(0, _state);
            _clock = time;
            // The next event of this heap is likely the next one run: its payload is read now, so that its miss
            // overlaps the handling of this one instead of stalling the next pop.
            if (heap.Count > 0) _warmed ^= _payload[heap.Items[0].Slot].Arg;
            break;
        }
        ref Payload p = ref _payload[s];
        handler = p.Handler!;
        kind = _state[s].Kind;
        arg = p.Arg;
        p.Handler = null;
        FreeSlot(s);
        return true;
    }

    /// <summary>
    /// When the earliest pending event <paramref name="filter"/> accepts is due; <see cref="SimTime.Never"/> if none. A scan
    /// of every pending event, for a queue of a few (a fleet's).
    /// </summary>
    public long EarliestWhere(IEventFilter filter)
    {
        long earliest = SimTime.Never;
        foreach (var heap in (ReadOnlySpan<Heap>)[_near, _far])
            for (int i = 0; i < heap.Count; i++)
            {
                ref Entry e = ref heap.Items[i];
                if (e.Time < earliest && filter.Accepts(_payload[e.Slot].Handler!, _state[e.Slot].Kind)) earliest = e.Time;
            }
        foreach (var lane in _lanes)
            for (int k = 0; k < lane.Count; k++)
            {
                ref LaneEntry e = ref lane.At(lane.Popped + k);
                if (e.Handler is not null && e.Time < earliest && filter.Accepts(e.Handler, e.Kind)) earliest = e.Time;
            }
        if (_wheel is { } w)
            for (int i = 0; i < w.Used; i++)
            {
                ref WheelEntry e = ref w.Entries[i];
                if (e.Handler is not null && e.Time < earliest && filter.Accepts(e.Handler, e.Kind)) earliest = e.Time;
            }
        return earliest;
    }

    private static bool Nothing(out IEventHandler handler, out int kind, out long arg)
    {
        handler = null!; kind = 0; arg = 0;
        return false;
    }

    public bool Cancel(EventHandle handle)
    {
        int s = handle.Slot;
        if (s <= -2)
        {
            // A lane event: clear its entry, which stays in the ring and is skipped when it reaches the head.
            ref LaneEntry e = ref LaneEntryOf(handle, out bool found);
            if (!found) return false;
            e.Handler = null;
            _laneEvents--;
            return true;
        }
        if ((uint)s >= (uint)_slotsUsed) return false;
        ref SlotState state = ref _state[s];
        int at = state.HeapIndex;
        if (state.Generation != handle.Generation || at == -1) return false;
        if (at >= FarBase) _far.RemoveAt(at - FarBase, _state);
        else _near.RemoveAt(at, _state);
        _payload[s].Handler = null;
        FreeSlot(s);
        return true;
    }

    public bool IsPending(EventHandle handle)
    {
        int s = handle.Slot;
        if (s <= -2)
        {
            LaneEntryOf(handle, out bool found);
            return found;
        }
        if ((uint)s >= (uint)_slotsUsed) return false;
        ref SlotState state = ref _state[s];
        return state.Generation == handle.Generation && state.HeapIndex != -1;
    }

    public long TimeOf(EventHandle handle)
    {
        if (!IsPending(handle)) return SimTime.Never;
        if (handle.Slot <= -2) return LaneEntryOf(handle, out _).Time;
        int at = _state[handle.Slot].HeapIndex;
        return at >= FarBase ? _far.Items[at - FarBase].Time : _near.Items[at].Time;
    }

    // The pending entry a lane handle names; found is false (and the reference meaningless) when it ran or was cancelled.
    private ref LaneEntry LaneEntryOf(EventHandle handle, out bool found)
    {
        var (lane, k) = OfLaneHandle(handle);
        if (lane >= _lanes.Length || !_lanes[lane].Holds(k))
        {
            found = false;
            return ref _noEntry;
        }
        ref LaneEntry e = ref _lanes[lane].At(k);
        found = e.Handler is not null;
        return ref e;
    }

    private LaneEntry _noEntry;

    private int AllocateSlot()
    {
        if (_freeHead >= 0)
        {
            int s = _freeHead;
            _freeHead = _state[s].NextFree;
            return s;
        }
        if (_slotsUsed == _state.Length)
        {
            int n = _state.Length * 2;
            Array.Resize(ref _state, n);
            Array.Resize(ref _payload, n);
        }
        return _slotsUsed++;
    }

    /// <summary>Frees slot <paramref name="s"/> (its payload, if it had one in the heap, is cleared by the caller).</summary>
    private void FreeSlot(int s)
    {
        ref SlotState state = ref _state[s];
        state.HeapIndex = -1;
        state.Generation++;
        state.NextFree = _freeHead;
        _freeHead = s;
    }

    private static bool Less(in Entry x, in Entry y) =>
        x.Time < y.Time || (x.Time == y.Time && x.Sequence < y.Sequence);
}
