using Cascade.Engine;

namespace Cascade.ControlPlane;

/// <summary>
/// A client-go informer's reflector (tools/cache/reflector.go, MODEL.md §3): LIST (RV="0", from the watch
/// cache), then WATCH from there; a watch times out after a uniform 5–10 min and is simply re-opened; a
/// watch that breaks with its replica forces a relist with RV="" (a consistent read: etcd unless
/// ConsistentListFromCache); a watch refused with 429 or a refused connection is re-opened with back-off
/// without relisting; failed lists back off exponentially 800 ms → 30 s (factor 2, jitter 1.0, reset after
/// 2 min of health). Its view is synced after the first list and stays usable, if stale, while it retries.
/// </summary>
public sealed class Informer : IApiCaller, IWatcher, IEventHandler
{
    private const int BackoffDone = 0, WatchExpired = 1;
    private static readonly long InitialBackoff = SimTime.FromMilliseconds(800);   // MODEL.md §3
    private static readonly long MaxBackoff = SimTime.FromSeconds(30);             // MODEL.md §3
    private static readonly long BackoffReset = SimTime.FromMinutes(2);            // MODEL.md §3
    private static readonly double WatchMinSeconds = 300, WatchMaxSeconds = 600;   // MODEL.md §3: [5, 10) min

    private enum State : byte { Idle, Listing, Watching, OpeningWatch, BackingOff, Stopped }

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _client;
    private readonly ApiCall _list, _relist, _watch;
    private readonly RandomStream _rng;
    private State _state;
    private bool _nextIsRelist;
    private bool _nextIsWatchOnly;
    private long _backoff;
    private long _lastFailureAt = -1;
    private long _generation;
    private WatchHandle _watchHandle = WatchHandle.None;
    private EventHandle _timer = EventHandle.None;

    public Informer(Simulation sim, ApiServerSet api, ApiClient client, ApiCall list, ApiCall relist, ApiCall watch, RandomStream rng)
    {
        _sim = sim;
        _api = api;
        _client = client;
        _list = list;
        _relist = relist;
        _watch = watch;
        _rng = rng;
    }

    /// <summary>The first list has completed: the informer has a view (possibly stale) of the resource.</summary>
    public bool HasSynced { get; private set; }

    /// <summary>A LIST is in flight (its answer will be held next to the store until it replaces it).</summary>
    public bool IsListing => _state == State.Listing;

    /// <summary>A watch is open now: the view is current.</summary>
    public bool IsWatching => _state == State.Watching;

    public long Lists { get; private set; }
    public long Relists { get; private set; }

    public void Start(long delayTicks)
    {
        _state = State.BackingOff;
        _timer = _sim.Schedule(delayTicks, this, BackoffDone);
    }

    /// <summary>
    /// Starts as an informer of a cluster that was already running: it has listed long ago and only
    /// re-opens its watch (after <paramref name="delayTicks"/>, so a fleet of them does not arrive at once).
    /// </summary>
    public void StartSynced(long delayTicks)
    {
        HasSynced = true;
        _nextIsWatchOnly = true;
        _state = State.BackingOff;
        _timer = _sim.Schedule(delayTicks, this, BackoffDone);
    }

    public void Stop()
    {
        _state = State.Stopped;
        _generation++;
        if (!_timer.IsNone) _sim.Cancel(_timer);
        _timer = EventHandle.None;
        _api.CloseWatch(_watchHandle);
        _watchHandle = WatchHandle.None;
    }

    private void SendList()
    {
        _state = State.Listing;
        var call = _nextIsRelist ? _relist : _list;
        if (_nextIsRelist) Relists++;
        Lists++;
        _api.Send(_client, call, this, ++_generation);
    }

    private void SendWatch()
    {
        _state = State.OpeningWatch;
        _api.Send(_client, _watch, this, ++_generation);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        if (tag != _generation || _state == State.Stopped) return;
        if (_state == State.Listing)
        {
            if (outcome == RequestOutcome.Ok)
            {
                HasSynced = true;
                _nextIsRelist = false;
                SendWatch();
            }
            else
            {
                BackOff(relist: _nextIsRelist, watchOnly: false);
            }
            return;
        }
        if (_state == State.OpeningWatch)
        {
            if (outcome == RequestOutcome.Ok)
            {
                _state = State.Watching;
                _watchHandle = watch;
                double minutes = _rng.NextUniform(WatchMinSeconds, WatchMaxSeconds);
                _timer = _sim.Schedule(SimTime.FromSeconds(minutes), this, WatchExpired);
            }
            else if (outcome is RequestOutcome.TooManyRequests or RequestOutcome.Unavailable)
            {
                BackOff(relist: false, watchOnly: true);
            }
            else
            {
                BackOff(relist: true, watchOnly: false);
            }
        }
    }

    public void OnWatchBroken(long tag)
    {
        if (_state != State.Watching) return;
        _watchHandle = WatchHandle.None;
        if (!_timer.IsNone) _sim.Cancel(_timer);
        _timer = EventHandle.None;
        // The new replica's cache does not have the old resourceVersion: "410 Expired", relist with RV="".
        BackOff(relist: true, watchOnly: false);
    }

    private void BackOff(bool relist, bool watchOnly)
    {
        long now = _sim.Now;
        if (_lastFailureAt < 0 || now - _lastFailureAt > BackoffReset) _backoff = InitialBackoff;
        else _backoff = Math.Min(MaxBackoff, _backoff * 2);
        _lastFailureAt = now;
        _nextIsRelist = relist;
        _nextIsWatchOnly = watchOnly;
        _state = State.BackingOff;
        // jitter 1.0: wait.Jitter(d, 1.0) = d + rand·d
        long delay = _backoff + (long)(_rng.NextDouble() * _backoff);
        _timer = _sim.Schedule(delay, this, BackoffDone);
    }

    public void OnEvent(int kind, long arg)
    {
        _timer = EventHandle.None;
        if (_state == State.Stopped) return;
        if (kind == WatchExpired)
        {
            _api.CloseWatch(_watchHandle);
            _watchHandle = WatchHandle.None;
            SendWatch();
            return;
        }
        if (_nextIsWatchOnly && HasSynced)
        {
            _nextIsWatchOnly = false;
            SendWatch();
        }
        else
        {
            SendList();
        }
    }
}
