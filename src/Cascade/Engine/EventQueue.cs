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
/// </summary>
public sealed class EventQueue
{
    private struct Slot
    {
        public IEventHandler? Handler;
        public long Arg;
        public int Kind;
        public int HeapIndex;   // -1 when free
        public int Generation;
        public int NextFree;
    }

    // Heap entries carry their own ordering key, so sifting reads one contiguous array (no slot lookups).
    private struct Entry
    {
        public long Time;
        public long Sequence;
        public int Slot;
    }

    private Slot[] _slots;
    private Entry[] _heap;
    private int _count;
    private int _freeHead = -1;
    private int _slotsUsed;
    private long _nextSequence;

    public EventQueue(int initialCapacity = 1024)
    {
        _slots = new Slot[Math.Max(4, initialCapacity)];
        _heap = new Entry[Math.Max(4, initialCapacity)];
    }

    public int Count => _count;

    public EventHandle Push(long time, IEventHandler handler, int kind, long arg)
    {
        int s = AllocateSlot();
        ref Slot slot = ref _slots[s];
        slot.Handler = handler;
        slot.Kind = kind;
        slot.Arg = arg;
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        int i = _count++;
        SiftUp(i, new Entry { Time = time, Sequence = _nextSequence++, Slot = s });
        return new EventHandle(s, _slots[s].Generation);
    }

    /// <summary>Time of the earliest pending event; <see cref="SimTime.Never"/> when empty.</summary>
    public long PeekTime => _count == 0 ? SimTime.Never : _heap[0].Time;

    /// <summary>Removes the earliest event and returns its contents.</summary>
    public bool TryPop(out long time, out IEventHandler handler, out int kind, out long arg)
    {
        if (_count == 0)
        {
            time = 0; handler = null!; kind = 0; arg = 0;
            return false;
        }
        int s = _heap[0].Slot;
        ref Slot slot = ref _slots[s];
        time = _heap[0].Time;
        handler = slot.Handler!;
        kind = slot.Kind;
        arg = slot.Arg;
        RemoveAt(0);
        FreeSlot(s);
        return true;
    }

    public bool Cancel(EventHandle handle)
    {
        int s = handle.Slot;
        if ((uint)s >= (uint)_slotsUsed) return false;
        ref Slot slot = ref _slots[s];
        if (slot.Generation != handle.Generation || slot.HeapIndex < 0) return false;
        RemoveAt(slot.HeapIndex);
        FreeSlot(s);
        return true;
    }

    public bool IsPending(EventHandle handle)
    {
        int s = handle.Slot;
        if ((uint)s >= (uint)_slotsUsed) return false;
        ref Slot slot = ref _slots[s];
        return slot.Generation == handle.Generation && slot.HeapIndex >= 0;
    }

    public long TimeOf(EventHandle handle) => IsPending(handle) ? _heap[_slots[handle.Slot].HeapIndex].Time : SimTime.Never;

    private int AllocateSlot()
    {
        if (_freeHead >= 0)
        {
            int s = _freeHead;
            _freeHead = _slots[s].NextFree;
            return s;
        }
        if (_slotsUsed == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        return _slotsUsed++;
    }

    private void FreeSlot(int s)
    {
        ref Slot slot = ref _slots[s];
        slot.Handler = null;
        slot.HeapIndex = -1;
        slot.Generation++;
        slot.NextFree = _freeHead;
        _freeHead = s;
    }

    private void RemoveAt(int i)
    {
        int last = --_count;
        if (i == last) return;
        Entry moved = _heap[last];
        if (i > 0 && Less(moved, _heap[(i - 1) >> 2])) SiftUp(i, moved);
        else SiftDown(i, moved);
    }

    private static bool Less(in Entry x, in Entry y) =>
        x.Time < y.Time || (x.Time == y.Time && x.Sequence < y.Sequence);

    /// <summary>Places <paramref name="e"/> at hole <paramref name="i"/> or above.</summary>
    private void SiftUp(int i, Entry e)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(e, _heap[parent])) break;
            _heap[i] = _heap[parent];
            _slots[_heap[i].Slot].HeapIndex = i;
            i = parent;
        }
        _heap[i] = e;
        _slots[e.Slot].HeapIndex = i;
    }

    /// <summary>Places <paramref name="e"/> at hole <paramref name="i"/> or below.</summary>
    private void SiftDown(int i, Entry e)
    {
        int n = _count;
        while (true)
        {
            int first = (i << 2) + 1;
            if (first >= n) break;
            int best = first;
            int last = Math.Min(first + 4, n);
            for (int c = first + 1; c < last; c++)
                if (Less(_heap[c], _heap[best])) best = c;
            if (!Less(_heap[best], e)) break;
            _heap[i] = _heap[best];
            _slots[_heap[i].Slot].HeapIndex = i;
            i = best;
        }
        _heap[i] = e;
        _slots[e.Slot].HeapIndex = i;
    }
}
