using Cascade.Engine;

namespace Cascade.ControlPlane;

// Stands for: client-go's reflector behind every informer (staging/src/k8s.io/client-go/tools/cache/
// reflector.go: ListAndWatch, watch, relistResourceVersion, the backoff manager; tools/pager), as it is
// since client-go 1.27, and with WatchList (1.35) its streaming start. docs/model.md, "Informers".
// Keeps:
// - the first LIST with resourceVersion "0" (pages of 500, which the cache ignores);
// - a watch that ends (its 5–10 min timeout, or its connection dropped with its API server) re-opened at
//   once from the last synced version, without a LIST;
// - a watch refused or answered 429 retried with back-off (800 ms → 30 s, factor 2, jitter 1.0, reset
//   after 2 min), without a LIST;
// - a watch answered 410 Expired: back-off, then a LIST from the last synced version, unpaginated so the
//   watch cache serves it; only a LIST that itself fails as expired makes the next one resourceVersion ""
//   (a consistent read);
// - any other failed LIST or WATCH: back-off, then LIST again from the last synced version;
// - WatchList: the sync is a WATCH with initial events from the cache; if it fails, a LIST at once.
// Leaves out: resyncs (local), bookmarks (a watching informer counts as synced up to now), the store's
// contents and event handlers, "very short watch" detection.

/// <summary>One informer: keeps a view of one resource current through LIST and WATCH.</summary>
public sealed class Informer : IApiCaller, IWatcher, IEventHandler, IBlockWatcher
{
    private const int BackoffDone = 0, WatchExpired = 1, RefusedAnswer = 2;

    /// <summary>client-go NewReflector: backoff manager 800 ms → 30 s, reset after 2 min, jitter 1.0.</summary>
    private static readonly Backoff Retry = new(SimTime.FromMilliseconds(800), SimTime.FromSeconds(30));
    private static readonly long BackoffReset = SimTime.FromMinutes(2);
    private const double Jitter = 1.0;

    /// <summary>reflector.go: watch timeout uniform in [minWatchTimeout, 2 × minWatchTimeout), minWatchTimeout 5 min.</summary>
    private static readonly double WatchMinSeconds = 300, WatchMaxSeconds = 600;

    private enum State : byte { Idle, Listing, WatchListing, Watching, OpeningWatch, BackingOff, Stopped }
    private enum Next : byte { Sync, Watch }

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly ApiClient _client;
    private readonly InformerCalls _calls;
    private readonly RandomStream _rng;
    private State _state;
    private Next _next;
    private long _syncedAt = -1;          // the last synced resourceVersion, as the time it was current; −1: none
    private bool _versionUnavailable;      // the last LIST failed as expired: the next one is a consistent read
    private long _backoff, _lastFailureAt = -1;
    private long _generation;
    private WatchHandle _watchHandle = WatchHandle.None;
    private EventHandle _timer = EventHandle.None;

    /// <summary>This informer's number among its cluster's (ApiServerSet.InformerAt).</summary>
    internal int Number { get; }

    public Informer(Simulation sim, ApiServerSet api, ApiClient client, InformerCalls calls, RandomStream rng)
    {
        _sim = sim;
        _api = api;
        _client = client;
        _calls = calls;
        _rng = rng;
        Number = api.Register(this);
        client.WatchBlocked(this, 0);
        rng.Informers++;
    }

    /// <summary>The requests this informer makes.</summary>
    public InformerCalls Calls => _calls;

    /// <summary>The first sync has completed: the informer has a view (possibly stale) of the resource.</summary>
    public bool HasSynced { get; private set; }

    /// <summary>A LIST (or a WatchList's initial state) is in flight: its answer is held next to the store until it replaces it.</summary>
    public bool IsListing
    {
        get
        {
            if (!_parked) return _state is State.Listing or State.WatchListing;
            // Parked: listing while a LIST (or watch-list) waits for its client's token, or, sent while no replica
            // serves, for its refusal (one cut off at the network fails as it is sent).
            _api.ParkedInformers.CatchUpBefore();
            return _parked && _parkedStep != Step.Attempt && _parkedSent != Sent.Watch;
        }
    }

    /// <summary>A watch is open now: the view is current.</summary>
    public bool IsWatching => _state == State.Watching;

    // Told when the watch opens or closes (kube-proxies keep which nodes watch in an array of their own).
    private IWatchingListener? _watchingListener;
    private int _watchingIndex;

    /// <summary><paramref name="listener"/> hears, with <paramref name="index"/>, each time <see cref="IsWatching"/> changes.</summary>
    internal void ListenWatching(IWatchingListener listener, int index)
    {
        _watchingListener = listener;
        _watchingIndex = index;
    }

    private void SetState(State state)
    {
        bool was = _state == State.Watching;
        _state = state;
        if (was != (state == State.Watching)) _watchingListener?.OnWatchingChanged(_watchingIndex, !was);
    }

    /// <summary>LISTs sent (every page counts once: a paginated LIST is one).</summary>
    public long Lists { get; private set; }

    /// <summary>LISTs sent after the first sync.</summary>
    public long Relists { get; private set; }

    /// <summary>Relists with resourceVersion "" (a consistent read: etcd unless the cache serves it).</summary>
    public long ConsistentRelists { get; private set; }

    /// <summary>Watches answered 410 Expired.</summary>
    public long ExpiredWatches { get; private set; }

    /// <summary>Open watches that broke (their API server died, the connection was lost) and were re-opened from the last version.</summary>
    public long BrokenWatches { get; private set; }

    /// <summary>Starts from nothing (a new pod or node): the first LIST, then the watch. A stopped informer started again forgets its view.</summary>
    public void Start(long delayTicks)
    {
        Unpark(resume: false);
        HasSynced = false;
        _syncedAt = -1;
        _versionUnavailable = false;
        _backoff = 0;
        _lastFailureAt = -1;
        SetState(State.BackingOff);
        _next = Next.Sync;
        _timer = _sim.Schedule(delayTicks, this, BackoffDone);
    }

    /// <summary>
    /// Starts as an informer of a cluster that was already running: synced at time 0 and only opening its
    /// watch (after <paramref name="delayTicks"/>, so a fleet of them does not arrive at once).
    /// </summary>
    public void StartSynced(long delayTicks)
    {
        Unpark(resume: false);
        HasSynced = true;
        _syncedAt = 0;
        SetState(State.BackingOff);
        _next = Next.Watch;
        _timer = _sim.Schedule(delayTicks, this, BackoffDone);
    }

    /// <summary>
    /// The process restarted (a new pod, a new leader): it starts from nothing — no store, no version, no
    /// back-off — and lists after <paramref name="delayTicks"/>.
    /// </summary>
    public void Restart(long delayTicks)
    {
        Stop();
        Start(delayTicks);
    }

    /// <summary>
    /// The network between the client and the API servers went away (a partition): the open watch ends, and
    /// the reflector tries to re-watch from the last version it saw, backing off while it cannot reach them.
    /// </summary>
    public void Disconnect()
    {
        if (_state != State.Watching) return;
        _api.CloseWatch(_watchHandle);
        OnWatchBroken(_generation);
    }

    /// <summary>The client this informer's requests go through.</summary>
    public ApiClient Client => _client;

    public void Stop()
    {
        Unpark(resume: false);
        SetState(State.Stopped);
        _generation++;
        if (!_timer.IsNone) _sim.Cancel(_timer);
        _timer = EventHandle.None;
        _api.CloseWatch(_watchHandle);
        _watchHandle = WatchHandle.None;
    }

    /// <summary>ListAndWatch: sync (WatchList, or a LIST from the version relistResourceVersion picks), then watch.</summary>
    private void Sync()
    {
        if (_calls.UseWatchList && !_versionUnavailable)
        {
            SetState(State.WatchListing);
            _api.Send(_client, _calls.WatchList, this, ++_generation);
            return;
        }
        SendList();
    }

    private void SendList()
    {
        SetState(State.Listing);
        var call = CountList();
        _api.Send(_client, call, this, ++_generation, _syncedAt);
    }

    /// <summary>The LIST to send now, counted.</summary>
    private ApiCall CountList()
    {
        ApiCall call;
        if (_versionUnavailable)
        {
            call = _calls.ConsistentRelist;
            ConsistentRelists++;
        }
        else call = _syncedAt < 0 ? _calls.List : _calls.Relist;
        if (HasSynced) Relists++;
        Lists++;
        return call;
    }

    private void SendWatch()
    {
        SetState(State.OpeningWatch);
        _api.Send(_client, _calls.Watch, this, ++_generation, _syncedAt);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        if (tag != _generation || _state == State.Stopped) return;
        switch (_state)
        {
            case State.WatchListing:
                if (outcome == RequestOutcome.Ok) Synced(watch);
                else SendList(); // reflector: a failed watch-list falls back to LIST at once
                break;
            case State.Listing:
                if (outcome == RequestOutcome.Ok)
                {
                    Synced(WatchHandle.None);
                    SendWatch();
                }
                else
                {
                    if (outcome == RequestOutcome.Expired) _versionUnavailable = true;
                    BackOff(Next.Sync);
                }
                break;
            case State.OpeningWatch:
                if (outcome == RequestOutcome.Ok) Watching(watch);
                else if (outcome is RequestOutcome.TooManyRequests or RequestOutcome.Unavailable) BackOff(Next.Watch);
                else
                {
                    if (outcome == RequestOutcome.Expired) ExpiredWatches++;
                    BackOff(Next.Sync); // 410 or another error: ListAndWatch returns, the next one lists
                }
                break;
        }
    }

    private void Synced(WatchHandle watch)
    {
        HasSynced = true;
        _versionUnavailable = false;
        _syncedAt = _sim.Now;
        if (!watch.IsNone) Watching(watch);
    }

    private void Watching(WatchHandle watch)
    {
        SetState(State.Watching);
        _watchHandle = watch;
        double seconds = _rng.NextUniform(WatchMinSeconds, WatchMaxSeconds);
        _timer = _sim.Schedule(SimTime.FromSeconds(seconds), this, WatchExpired);
    }

    /// <summary>The watch's connection dropped (its API server died or lost its cache): re-watch at once from where it was.</summary>
    public void OnWatchBroken(long tag)
    {
        if (_state != State.Watching) return;
        BrokenWatches++;
        _watchHandle = WatchHandle.None;
        if (!_timer.IsNone) _sim.Cancel(_timer);
        _timer = EventHandle.None;
        _syncedAt = _sim.Now;
        SendWatch();
    }

    private void BackOff(Next next)
    {
        _next = next;
        SetState(State.BackingOff);
        long delay = BackOffDelay(_sim.Now);
        // Parked draws are made late, so only an informer that draws alone from its stream is parked.
        if (_api.ParkUnreachable && !_client.Probed && _client.TimeoutTicks == 0 && _rng.Informers == 1 && (_client.Blocked || !_api.AnyReplicaUp))
        {
            // Cut off at the network (each attempt fails as it is sent), or no replica serves (each is refused a
            // moment later): every attempt until that ends fails the same way (ParkedInformers).
            _parked = true;
            _parkedDark = !_client.Blocked;
            _parkedStep = Step.Attempt;
            _parkedUntil = _sim.Now + delay;
            _client.ParkedAttempts++;
            _api.ParkedInformers.Add(this, _parkGen, _parkedUntil, scheduledAt: _sim.Now);
            return;
        }
        _timer = _sim.Schedule(delay, this, BackoffDone);
    }

    /// <summary>The back-off after a failure at <paramref name="now"/>: the manager's next step, jittered (wait.Jitter(d, 1.0) = d + rand·d).</summary>
    private long BackOffDelay(long now)
    {
        long d = Retry.Next(ref _backoff, ref _lastFailureAt, now, BackoffReset);
        return d + (long)(_rng.NextDouble() * Jitter * d);
    }

    // ---------------------------------------------------------------- attempts that cannot reach an API server

    // While its client is blocked (and has no timeout) each attempt fails as it is sent; while no replica serves each
    // is refused a moment later. Either way the reflector backs off and tries again: the informer waits in
    // ParkedInformers, which makes its attempts when the API server's counters are read.
    private enum Step : byte { Attempt, Transmit, Answer }
    private enum Sent : byte { Watch, WatchList, List }
    private bool _parked, _parkedDark;
    private int _parkGen;
    private long _parkedUntil;       // when its next step is due

    /// <summary>While parked: when the request path would have scheduled its next step's event (ParkedInformers keeps it here).</summary>
    internal long ParkedScheduledAt;
    private Step _parkedStep;        // the attempt after a back-off, its request going on the wire, or its refusal
    private Sent _parkedSent;
    private ApiCall? _parkedCall;
    private long _parkedSentAt;

    /// <summary>Parked now, as generation <paramref name="gen"/> (an older entry of this informer is stale).</summary>
    internal bool ParkedAs(int gen) => _parked && _parkGen == gen;

    /// <summary>
    /// Reads what a parked step reads first (this informer, its client, its random stream), so that ParkedInformers can
    /// have a batch of them brought into the cache at once; the value means nothing.
    /// </summary>
    internal long Warm() => _parkGen ^ _parkedUntil ^ _backoff ^ _client.Warm() ^ _rng.Warm();

    /// <summary>Parked for want of a serving replica (not at the network).</summary>
    internal bool ParkedDark => _parked && _parkedDark;

    /// <summary>
    /// The step due at <paramref name="at"/>, made while the informer cannot reach an API server: the attempt
    /// <see cref="OnEvent"/> makes then, its request going on the wire when its client's limiter gives it a token, or
    /// the refusal <see cref="OnResponse"/> then hears; each counted as the request path counts it. Returns when the
    /// next step is due.
    /// </summary>
    internal long ParkedStep(long at)
    {
        switch (_parkedStep)
        {
            case Step.Attempt:
                return Launch(_next == Next.Watch && HasSynced ? Sent.Watch : _calls.UseWatchList && !_versionUnavailable ? Sent.WatchList : Sent.List, at);
            case Step.Transmit:
                if (!_parkedDark)
                {
                    _api.CountBlocked();
                    return Answered(at); // blocked: it fails as it is sent
                }
                _api.CountRefused(_client, _parkedCall!);
                _parkedStep = Step.Answer;
                return _parkedUntil = at + ApiServerSet.RefusedTicks;
            default:
                return Answered(at);
        }
    }

    /// <summary>What <see cref="ApiServerSet.Send"/> does with the request: a new generation, the LIST counted, a token from the client's limiter.</summary>
    private long Launch(Sent what, long at)
    {
        _parkedSent = what;
        _parkedSentAt = at;
        ++_generation;
        _parkedCall = what switch { Sent.Watch => _calls.Watch, Sent.WatchList => _calls.WatchList, _ => CountList() };
        _parkedStep = Step.Transmit;
        long wait = _client.ReserveToken(at);
        return wait > 0 ? _parkedUntil = at + wait : ParkedStep(at);
    }

    /// <summary>The failure heard at <paramref name="at"/>: a failed watch-list is followed by a LIST at once; any other failure backs off.</summary>
    private long Answered(long at)
    {
        if (_parkedSent == Sent.WatchList) return Launch(Sent.List, at);
        _next = _parkedSent == Sent.Watch ? Next.Watch : Next.Sync; // OnResponse: a failed WATCH re-watches, a failed LIST lists
        _parkedStep = Step.Attempt;
        return _parkedUntil = at + BackOffDelay(at);
    }

    /// <summary>Leaves the parked informers now: with <paramref name="resume"/> its next step becomes an event again.</summary>
    private void Unpark(bool resume)
    {
        if (!_parked) return;
        _api.ParkedInformers.CatchUpBefore();
        _parked = false;
        _parkGen++;
        _client.ParkedAttempts--;
        if (_parkedStep == Step.Transmit)
        {
            // Its request waits for a token: it goes on the wire when the token comes, whatever became of the informer.
            if (resume) SetState(SentState);
            _api.SendAfterToken(_client, _parkedCall!, this, _generation, _syncedAt, _parkedSentAt, _parkedUntil);
            return;
        }
        if (!resume) return;
        switch (_parkedStep)
        {
            case Step.Attempt:
                _timer = _sim.ScheduleAt(_parkedUntil, this, BackoffDone);
                return;
            default:
                // A request was sent and refused; its answer is still on its way.
                SetState(SentState);
                _timer = _sim.ScheduleAt(_parkedUntil, this, RefusedAnswer);
                return;
        }
    }

    private State SentState => _parkedSent switch { Sent.Watch => State.OpeningWatch, Sent.WatchList => State.WatchListing, _ => State.Listing };

    /// <summary>A replica serves again: an informer parked for want of one goes back to events.</summary>
    internal void OnServing() => Unpark(resume: true);

    void IBlockWatcher.OnBlockedChanged(int index, bool blocked)
    {
        // A block that lifts ends a blocked cycle; one that starts ends a refused one (the next attempt is blocked).
        if (blocked ? _parkedDark : !_parkedDark) Unpark(resume: true);
    }

    public void OnEvent(int kind, long arg)
    {
        _timer = EventHandle.None;
        if (_state == State.Stopped) return;
        if (kind == RefusedAnswer)
        {
            OnResponse(_generation, RequestOutcome.Unavailable, ApiServerSet.RefusedTicks, WatchHandle.None);
            return;
        }
        if (kind == WatchExpired)
        {
            // The watch timed out normally: events and bookmarks kept the view current up to now.
            _api.CloseWatch(_watchHandle);
            _watchHandle = WatchHandle.None;
            _syncedAt = _sim.Now;
            SendWatch();
            return;
        }
        if (_next == Next.Watch && HasSynced) SendWatch();
        else Sync();
    }
}

/// <summary>Hears that an informer's watch opened or closed (<see cref="Informer.IsWatching"/>).</summary>
internal interface IWatchingListener
{
    void OnWatchingChanged(int index, bool watching);
}
