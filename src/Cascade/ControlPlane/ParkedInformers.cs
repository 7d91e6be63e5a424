namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping of informers cut off by a network block
// (docs/model.md, "Renewals that cannot reach an API server", its informers). A reflector whose client is blocked
// fails each LIST or WATCH at once and backs off 30–60 s (the capped back-off, jittered from its own stream) before
// the next: a cycle that reads nothing and moves only counters. Keeps: each parked informer's next attempt, in time
// order. Leaves out: the events themselves, and the attempts' tokens from the client's rate limiter (its bucket
// refills in 20 ms at the kubelet's 50 QPS; a parked attempt never waits for a token, and neither would the next
// request unless a hundred came within those 20 ms).

/// <summary>Informers whose client is blocked, each waiting for its next attempt, earliest first.</summary>
internal sealed class ParkedInformers(ApiServerSet api) : IParkedClients
{
    private struct Entry
    {
        public long At, Sequence;
        public Informer Informer;
        public int Gen;
    }

    private Entry[] _heap = new Entry[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    private static bool Less(in Entry a, in Entry b) => a.At < b.At || (a.At == b.At && a.Sequence < b.Sequence);

    /// <summary><paramref name="informer"/> (its park generation <paramref name="gen"/>) attempts next at <paramref name="at"/>.</summary>
    public void Add(Informer informer, int gen, long at)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        var e = new Entry { At = at, Sequence = _sequence++, Informer = informer, Gen = gen };
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(e, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = e;
    }

    private Entry PopMin()
    {
        var top = _heap[0];
        var last = _heap[--_count];
        _heap[_count] = default;
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && Less(_heap[child + 1], _heap[child])) child++;
            if (!Less(_heap[child], last)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_count > 0) _heap[i] = last;
        return top;
    }

    public void CatchUp(long now, bool throughNow)
    {
        while (_count > 0 && (throughNow ? _heap[0].At <= now : _heap[0].At < now))
        {
            var e = PopMin();
            if (!e.Informer.ParkedAs(e.Gen)) continue;
            Add(e.Informer, e.Gen, e.Informer.AttemptWhileBlocked(e.At));
        }
    }

    public void OnServing() { } // a replica coming back does not reach a blocked client

    /// <summary>Counts what is due before now, so that an informer leaving now has its own attempts counted.</summary>
    public void CatchUpBefore() => CatchUp(api.Now, throughNow: false);
}
