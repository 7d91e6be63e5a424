namespace Cascade.Engine;

/// <summary>
/// Timeouts of one fixed duration, cheaper than one kernel event each. Every armed timeout has the same
/// duration and time never runs backwards, so deadlines come in arming order: a FIFO ring holds them, and
/// one kernel event waits for the oldest still-armed one. Disarming is O(1) (the owner forgets the token;
/// the stale entry is skipped when it reaches the head), so a request that finishes in milliseconds costs
/// no heap operation at all, and the queue wakes up about once per timeout duration instead of once per
/// request. Used for the API server's request timeout and clients' fixed timeouts, which are armed and
/// disarmed for nearly every request.
/// </summary>
public sealed class DeadlineQueue : IEventHandler
{
    /// <summary>Says whether an entry is still armed, and is told when one expires.</summary>
    public interface IOwner
    {
        /// <summary>True if <paramref name="id"/> is still armed with <paramref name="token"/>.</summary>
        bool IsArmed(int id, long token);

        void OnExpired(int id, long token);
    }

    private readonly Simulation _sim;
    private readonly IOwner _owner;
    private readonly long _durationTicks;
    private long[] _deadline = new long[256];
    private long[] _token = new long[256];
    private int[] _id = new int[256];
    private int _head, _count;
    private long _nextToken = 1;
    private EventHandle _timer = EventHandle.None;
    private bool _firing;

    public DeadlineQueue(Simulation sim, long durationTicks, IOwner owner)
    {
        if (durationTicks <= 0) throw new ArgumentOutOfRangeException(nameof(durationTicks));
        _sim = sim;
        _durationTicks = durationTicks;
        _owner = owner;
    }

    public long DurationTicks => _durationTicks;

    /// <summary>Arms a timeout for <paramref name="id"/>; returns the token the owner keeps (and clears to disarm).</summary>
    public long Arm(int id)
    {
        if (_count == _deadline.Length) Grow();
        int slot = (_head + _count) & (_deadline.Length - 1);
        long token = _nextToken++;
        _deadline[slot] = _sim.Now + _durationTicks;
        _token[slot] = token;
        _id[slot] = id;
        _count++;
        if (_timer.IsNone && !_firing) _timer = _sim.Schedule(_durationTicks, this, 0);
        return token;
    }

    public void OnEvent(int kind, long arg)
    {
        _timer = EventHandle.None;
        long now = _sim.Now;
        _firing = true;
        // Expiring one may arm others (a retry, the next request): they join the tail, and the ring may grow.
        while (_count > 0)
        {
            int slot = _head;
            int id = _id[slot];
            long token = _token[slot];
            bool armed = _owner.IsArmed(id, token);
            if (armed && _deadline[slot] > now) break;
            _head = (_head + 1) & (_deadline.Length - 1);
            _count--;
            if (armed) _owner.OnExpired(id, token);
        }
        _firing = false;
        if (_count > 0) _timer = _sim.Schedule(Math.Max(0, _deadline[_head] - now), this, 0);
    }

    private void Grow()
    {
        int n = _deadline.Length;
        var d = new long[n * 2];
        var t = new long[n * 2];
        var i = new int[n * 2];
        for (int k = 0; k < _count; k++)
        {
            int s = (_head + k) & (n - 1);
            d[k] = _deadline[s];
            t[k] = _token[s];
            i[k] = _id[s];
        }
        _deadline = d;
        _token = t;
        _id = i;
        _head = 0;
    }
}
