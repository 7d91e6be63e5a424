using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.ControlPlane;

/// <summary>
/// Where an attempt is. Throttled: waiting for a client token or a Retry-After, not yet sent. Queued,
/// EtcdRead, Cpu, EtcdWrite, CacheWait (blocked on a cold watch cache, before 1.31): at the API server (in flight). Answering: already counted (refused or
/// dropped at the network), its answer still on the way back to the caller. Committing: a write whose client gave up
/// while etcd committed it; the API server has answered (504) and let go of it, etcd goes on.
/// </summary>
public enum RequestPhase : byte { Free, Throttled, Queued, EtcdRead, Cpu, EtcdWrite, Answering, CacheWait, Committing }

/// <summary>
/// One attempt of one API request, pooled and reused by number (the table below), so the request path
/// allocates nothing in steady state. A retry is a new attempt with a new number: each attempt is what the
/// API server counts as a request.
/// </summary>
internal sealed class Request
{
    public int Id;
    public ApiCall Call = null!;
    public ApiClient Client = null!;
    // Copied from the client and the call when the request is made (both are at hand then), so that the request path's
    // later stages read them here instead of reaching into two more objects: where the client's connection is kept,
    // its retry limit, and what the metrics label a rejection with.
    public ClientConnections Connections = null!;
    public int ConnectionSlot;
    public int MaxRetries;
    public int PriorityLevel;
    public bool Exempt;
    public ReportedVerb ReportedVerb;
    public VerbClass VerbClass;
    public IApiCaller? Caller;
    public long Tag;
    public int Attempt;
    public int Replica = -1;
    public int ReplicaLife;
    public RequestPhase Phase;
    public long StartedAt;      // the first attempt left the caller (latency as the caller sees it)
    public long ArrivedAt;      // this attempt reached the API server
    public long Arrival;        // the how-manieth arrival at the API servers this attempt was (orders a dying replica's requests)
    public long EtcdSentAt;     // its read or write went to etcd (etcd_request_duration_seconds)
    public long ServerTimeout;   // DeadlineQueue token; 0 = not armed
    public long ClientTimeout;   // DeadlineQueue token; 0 = not armed
    public DeadlineQueue? ClientTimeouts;
    public long MemoryBytes;     // held now
    public long MemoryPlanned;   // what it will hold once its data is in the replica
    public long ObjectsRead;
    public long ObjectsHeld;     // of those, the most held at once (one etcd range's response when paginated)
    public int EtcdRanges;       // the etcd range requests the read takes
    public long CpuTicks;
    public int Page;
    public WorkEstimate Work;
    public EventHandle StageEvent = EventHandle.None;
    public long ObjectsReturned;
    public bool FromCache;
    public bool Abandoned;       // the caller stopped waiting; the server still works on it
    public int CacheInitResource = -1; // ≥ 0: the replica's own watch-cache initialisation, not a client request
    public long Since = -1;      // a reader's resourceVersion, as the time it last synced; −1: none
    public int NextFree = -1;
}

/// <summary>Pool of <see cref="Request"/> objects addressed by number.</summary>
internal sealed class RequestTable
{
    private Request[] _slots = new Request[256];
    private int _used;
    private int _freeHead = -1;

    public int InUse { get; private set; }

    /// <summary>Slots ever handed out: ids below this are valid to look at.</summary>
    public int HighWater => _used;

    public Request this[int id] => _slots[id];

    public Request Allocate()
    {
        int id;
        if (_freeHead >= 0)
        {
            id = _freeHead;
            _freeHead = _slots[id].NextFree;
        }
        else
        {
            if (_used == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
            id = _used++;
            _slots[id] = new Request { Id = id };
        }
        InUse++;
        var r = _slots[id];
        r.NextFree = -1;
        return r;
    }

    public void Free(Request r)
    {
        r.Phase = RequestPhase.Free;
        r.Caller = null;
        r.Call = null!;
        r.Client = null!;
        r.Connections = null!;
        r.Replica = -1;
        r.MemoryBytes = 0;
        r.MemoryPlanned = 0;
        r.Abandoned = false;
        r.CacheInitResource = -1;
        r.Since = -1;
        r.ServerTimeout = 0;
        r.ClientTimeout = 0;
        r.ClientTimeouts = null;
        r.StageEvent = EventHandle.None;
        r.Page = 0;
        r.Attempt = 0;
        r.NextFree = _freeHead;
        _freeHead = r.Id;
        InUse--;
    }
}
