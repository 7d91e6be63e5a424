namespace Cascade.Cluster;

// Stands for: nothing in Kubernetes; the simulator's bookkeeping of kubelets whose Lease renewals fail in a fixed
// cycle that meets nothing (docs/model.md, "Attempts that cannot reach an API server"): every replica down, so each
// attempt is refused, or the node cut off by a network block, so each attempt hangs until the heartbeat client's
// timeout. Keeps: each node's next answer, in time order, and whether the attempt it answers has been sent; the
// counting of attempts and failures at the instants the request path has them. Leaves out: the events themselves.

/// <summary>What a ring of parked renewals reports to its kubelets, and how it gives a node back to events.</summary>
internal interface IParkedOwner
{
    /// <summary>Node <paramref name="node"/>'s attempt was sent (counted as the request path counts it when it is sent).</summary>
    void OnAttempt(int node);

    /// <summary>Node <paramref name="node"/>'s attempt was answered with a failure.</summary>
    void OnFailure(int node);

    /// <summary>Node <paramref name="node"/> leaves the ring: its pending step becomes an event (the answer at <paramref name="answerAt"/> of an attempt already sent, or the attempt <paramref name="answerAt"/> − answer time).</summary>
    void Resume(int node, long answerAt, bool sent);

    /// <summary>Node <paramref name="node"/> went (removed or lost) while in the ring; an attempt it had <paramref name="sent"/> is still answered at <paramref name="answerAt"/>.</summary>
    void Gone(int node, long answerAt, bool sent);
}

/// <summary>
/// Nodes whose renewals fail in one fixed cycle: an attempt, its failure <see cref="AnswerTicks"/> later, the next
/// attempt <see cref="CycleTicks"/> − <see cref="AnswerTicks"/> after that. All share the cycle, so a FIFO ring in
/// order of each node's next answer stays in time order. Nothing here allocates once the ring has grown.
/// </summary>
internal sealed class ParkedRenewals : Cascade.ControlPlane.IParkedResumer
{
    private struct Entry
    {
        public long AnswerAt;
        public int Node, Gen;
    }

    private readonly IParkedOwner _owner;
    private Entry[] _ring = new Entry[256];
    private int _head, _count;
    private int _sent;                 // the first this many entries have had their attempt sent (and counted)
    private readonly long[] _answerAt; // per node, while parked: as its entry
    private readonly int[] _gen;       // bumped when a node leaves the ring early: its entry is then stale
    private readonly bool[] _isSent, _isParked;

    public ParkedRenewals(int nodes, long answerTicks, long cycleTicks, IParkedOwner owner)
    {
        if (answerTicks < 0 || cycleTicks <= answerTicks) throw new ArgumentOutOfRangeException(nameof(cycleTicks));
        AnswerTicks = answerTicks;
        CycleTicks = cycleTicks;
        _owner = owner;
        _answerAt = new long[nodes];
        _gen = new int[nodes];
        _isSent = new bool[nodes];
        _isParked = new bool[nodes];
    }

    /// <summary>From an attempt to its failure.</summary>
    public long AnswerTicks { get; }

    /// <summary>From one attempt to the next.</summary>
    public long CycleTicks { get; }

    public bool IsParked(int node) => _isParked[node];

    /// <summary>Nodes in the ring now.</summary>
    public int Count
    {
        get
        {
            int k = 0;
            foreach (bool p in _isParked) if (p) k++;
            return k;
        }
    }

    private ref Entry At(int k) => ref _ring[(_head + k) & (_ring.Length - 1)];

    private bool Live(in Entry e) => _gen[e.Node] == e.Gen;

    /// <summary>Node <paramref name="node"/> just failed at <paramref name="now"/>: its next attempt is a cycle less the answer time away.</summary>
    public void Park(int node, long now)
    {
        // The ring stays in answer order: what was due before now moves on first. An answer due at this very instant
        // stays behind this node, as the request path has it for nodes that failed together in this order.
        CatchUp(now, throughNow: false);
        _isParked[node] = true;
        _isSent[node] = false;
        Append(node, now + CycleTicks);
    }

    private void Append(int node, long answerAt)
    {
        if (_count == _ring.Length)
        {
            var ring = new Entry[_ring.Length * 2];
            for (int k = 0; k < _count; k++) ring[k] = At(k);
            _ring = ring;
            _head = 0;
        }
        _answerAt[node] = answerAt;
        ref Entry e = ref At(_count++);
        e.AnswerAt = answerAt;
        e.Node = node;
        e.Gen = _gen[node];
    }

    /// <summary>Counts the attempts sent and the failures answered by <paramref name="now"/> (inclusive when <paramref name="throughNow"/>).</summary>
    public void CatchUp(long now, bool throughNow)
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            while (_sent < _count)
            {
                ref Entry e = ref At(_sent);
                long sentAt = e.AnswerAt - AnswerTicks;
                if (throughNow ? sentAt > now : sentAt >= now) break;
                if (Live(e))
                {
                    _owner.OnAttempt(e.Node);
                    _isSent[e.Node] = true;
                }
                _sent++;
                moved = true;
            }
            while (_sent > 0)
            {
                Entry e = At(0);
                if (throughNow ? e.AnswerAt > now : e.AnswerAt >= now) break;
                _head = (_head + 1) & (_ring.Length - 1);
                _count--;
                _sent--;
                moved = true;
                if (!Live(e)) continue;
                _owner.OnFailure(e.Node);
                _isSent[e.Node] = false;
                Append(e.Node, e.AnswerAt + CycleTicks);
            }
        }
    }

    /// <summary>
    /// Every node leaves the ring (after <see cref="CatchUp"/> to now, exclusive): adds how each resumes, with when the
    /// request path scheduled its pending event (the attempt's, a cycle after the last answer; the answer's, when it was sent).
    /// </summary>
    public void CollectAll(List<Cascade.ControlPlane.ParkedResumption> into)
    {
        for (int k = 0; k < _count; k++)
        {
            Entry e = At(k);
            if (!Live(e)) continue;
            int node = e.Node;
            long answerAt = _answerAt[node];
            bool sent = _isSent[node];
            _isParked[node] = false;
            into.Add(new Cascade.ControlPlane.ParkedResumption(answerAt - (sent ? AnswerTicks : CycleTicks), k, this, node, answerAt, sent));
        }
        _head = _count = _sent = 0;
    }

    /// <summary>Node <paramref name="item"/>, collected by <see cref="CollectAll"/>, goes back to events: its answer at <paramref name="at"/> (of an attempt <paramref name="sent"/> or not).</summary>
    public void Resume(int item, long at, bool sent) => _owner.Resume(item, at, sent);

    /// <summary>Node <paramref name="node"/> leaves the ring at <paramref name="now"/>: with <paramref name="resume"/> its pending step becomes an event, else it is gone.</summary>
    public void Unpark(int node, long now, bool resume)
    {
        if (!_isParked[node]) return;
        CatchUp(now, throughNow: false);
        _isParked[node] = false;
        _gen[node]++;
        if (resume) _owner.Resume(node, _answerAt[node], _isSent[node]);
        else _owner.Gone(node, _answerAt[node], _isSent[node]);
    }
}
