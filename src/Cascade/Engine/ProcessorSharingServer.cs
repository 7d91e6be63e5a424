namespace Cascade.Engine;

/// <summary>
/// A processor-sharing server: <c>cores</c> processors shared equally by every job in service, each job
/// able to use at most one of them (one goroutine serves one request, so a request never runs faster
/// than one core; with n jobs on c cores each progresses at min(1, c/n)). This is how an API server's or
/// etcd's CPU slows every request down at once when it is oversubscribed, rather than queueing them.
///
/// Implemented with a virtual clock V(t) that advances at the per-job rate, so a job admitted at V₀ with
/// w ticks of work finishes when V reaches V₀ + w, whatever happens meanwhile; jobs sit in a min-heap
/// keyed by that virtual finish, and only the earliest completion is ever scheduled in the kernel.
/// Admission, completion and removal are O(log n) and allocate nothing in steady state.
/// </summary>
public sealed class ProcessorSharingServer : IEventHandler
{
    /// <summary>Told when a job's work is done.</summary>
    public interface IClient
    {
        void OnServed(int job);
    }

    private readonly Simulation _sim;
    private readonly IClient _client;
    private double _cores;

    // Heap of job ids keyed by virtual finish; _pos[job] = heap index or -1.
    private int[] _heap = new int[64];
    private double[] _finish = new double[64];
    private int[] _pos = new int[64];
    private int _count;

    private double _virtual;          // V(t), in ticks of single-core work
    private long _virtualAsOf;         // time V was last brought up to date
    private EventHandle _next = EventHandle.None;
    private long _nextTime;
    private double _busyCoreTicks;     // integral of cores in use, for utilisation
    private bool _paused;

    public ProcessorSharingServer(Simulation sim, double cores, IClient client)
    {
        if (cores <= 0) throw new ArgumentOutOfRangeException(nameof(cores));
        _sim = sim;
        _cores = cores;
        _client = client;
        Array.Fill(_pos, -1);
    }

    public int Jobs => _count;
    public double Cores => _cores;

    /// <summary>Per-job speed now: 1 when there are no more jobs than cores.</summary>
    public double Rate => _count <= _cores ? 1.0 : _cores / _count;

    /// <summary>Cores in use now.</summary>
    public double BusyCores => _paused ? 0 : Math.Min(_count, _cores);

    /// <summary>Integral of busy cores over time (core-ticks), for utilisation over an interval.</summary>
    public double BusyCoreTicks
    {
        get
        {
            return _busyCoreTicks + BusyCores * (_sim.Now - _virtualAsOf);
        }
    }

    public bool Contains(int job) => job < _pos.Length && _pos[job] >= 0;

    /// <summary>Work done beside the jobs, in closed form, at rate 1 (core-ticks): it counts as busy time and slows no job.</summary>
    public void AddBusyTicks(double ticks) => _busyCoreTicks += ticks;

    /// <summary>
    /// V(t): the work each job in service has received per unit of its own demand since the server started.
    /// A job admitted when V was V₀ has received V(now) − V₀ ticks of service so far.
    /// </summary>
    public double VirtualTime
    {
        get
        {
            Advance();
            return _virtual;
        }
    }

    /// <summary>The server's process is down: jobs stay admitted and make no progress until <see cref="Resume"/>.</summary>
    public bool Paused => _paused;

    public void Pause()
    {
        Advance();
        _paused = true;
        Reschedule();
    }

    public void Resume()
    {
        Advance();
        _paused = false;
        Reschedule();
    }

    public void Add(int job, long workTicks)
    {
        Advance();
        EnsureCapacity(job);
        if (_pos[job] >= 0) throw new InvalidOperationException($"job {job} is already in service");
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        _finish[job] = _virtual + Math.Max(1, workTicks);
        int i = _count++;
        _heap[i] = job;
        _pos[job] = i;
        SiftUp(i);
        Reschedule();
    }

    /// <summary>Takes a job out before it is done (its request timed out or its server died).</summary>
    public bool Remove(int job)
    {
        if (!Contains(job)) return false;
        Advance();
        RemoveAt(_pos[job]);
        Reschedule();
        return true;
    }

    /// <summary>Removes every job without telling anyone (the server crashed).</summary>
    public void Clear()
    {
        Advance();
        for (int i = 0; i < _count; i++) _pos[_heap[i]] = -1;
        _count = 0;
        Reschedule();
    }

    public void SetCores(double cores)
    {
        if (cores <= 0) throw new ArgumentOutOfRangeException(nameof(cores));
        Advance();
        _cores = cores;
        Reschedule();
    }

    public void OnEvent(int kind, long arg)
    {
        _next = EventHandle.None;
        Advance();
        // Everything whose virtual finish has been reached is done (ties finish together, in heap order
        // which is deterministic). Tolerance absorbs the rounding of the scheduled tick.
        while (_count > 0 && _finish[_heap[0]] <= _virtual + 0.5)
        {
            int job = _heap[0];
            RemoveAt(0);
            _client.OnServed(job);
            Advance();
        }
        Reschedule();
    }

    private void Advance()
    {
        long now = _sim.Now;
        if (now == _virtualAsOf) return;
        long dt = now - _virtualAsOf;
        if (_count > 0 && !_paused)
        {
            _virtual += Rate * dt;
            _busyCoreTicks += BusyCores * dt;
        }
        _virtualAsOf = now;
    }

    /// <summary>Points the one pending completion event at the earliest job's finish; left alone when that has not moved (the common case while there are fewer jobs than cores).</summary>
    private void Reschedule()
    {
        if (_count == 0 || _paused)
        {
            if (!_next.IsNone) _sim.Cancel(_next);
            _next = EventHandle.None;
            return;
        }
        double remaining = _finish[_heap[0]] - _virtual;
        // At full speed (no more jobs than cores) the rate is 1 and the division, which would change nothing, is skipped.
        long delay = remaining <= 0 ? 0 : (long)Math.Ceiling(_count <= _cores ? remaining : remaining / Rate);
        long at = _sim.Now + delay;
        if (!_next.IsNone)
        {
            if (_nextTime == at) return;
            _sim.Cancel(_next);
        }
        _next = _sim.ScheduleAt(at, this, 0);   // at a time of its own, never a fixed delay: no lane to look up
        _nextTime = at;
    }

    private void EnsureCapacity(int job)
    {
        if (job < _pos.Length) return;
        int n = _pos.Length;
        while (n <= job) n *= 2;
        int old = _pos.Length;
        Array.Resize(ref _pos, n);
        Array.Resize(ref _finish, n);
        Array.Fill(_pos, -1, old, n - old);
    }

    private void RemoveAt(int i)
    {
        int job = _heap[i];
        _pos[job] = -1;
        int last = --_count;
        if (i == last) return;
        int moved = _heap[last];
        _heap[i] = moved;
        _pos[moved] = i;
        if (i > 0 && _finish[moved] < _finish[_heap[(i - 1) >> 1]]) SiftUp(i);
        else SiftDown(i);
    }

    private void SiftUp(int i)
    {
        int job = _heap[i];
        double f = _finish[job];
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            int pj = _heap[p];
            if (_finish[pj] <= f) break;
            _heap[i] = pj;
            _pos[pj] = i;
            i = p;
        }
        _heap[i] = job;
        _pos[job] = i;
    }

    private void SiftDown(int i)
    {
        int job = _heap[i];
        double f = _finish[job];
        while (true)
        {
            int l = 2 * i + 1;
            if (l >= _count) break;
            int r = l + 1;
            int c = r < _count && _finish[_heap[r]] < _finish[_heap[l]] ? r : l;
            int cj = _heap[c];
            if (_finish[cj] >= f) break;
            _heap[i] = cj;
            _pos[cj] = i;
            i = c;
        }
        _heap[i] = job;
        _pos[job] = i;
    }
}
