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
    private struct Entry
    {
        public long At, Sequence;
        public long ScheduledAt;   // when the request path would have scheduled this step's event
        public Informer Informer;
        public int Gen;
    }

    private Entry[] _heap = new Entry[64];
    private int _count;
    private long _sequence;

    public int Count => _count;

    private static bool Less(in Entry a, in Entry b) => a.At < b.At || (a.At == b.At && a.Sequence < b.Sequence);

    /// <summary><paramref name="informer"/> (its park generation <paramref name="gen"/>) takes its next step at <paramref name="at"/>, as an event scheduled at <paramref name="scheduledAt"/>.</summary>
    public void Add(Informer informer, int gen, long at, long scheduledAt)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        var e = new Entry { At = at, Sequence = _sequence++, Informer = informer, Gen = gen, ScheduledAt = scheduledAt };
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
        _heap[0] = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0) SiftDown(0);
        return top;
    }

    private void SiftDown(int i)
    {
        var e = _heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && Less(_heap[child + 1], _heap[child])) child++;
            if (!Less(_heap[child], e)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        _heap[i] = e;
    }

    public void CatchUp(long now, bool throughNow)
    {
        while (_count > 0 && (throughNow ? _heap[0].At <= now : _heap[0].At < now))
        {
            var e = PopMin();
            if (!e.Informer.ParkedAs(e.Gen)) continue;
            long at = e.At, next = e.Informer.ParkedStep(at);
            // A next step due before every other parked one (a refusal 1 ms after its attempt, usually) is taken at
            // once: the steps still come in time order.
            while ((throughNow ? next <= now : next < now) && (_count == 0 || next < _heap[0].At))
                (at, next) = (next, e.Informer.ParkedStep(next));
            Add(e.Informer, e.Gen, next, scheduledAt: at);
        }
    }

    /// <summary>A replica serves again (counted up to now, exclusive): informers parked for want of one go back to events.</summary>
    public void CollectServing(List<ParkedResumption> into)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            var e = _heap[i];
            if (!e.Informer.ParkedAs(e.Gen)) continue;
            if (e.Informer.ParkedDark)
            {
                var informer = e.Informer;
                into.Add(new ParkedResumption(e.ScheduledAt, e.Sequence, informer.OnServing));
            }
            else _heap[kept++] = e;
        }
        Array.Clear(_heap, kept, _count - kept);
        _count = kept;
        // What is kept is a subset of a heap, in array order: make it one again.
        for (int i = kept / 2 - 1; i >= 0; i--) SiftDown(i);
    }

    /// <summary>Counts what is due before now, so that an informer leaving now has its own attempts counted.</summary>
    public void CatchUpBefore() => CatchUp(api.Now, throughNow: false);
}
