using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

// Stands for: the closed-loop test clients of upstream's queueset tests — uniformClient, uniformScenario and
// uniformScenarioState/Thread in staging/src/k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing/queueset/
// queueset_test.go, with the fake event clock of fairqueuing/testing/eventclock/fake.go replaced by this
// project's Simulation kernel and upstream's QueueSet by the ApfDispatcher the simulation uses (one priority
// level of the shape the scenario asks for; the estimator's per-level seat cap is bypassed, as upstream's
// tests hand their WorkEstimates to StartRequest directly).
// Kept: threads that each make nCalls calls, one at a time (call k+1 is launched exec + think after call k
// starts executing, so a negative think launches it before k finishes), thread j of client i starting at
// 90 j + 20 i ns, split clients (the second half of the threads start at evalDuration/2 with half the
// calls), a thread that gets a rejection stops, per-client integrals of initial seats over the execution
// phase, evaluation at evalDuration/2 (split scenarios) and evalDuration against fairAlloc's max-min fair
// shares of the clients' demands (or expectedAverages), and the final checks: every request or some
// rejected, queues and seats empty at the end, epoch advances, and the level's seat-demand integral against
// the clients' own account. Left out: metrics text comparison, the dumps (insistRequestFromUser).
// Time: scenarios are written in upstream's nanoseconds and each duration is rounded to the kernel's tick
// (1 µs), as exactly as this clock can hold it: "time.Second - 1" is 1 s, the 20-650 ns thread offsets are 0
// or 1 µs. Events that upstream separates by less than a tick then share a tick and run in the order they
// were scheduled, which is upstream's order: threads are started in order of their upstream offsets, and a
// call launched "1 ns before" another request finishes was scheduled before that finish was. Stretching
// each nanosecond to a whole tick instead would not be upstream's scenario: R advances ~1000 times more
// between such events, and fair queuing's tie-breaks go otherwise (an independent re-statement of
// queueset.go's algorithm, run at nanosecond resolution, gives TestUniformFlowsHandSize3 1.88/2.12 seats
// when its think time is 1 s − 100 ns instead of 1 s − 1 ns, the same as this port with 1 s − 1 µs).

/// <summary>
/// uniformClient: <see cref="Threads"/> threads of <see cref="Calls"/> calls of one flow. Durations are
/// upstream's time.Duration values, in nanoseconds.
/// </summary>
internal readonly record struct UniformClient(ulong Hash, int Threads, int Calls, long ExecNanos, long ThinkNanos)
{
    public int InitialSeats { get; init; } = 1;
    public int FinalSeats { get; init; } = 1;
    /// <summary>padDuration: final seats stay occupied this long after the reply (AdditionalLatency).</summary>
    public long PadNanos { get; init; }
    /// <summary>Half the threads, with half the calls each, start only at evalDuration/2.</summary>
    public bool Split { get; init; }

    public UniformClient WithInitialSeats(int seats) => this with { InitialSeats = seats };
    public UniformClient Padded(int finalSeats, long padNanos) => this with { FinalSeats = finalSeats, PadNanos = padNanos };
    public UniformClient SplitInHalves() => this with { Split = true };

    public int MaxSeats => Math.Max(InitialSeats, FinalSeats);
}

/// <summary>The priority level the clients go through.</summary>
internal enum LevelKind { Queuing, Rejecting, Exempt }

/// <summary>QueuingConfig + DispatchingConfig of the level under test.</summary>
internal readonly record struct LevelShape(LevelKind Kind, int ConcurrencyLimit, int Queues = 0, int QueueLengthLimit = 0, int HandSize = 0)
{
    public static LevelShape Queuing(int concurrencyLimit, int queues, int queueLengthLimit, int handSize) =>
        new(LevelKind.Queuing, concurrencyLimit, queues, queueLengthLimit, handSize);

    /// <summary>DesiredNumQueues 0: a reject-type level.</summary>
    public static LevelShape WithoutQueues(int concurrencyLimit) => new(LevelKind.Rejecting, concurrencyLimit);

    /// <summary>
    /// DesiredNumQueues −1: exempt from limitation. <paramref name="concurrencyLimit"/> only sizes the fair
    /// shares the clients are measured against (the level itself enforces nothing).
    /// </summary>
    public static LevelShape Exempt(int concurrencyLimit) => new(LevelKind.Exempt, concurrencyLimit);
}

/// <summary>One evaluation point: per-client average seats in use against the expected fair average.</summary>
internal sealed record ShareEvaluation(double[] Averages, double[] Expected)
{
    /// <summary>evalTo's verdict for client <paramref name="i"/>: relative error within the margin (absolute when 0 is expected).</summary>
    public bool IsFair(int i, double margin) =>
        Expected[i] > 0 ? Math.Abs((Averages[i] - Expected[i]) / Expected[i]) <= margin : Math.Abs(Averages[i]) <= margin;

    /// <summary>upstream fails a scenario when any client's verdict differs from expectFair.</summary>
    public bool AnyVerdictDiffers(bool expectFair, double margin)
    {
        for (int i = 0; i < Averages.Length; i++) if (IsFair(i, margin) != expectFair) return true;
        return false;
    }

    public override string ToString() =>
        string.Join(", ", Averages.Select((a, i) => $"client {i}: {a:F4} (expected {Expected[i]:F4})"));
}

/// <summary>
/// What a scenario measured: the shares over [0, evalDuration/2) when a client is split, the shares from the
/// previous evaluation (0, or evalDuration/2) to evalDuration, and the state after every thread ended.
/// </summary>
internal sealed record ScenarioResult(
    ShareEvaluation? FirstHalf,
    ShareEvaluation Last,
    long Failed,
    int[] Executions,
    int[] Rejects,
    long EpochAdvances,
    int SeatsInUseAtEnd,
    int WaitingAtEnd,
    int ExecutingAtEnd,
    SeatDemandIntegrator.Moments DemandSubject,
    SeatDemandIntegrator.Moments DemandCheck);

/// <summary>uniformScenario: runs the clients through one level and measures what each got.</summary>
internal sealed class UniformScenario : IApfHost, IEventHandler
{
    private const int KindCall = 1;          // arg: thread << 24 | k
    private const int KindExecEnd = 2;       // arg: request id
    private const int KindReturnDemand = 3;  // arg: thread
    private const string LevelName = "under-test";

    private readonly LevelShape _shape;
    private readonly UniformClient[] _clients;
    private readonly long _evalTicks, _evalNanos;
    private long[] _execTicks = null!, _thinkTicks = null!, _padTicks = null!;  // per client
    private readonly double[]? _expectedAverages;
    private readonly bool _split;

    private Simulation _sim = null!;
    private ApfDispatcher _apf = null!;
    private Classification[] _classOf = null!;  // per client
    private int[] _clientOf = null!, _callsOf = null!;  // per thread
    private int[] _callOfRequest = null!;              // per request id (two per thread: k & 1)
    private Integrator[] _execSeats = null!;           // per client
    private Integrator _demandCheck;
    private int[] _executions = null!, _rejects = null!;
    private long _failed;

    /// <param name="evalNanos">evalDuration, in nanoseconds like the clients' durations.</param>
    public UniformScenario(LevelShape shape, UniformClient[] clients, long evalNanos, double[]? expectedAverages = null)
    {
        _shape = shape;
        _clients = clients;
        _evalTicks = Ticks(evalNanos);
        _evalNanos = evalNanos;
        _expectedAverages = expectedAverages;
        _split = clients.Any(c => c.Split);
    }

    /// <summary>exercise: start every thread, evaluate at the half (split) and at evalDuration, then run to the end.</summary>
    public ScenarioResult Run()
    {
        _sim = new Simulation(seed: 1, 1 << 12);
        var (config, pl) = Configuration(_shape);
        // A server limit of C + 5 gives the level exactly C seats beside the 5-share catch-all (it neither lends
        // nor borrows); the exempt level gets a token server limit.
        int serverLimit = _shape.Kind == LevelKind.Exempt ? 1 : _shape.ConcurrencyLimit + 5;
        _apf = new ApfDispatcher(_sim, config, serverLimit, this, periodicBorrowing: false);
        if (_shape.Kind != LevelKind.Exempt && _apf.CurrentConcurrencyLimit(pl) != _shape.ConcurrencyLimit)
            throw new InvalidOperationException($"level got {_apf.CurrentConcurrencyLimit(pl)} seats, not {_shape.ConcurrencyLimit}");

        int nClients = _clients.Length, nThreads = _clients.Sum(c => c.Threads);
        _classOf = new Classification[nClients];
        _clientOf = new int[nThreads];
        _callsOf = new int[nThreads];
        _callOfRequest = new int[2 * nThreads];
        _execSeats = new Integrator[nClients];
        _executions = new int[nClients];
        _rejects = new int[nClients];
        _demandCheck = default;
        _failed = 0;
        _execTicks = _clients.Select(c => Ticks(c.ExecNanos)).ToArray();
        _thinkTicks = _clients.Select(c => Ticks(c.ThinkNanos)).ToArray();
        _padTicks = _clients.Select(c => Ticks(c.PadNanos)).ToArray();

        // uniformScenarioThread.start: thread j of client i starts 90 j + 20 i ns in; split threads later.
        var starts = new List<(long Nanos, int Thread)>();
        int thread = 0;
        for (int i = 0; i < nClients; i++)
        {
            var uc = _clients[i];
            _classOf[i] = new Classification(pl, 0, uc.Hash, _shape.Kind == LevelKind.Exempt);
            for (int j = 0; j < uc.Threads; j++, thread++)
            {
                _clientOf[thread] = i;
                _callsOf[thread] = uc.Calls;
                long initialDelay = 90L * j + 20L * i;
                if (uc.Split && j >= uc.Threads / 2)
                {
                    initialDelay += _evalNanos / 2;
                    _callsOf[thread] = uc.Calls / 2;
                }
                starts.Add((initialDelay, thread));
            }
        }
        foreach (var (nanos, t) in starts.OrderBy(s => s.Nanos).ThenBy(s => s.Thread))
            _sim.Schedule(Ticks(nanos), this, KindCall, (long)t << 24);

        ShareEvaluation? firstHalf = null;
        if (_split) firstHalf = EvaluateAt(_evalTicks / 2, last: false);
        var lastPart = EvaluateAt(_evalTicks, last: true);
        var subject = _apf.SeatDemandSoFar(pl);
        var check = _demandCheck.Moments(_sim.Now);
        _sim.Run();
        return new ScenarioResult(firstHalf, lastPart, _failed, _executions, _rejects, _apf.EpochAdvances(pl),
            _apf.SeatsInUse(pl), _apf.QueuedRequests(pl), _apf.ExecutingRequests(pl), subject, check);
    }

    /// <summary>evalTo: run through <paramref name="at"/>, then close each client's integral since the previous evaluation.</summary>
    private ShareEvaluation EvaluateAt(long at, bool last)
    {
        _sim.Run(at);
        int n = _clients.Length;
        var demands = new double[n];
        var averages = new double[n];
        for (int i = 0; i < n; i++)
        {
            var uc = _clients[i];
            int threads = uc.Split && !last ? uc.Threads / 2 : uc.Threads;
            demands[i] = threads * (double)uc.InitialSeats * uc.ExecNanos / (uc.ThinkNanos + uc.ExecNanos);
            averages[i] = _execSeats[i].Reset(at);
        }
        return new ShareEvaluation(averages, _expectedAverages ?? FairAlloc(demands, _shape.ConcurrencyLimit));
    }

    /// <summary>callK.</summary>
    private void Call(int thread, int k)
    {
        if (k >= _callsOf[thread]) return;
        int client = _clientOf[thread];
        var uc = _clients[client];
        _demandCheck.Add(_sim.Now, uc.MaxSeats);
        int id = 2 * thread + (k & 1);
        _callOfRequest[id] = k;
        _apf.AdmitAsEstimated(id, _classOf[client], new WorkEstimate(uc.InitialSeats, uc.FinalSeats, _padTicks[client]), SimTime.Never);
    }

    public void OnDispatched(int requestId)
    {
        int thread = requestId >> 1, client = _clientOf[thread];
        var uc = _clients[client];
        long now = _sim.Now;
        _executions[client]++;
        _execSeats[client].Add(now, uc.InitialSeats);
        // As upstream's execFn: first the next call's timer, then the sleep through the execution.
        _sim.Schedule(_execTicks[client] + _thinkTicks[client], this, KindCall, ((long)thread << 24) | (long)(_callOfRequest[requestId] + 1));
        _sim.Schedule(_execTicks[client], this, KindExecEnd, requestId);
    }

    public void OnRejected(int requestId, RejectReason reason, int retryAfterSeconds)
    {
        int thread = requestId >> 1, client = _clientOf[thread];
        _failed++;
        _rejects[client]++;
        _demandCheck.Add(_sim.Now, -_clients[client].MaxSeats);
        // The thread gives up: upstream's callK returns without scheduling another call.
    }

    public void OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case KindCall:
                Call((int)(arg >> 24), (int)(arg & 0xFFFFFF));
                break;
            case KindExecEnd:
            {
                int id = (int)arg, thread = id >> 1, client = _clientOf[thread];
                var uc = _clients[client];
                _execSeats[client].Add(_sim.Now, -uc.InitialSeats);
                _sim.Schedule(_padTicks[client], this, KindReturnDemand, thread);
                _apf.Finish(id);
                break;
            }
            case KindReturnDemand:
                _demandCheck.Add(_sim.Now, -_clients[_clientOf[(int)arg]].MaxSeats);
                break;
        }
    }

    private static (ApfConfiguration Config, int Level) Configuration(LevelShape shape)
    {
        if (shape.Kind == LevelKind.Exempt)
        {
            var exemptOnly = ApfConfiguration.From(new ApfObjects(Array.Empty<PriorityLevelConfiguration>(), Array.Empty<FlowSchema>()), keepDefaults: false);
            return (exemptOnly, exemptOnly.PriorityLevelIndex(ApfDefaults.Exempt));
        }
        var level = new PriorityLevelConfiguration
        {
            Name = LevelName, NominalConcurrencyShares = shape.ConcurrencyLimit, LendablePercent = 0, BorrowingLimitPercent = 0,
            LimitResponse = shape.Kind == LevelKind.Queuing ? LimitResponseType.Queue : LimitResponseType.Reject,
            Queues = shape.Kind == LevelKind.Queuing ? shape.Queues : PriorityLevelConfiguration.DefaultQueues,
            HandSize = shape.Kind == LevelKind.Queuing ? shape.HandSize : PriorityLevelConfiguration.DefaultHandSize,
            QueueLengthLimit = shape.Kind == LevelKind.Queuing ? shape.QueueLengthLimit : PriorityLevelConfiguration.DefaultQueueLengthLimit,
        };
        var schema = new FlowSchema
        {
            Name = LevelName, PriorityLevelName = LevelName, MatchingPrecedence = 500, Distinguisher = FlowDistinguisherMethod.ByUser,
            Rules = { ApfFixtures.EveryoneEverything() },
        };
        var config = ApfConfiguration.From(new ApfObjects(new[] { level }, new[] { schema }), keepDefaults: false);
        return (config, config.PriorityLevelIndex(LevelName));
    }

    /// <summary>A time.Duration in nanoseconds as kernel ticks, rounded to the nearest (halves away from zero).</summary>
    public static long Ticks(long nanos)
    {
        const long perTick = 1000 / SimTime.TicksPerMicrosecond;
        return nanos >= 0 ? (nanos + perTick / 2) / perTick : -((-nanos + perTick / 2) / perTick);
    }

    /// <summary>fairAlloc: the max-min fair division of <paramref name="capacity"/> among the demands.</summary>
    public static double[] FairAlloc(double[] demands, double capacity)
    {
        int count = demands.Length;
        int[] order = Enumerable.Range(0, count).OrderBy(i => demands[i]).ToArray();
        var alloc = new double[count];
        int next = 0;
        double previous = 0;
        for (; next < count; next++)
        {
            int idx = order[next];
            double demand = demands[idx];
            if (demand <= 0) continue;
            // What giving this item, and every larger one, as much as this item demands would use.
            double bite = (count - next) * (demand - previous);
            if (bite > capacity) break;
            previous = demand;
            alloc[idx] = demand;
            capacity -= bite;
        }
        for (int j = next; j < count; j++) alloc[order[j]] = previous + capacity / (count - next);
        return alloc;
    }

    /// <summary>fq.Integrator: the time integral (and of the square) of a piecewise-constant value.</summary>
    private struct Integrator
    {
        private long _last, _since;
        private double _x, _integral, _integralSquare;

        public void Add(long now, double dx)
        {
            Advance(now);
            _x += dx;
        }

        /// <summary>The average since the previous reset (or 0), starting a new interval at <paramref name="now"/>.</summary>
        public double Reset(long now)
        {
            Advance(now);
            double seconds = SimTime.ToSeconds(now - _since);
            double average = seconds > 0 ? _integral / seconds : double.NaN;
            _integral = _integralSquare = 0;
            _since = now;
            return average;
        }

        public SeatDemandIntegrator.Moments Moments(long now)
        {
            Advance(now);
            double seconds = SimTime.ToSeconds(now - _since);
            double average = _integral / seconds;
            double variance = _integralSquare / seconds - average * average;
            return new SeatDemandIntegrator.Moments(seconds, average, variance >= 0 ? Math.Sqrt(variance) : double.NaN);
        }

        private void Advance(long now)
        {
            double dt = SimTime.ToSeconds(now - _last);
            _integral += _x * dt;
            _integralSquare += _x * _x * dt;
            _last = now;
        }
    }
}
