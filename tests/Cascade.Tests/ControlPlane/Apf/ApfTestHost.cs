using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// A stand-in API server for APF tests: a fake executor that finishes each dispatched request after its
/// service time, and closed-loop clients that send their next request as soon as the previous one
/// completes (or, after a 429, after its Retry-After). All bookkeeping is in arrays, so a warmed-up
/// run allocates nothing.
/// </summary>
internal sealed class ApfTestHost : IApfHost, IEventHandler
{
    private const int KindComplete = 1;
    private const int KindRetry = 2;
    private const int MaxRequests = 1 << 14;

    public readonly Simulation Sim;
    public ApfDispatcher Apf = null!;

    private readonly int[] _flow = new int[MaxRequests];
    private readonly long[] _service = new long[MaxRequests];
    private readonly bool[] _closedLoop = new bool[MaxRequests];
    private readonly WorkEstimate[] _work = new WorkEstimate[MaxRequests];
    private readonly Classification[] _class = new Classification[MaxRequests];
    private readonly EventHandle[] _completion = new EventHandle[MaxRequests];

    public readonly long[] DispatchedAt = new long[MaxRequests];
    public readonly double[] SeatSecondsByFlow = new double[16];
    public readonly long[] CompletedByFlow = new long[16];
    public readonly long[] RejectedByFlow = new long[16];
    public long DispatchCount, RejectCount;
    public int LastRejectedId = -1;
    public RejectReason LastRejectReason;
    public int LastRetryAfter;
    public long LastRejectTime;
    public int LastDispatchedId = -1;
    public long QueueWaitLimit = SimTime.Never;
    /// <summary>When false, clients stop sending after their current request.</summary>
    public bool Sending = true;

    public ApfTestHost(ulong seed = 1) => Sim = new Simulation(seed, 1 << 15);

    public ApfTestHost Start(ApfConfiguration config, int serverConcurrencyLimit)
    {
        Apf = new ApfDispatcher(Sim, config, serverConcurrencyLimit, this);
        return this;
    }

    /// <summary>Sends one request now; it completes <paramref name="serviceTicks"/> after dispatch.</summary>
    public void Send(int id, Classification c, WorkEstimate work, long serviceTicks, int flow = 0, bool closedLoop = false)
    {
        _flow[id] = flow;
        _service[id] = serviceTicks;
        _work[id] = work;
        _class[id] = c;
        _closedLoop[id] = closedLoop;
        DispatchedAt[id] = -1;
        Apf.Admit(id, c, work, QueueWaitLimit);
    }

    /// <summary><paramref name="clients"/> closed-loop clients of one flow, using ids firstId.. .</summary>
    public void StartClients(int firstId, int clients, Classification c, WorkEstimate work, long serviceTicks, int flow)
    {
        for (int i = 0; i < clients; i++) Send(firstId + i, c, work, serviceTicks, flow, closedLoop: true);
    }

    public void OnDispatched(int requestId)
    {
        DispatchCount++;
        LastDispatchedId = requestId;
        DispatchedAt[requestId] = Sim.Now;
        _completion[requestId] = Sim.Schedule(_service[requestId], this, KindComplete, requestId);
    }

    public void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds)
    {
        RejectCount++;
        RejectedByFlow[_flow[requestId]]++;
        LastRejectedId = requestId;
        LastRejectReason = reason;
        LastRetryAfter = retryAfterSeconds;
        LastRejectTime = Sim.Now;
        if (_closedLoop[requestId] && Sending) Sim.Schedule(retryAfterSeconds * SimTime.TicksPerSecond, this, KindRetry, requestId);
    }

    public void OnEvent(int kind, long arg)
    {
        int id = (int)arg;
        if (kind == KindComplete)
        {
            Apf.Finish(id);
            int flow = _flow[id];
            CompletedByFlow[flow]++;
            SeatSecondsByFlow[flow] += _work[id].InitialSeats * SimTime.ToSeconds(_service[id]);
        }
        if (_closedLoop[id] && Sending) Apf.Admit(id, _class[id], _work[id], QueueWaitLimit);
    }

    public void RunFor(double seconds) => Sim.Run(Sim.Now + SimTime.FromSeconds(seconds));

    public void ClearTotals()
    {
        Array.Clear(SeatSecondsByFlow);
        Array.Clear(CompletedByFlow);
        Array.Clear(RejectedByFlow);
    }
}
