namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping of informers that cannot reach an API server
// (docs/model.md, "Attempts that cannot reach an API server"). A reflector whose client is blocked fails each LIST or
// WATCH at once, and one whose cluster has no serving replica is refused a moment later; either way it backs off
// (jittered from its own stream) and tries again: a loop that reads nothing and moves only counters. Keeps: each
// parked informer's next step (its attempt, its request's token, its refusal), in time order, and when the request
// path would have scheduled it, so that those that resume together resume in its order. Leaves out: the events and
// the request objects themselves.

/// <summary>Informers that cannot reach an API server, each waiting for its next step, earliest first.</summary>
internal sealed class ParkedInformers(ApiServerSet api) : IParkedClients
{
    // A quaternary min-heap of keys by (time, sequence), 24 bytes each, so that a sift reads its four children from one
    // or two cache lines; what an entry carries waits in a slot of its own (tens of thousands of informers park at once,
    // and a binary heap of whole entries cost more than the steps themselves).
    private struct Key
    {
        public long At, Sequence;
        public int Slot;
    }

    private struct Payload
    {
        public Informer Informer;
        public long ScheduledAt;   // when the request path would have scheduled this step's event
        public int Gen;
    }

    private Key[] _heap = new Key[64];
    private Payload[] _payload = new Payload[64];
    private int[] _freeSlots = new int[64];
    private int _count, _slotsUsed, _free;
    private long _sequence;

    public int Count => _count;

    private static bool Less(in Key a, in Key b) => a.At < b.At || (a.At == b.At && a.Sequence < b.Sequence);

    /// <summary><paramref name="informer"/> (its park generation <paramref name="gen"/>) takes its next step at <paramref name="at"/>, as an event scheduled at <paramref name="scheduledAt"/>.</summary>
    public void Add(Informer informer, int gen, long at, long scheduledAt)
    {
        int slot;
        if (_free > 0) slot = _freeSlots[--_free];
        else
        {
            if (_slotsUsed == _payload.Length)
            {
                Array.Resize(ref _payload, _slotsUsed * 2);
                Array.Resize(ref _freeSlots, _slotsUsed * 2);
            }
            slot = _slotsUsed++;
        }
        _payload[slot] = new Payload { Informer = informer, Gen = gen, ScheduledAt = scheduledAt };
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        SiftUp(_count++, new Key { At = at, Sequence = _sequence++, Slot = slot });
    }

    private void SiftUp(int i, Key e)
    {
        var heap = _heap;
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(e, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    /// <summary>Takes the earliest entry out: its time, its sequence and what it carries (its slot is free again).</summary>
    private Payload PopMin(out long at)
    {
        var top = _heap[0];
        at = top.At;
        var carried = _payload[top.Slot];
        Release(top.Slot);
        if (--_count > 0) SiftDown(0, _heap[_count]);
        return carried;
    }

    private void Release(int slot)
    {
        _payload[slot] = default;
        _freeSlots[_free++] = slot;
    }

    /// <summary>Places <paramref name="e"/> at hole <paramref name="i"/> or below.</summary>
    private void SiftDown(int i, Key e)
    {
        var heap = _heap;
        int n = _count;
        while (true)
        {
            int first = 4 * i + 1;
            if (first >= n) break;
            int best = first, end = Math.Min(first + 4, n);
            for (int c = first + 1; c < end; c++)
                if (Less(heap[c], heap[best])) best = c;
            if (!Less(heap[best], e)) break;
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = e;
    }

    public void CatchUp(long now, bool throughNow)
    {
        while (_count > 0 && (throughNow ? _heap[0].At <= now : _heap[0].At < now))
        {
            var top = _heap[0];
            var e = _payload[top.Slot];
            if (!e.Informer.ParkedAs(e.Gen))
            {
                PopMin(out _);
                continue;
            }
            long at = top.At;
            long next = e.Informer.ParkedStep(at);
            // A next step due before every other parked one (a refusal 1 ms after its attempt, usually) is taken at
            // once: the steps still come in time order.
            long others = EarliestBelowTop();
            while ((throughNow ? next <= now : next < now) && next < others)
                (at, next) = (next, e.Informer.ParkedStep(next));
            // The step stays in its slot and its key takes the top's place: one sift instead of a pop and a push, and
            // the same keys (a new sequence, as a push would take), so the same order.
            _payload[top.Slot].ScheduledAt = at;
            SiftDown(0, new Key { At = next, Sequence = _sequence++, Slot = top.Slot });
        }
    }

    /// <summary>When the earliest entry but the top is due (long.MaxValue: the top is alone): the least of the top's children.</summary>
    private long EarliestBelowTop()
    {
        long earliest = long.MaxValue;
        for (int c = 1; c < Math.Min(5, _count); c++)
            if (_heap[c].At < earliest) earliest = _heap[c].At;
        return earliest;
    }

    /// <summary>A replica serves again (counted up to now, exclusive): informers parked for want of one go back to events.</summary>
    public void CollectServing(List<ParkedResumption> into)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            var key = _heap[i];
            ref Payload e = ref _payload[key.Slot];
            if (e.Informer.ParkedAs(e.Gen) && !e.Informer.ParkedDark)
            {
                _heap[kept++] = key;
                continue;
            }
            if (e.Informer.ParkedAs(e.Gen))
            {
                var informer = e.Informer;
                into.Add(new ParkedResumption(e.ScheduledAt, key.Sequence, informer.OnServing));
            }
            Release(key.Slot);
        }
        _count = kept;
        // What is kept is a subset of a heap, in array order: make it one again.
        for (int i = (kept - 2) >> 2; i >= 0; i--) SiftDown(i, _heap[i]);
    }

    /// <summary>Counts what is due before now, so that an informer leaving now has its own attempts counted.</summary>
    public void CatchUpBefore() => CatchUp(api.Now, throughNow: false);
}
