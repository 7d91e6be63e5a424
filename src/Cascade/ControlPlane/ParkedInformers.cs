namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping of informers that cannot reach an API server
// (docs/model.md, "Attempts that cannot reach an API server"). A reflector whose client is blocked fails each LIST or
// WATCH at once, and one whose cluster has no serving replica is refused a moment later; either way it backs off
// (jittered from its own stream) and tries again: a loop that reads nothing and moves only counters. Keeps: each
// parked informer's next step (its attempt, its request's token, its refusal), in time order, and when the request
// path would have scheduled it, so that those that resume together resume in its order. Leaves out: the events and
// the request objects themselves.

/// <summary>Informers that cannot reach an API server, each waiting for its next step, earliest first.</summary>
internal sealed class ParkedInformers(ApiServerSet api) : IParkedClients, IParkedResumer
{
    // The steps wait in two parts, ordered together by (time, sequence): a short sorted front of the next few, and a
    // quaternary min-heap of the rest (tens of thousands of informers park at once), every front entry before every
    // heap entry. A step's informer, its client and its random stream are scattered in memory, and reading them one
    // step after another missed the cache step after step. The front is refilled a batch at a time, and the batch's
    // informers are read together as it enters (Informer.Warm): their misses overlap instead of adding up. A step
    // that comes back within the front (a refusal a millisecond after its attempt) is put in its place there
    // without touching the heap.
    // The informer is kept by its number (ApiServerSet.InformerAt), not by reference: moving a key in the heap then copies
    // plain data, with no GC write barrier per move, and a key is 24 bytes instead of 32. Nor is a vacated place cleared:
    // it holds nothing the garbage collector follows.
    private struct Key
    {
        public long At, Sequence;
        public int Informer, Gen;
    }

    /// <summary>The front's room; it is refilled from the heap when fewer than <see cref="RefillBelow"/> steps are left in it.</summary>
    private const int FrontCapacity = 16, RefillBelow = 2;

    private readonly Key[] _front = new Key[FrontCapacity];
    private int _frontHead, _frontEnd;  // the front is _front[_frontHead.._frontEnd), in order
    private Key[] _heap = new Key[64];
    private int _count;
    private long _sequence;
    private long _warmed;                // what Informer.Warm read: kept, so that the reads are made

    public int Count => _count + _frontEnd - _frontHead;

    private static bool Less(in Key a, in Key b) => a.At < b.At || (a.At == b.At && a.Sequence < b.Sequence);

    /// <summary><paramref name="informer"/> (its park generation <paramref name="gen"/>) takes its next step at <paramref name="at"/>, as an event scheduled at <paramref name="scheduledAt"/>.</summary>
    public void Add(Informer informer, int gen, long at, long scheduledAt)
    {
        informer.ParkedScheduledAt = scheduledAt;
        Insert(new Key { At = at, Sequence = _sequence++, Informer = informer.Number, Gen = gen });
    }

    /// <summary>Into the front if it goes before the front's last step, else into the heap.</summary>
    private void Insert(in Key key)
    {
        int end = _frontEnd;
        if (end == _frontHead || !Less(key, _front[end - 1]))
        {
            Push(key);
            return;
        }
        if (end == FrontCapacity)
        {
            if (_frontHead > 0) Compact();
            else
            {
                // Full: the front's last step goes back to the heap (it is before every heap step, so it becomes the top).
                Push(_front[--_frontEnd]);
            }
            end = _frontEnd;
        }
        int i = end;
        while (i > _frontHead && Less(key, _front[i - 1]))
        {
            _front[i] = _front[i - 1];
            i--;
        }
        _front[i] = key;
        _frontEnd = end + 1;
    }

    private void Compact()
    {
        int n = _frontEnd - _frontHead;
        Array.Copy(_front, _frontHead, _front, 0, n);
        _frontHead = 0;
        _frontEnd = n;
    }

    /// <summary>Moves the heap's earliest steps to the front until it is full, then reads their informers together.</summary>
    private void Refill()
    {
        if (_count == 0) return;
        Compact();
        int first = _frontEnd;
        while (_frontEnd < FrontCapacity && _count > 0)
        {
            _front[_frontEnd++] = _heap[0];
            if (--_count > 0) SiftDown(0, _heap[_count]);
        }
        long warmed = _warmed;
        for (int i = first; i < _frontEnd; i++) warmed ^= api.InformerAt(_front[i].Informer).Warm();
        _warmed = warmed;
    }

    private void Push(in Key key)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        SiftUp(_count++, key);
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
        while (true)
        {
            if (_frontEnd - _frontHead < RefillBelow) Refill();
            if (_frontHead == _frontEnd) return;
            var top = _front[_frontHead];
            if (throughNow ? top.At > now : top.At >= now) return;
            _frontHead++;
            var informer = api.InformerAt(top.Informer);
            if (!informer.ParkedAs(top.Gen)) continue;
            long at = top.At;
            long next = informer.ParkedStep(at);
            // A next step due before every other parked one (a refusal 1 ms after its attempt, usually) is taken at
            // once: the steps still come in time order.
            long others = Earliest();
            while ((throughNow ? next <= now : next < now) && next < others)
                (at, next) = (next, informer.ParkedStep(next));
            // The same key a pop and a push would give (a new sequence), so the same order.
            informer.ParkedScheduledAt = at;
            Insert(new Key { At = next, Sequence = _sequence++, Informer = top.Informer, Gen = top.Gen });
        }
    }

    /// <summary>
    /// When the earliest step is due (long.MaxValue: none is). The front is never empty while the heap is not: it is
    /// refilled when fewer than two steps are left in it, so a step taken from it leaves one, or none and an empty heap.
    /// </summary>
    private long Earliest() => _frontHead < _frontEnd ? _front[_frontHead].At : long.MaxValue;

    /// <summary>A replica serves again (counted up to now, exclusive): informers parked for want of one go back to events.</summary>
    public void CollectServing(List<ParkedResumption> into)
    {
        // The front stays in order when steps leave it; the heap's rest, a subset in array order, is made a heap again.
        int keptFront = _frontHead;
        for (int i = _frontHead; i < _frontEnd; i++)
            if (Keep(_front[i], into)) _front[keptFront++] = _front[i];
        _frontEnd = keptFront;
        int kept = 0;
        for (int i = 0; i < _count; i++)
            if (Keep(_heap[i], into)) _heap[kept++] = _heap[i];
        _count = kept;
        for (int i = (kept - 2) >> 2; i >= 0; i--) SiftDown(i, _heap[i]);
    }

    /// <summary>Whether <paramref name="key"/> stays (parked at the network); a step of an informer parked for want of a replica goes back to events.</summary>
    private bool Keep(in Key key, List<ParkedResumption> into)
    {
        var informer = api.InformerAt(key.Informer);
        if (!informer.ParkedAs(key.Gen)) return false;
        if (!informer.ParkedDark) return true;
        into.Add(new ParkedResumption(informer.ParkedScheduledAt, key.Sequence, this, key.Informer));
        return false;
    }

    /// <summary>Informer number <paramref name="item"/> goes back to events.</summary>
    public void Resume(int item, long at, bool sent) => api.InformerAt(item).OnServing();

    /// <summary>Counts what is due before now, so that an informer leaving now has its own attempts counted.</summary>
    public void CatchUpBefore() => CatchUp(api.Now, throughNow: false);
}
