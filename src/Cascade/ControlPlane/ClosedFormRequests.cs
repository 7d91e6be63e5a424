namespace Cascade.ControlPlane;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping of the requests ApiServerSet.TrySendClosedForm served
// without events (docs/model.md, "Closed-form Lease renewals"). Such a request is counted issued and completed when it
// starts; what is sampled of the API server while it is still running (requests in flight, seats per priority level)
// is read from here, so those samples are what the request path would have shown. Keeps: when each one finishes
// executing and when its final seats (the watch fan-out's additional latency) are released. Leaves out: which replica
// holds it (seats are sampled summed over the replicas).

/// <summary>Requests served in closed form that have not released their seats yet, in the order they started.</summary>
internal sealed class ClosedFormRequests
{
    private struct Entry
    {
        public long Done;      // executing until then: in flight, holding its initial seats
        public long Released;  // then holding its final seats until this
        public int Level, Seats, FinalSeats;
    }

    private Entry[] _ring = new Entry[256];
    private int _head, _count;

    /// <summary>Entries the ring can hold before it grows (for tests: released ones must not accumulate).</summary>
    internal int Capacity => _ring.Length;

    /// <summary>A request of priority level <paramref name="level"/> that executes until <paramref name="done"/> on <paramref name="seats"/> seats, then holds <paramref name="finalSeats"/> until <paramref name="released"/>.</summary>
    public void Add(long done, long released, int level, int seats, int finalSeats)
    {
        if (_count == _ring.Length) Grow();
        ref Entry e = ref _ring[(_head + _count++) & (_ring.Length - 1)];
        e.Done = done;
        e.Released = Math.Max(done, released);
        e.Level = level;
        e.Seats = seats;
        e.FinalSeats = finalSeats;
    }

    /// <summary>Those still executing at <paramref name="now"/>.</summary>
    public int InFlight(long now)
    {
        Prune(now);
        int n = 0;
        for (int k = 0; k < _count; k++)
            if (_ring[(_head + k) & (_ring.Length - 1)].Done > now) n++;
        return n;
    }

    /// <summary>Adds the seats they hold at <paramref name="now"/> to <paramref name="seatsByLevel"/>.</summary>
    public void AddSeats(long now, Span<int> seatsByLevel)
    {
        Prune(now);
        for (int k = 0; k < _count; k++)
        {
            ref Entry e = ref _ring[(_head + k) & (_ring.Length - 1)];
            if (e.Done > now) seatsByLevel[e.Level] += e.Seats;
            else if (e.Released > now) seatsByLevel[e.Level] += e.FinalSeats;
        }
    }

    /// <summary>Forgets the ones that released everything by <paramref name="now"/> from the front (the rest are skipped by time).</summary>
    private void Prune(long now)
    {
        while (_count > 0 && _ring[_head].Released <= now)
        {
            _head = (_head + 1) & (_ring.Length - 1);
            _count--;
        }
    }

    private void Grow()
    {
        var ring = new Entry[_ring.Length * 2];
        for (int k = 0; k < _count; k++) ring[k] = _ring[(_head + k) & (_ring.Length - 1)];
        _ring = ring;
        _head = 0;
    }
}
