using Cascade.Engine;

namespace Cascade.ControlPlane;

// Stands for: the etcd member behind a cluster's API servers (etcd-io/etcd server/etcdserver v3_server.go
// Range/Put, mvcc kvstore_txn.go rangeKeys), as the API servers' etcd client sees it.
// Keeps: CPU shared by every range and write in flight (processor sharing over etcd's cores, one core per
// RPC at most); a range's CPU as a per-key plus a per-byte cost (measured: docs/etcd-calibration.md); the memory a
// range holds while it runs, growing as it reads (a range builds its whole response before sending it:
// etcd#12342, kubernetes#107325), so concurrent large ranges can OOM-kill etcd; the restart after an OOM
// kill with the kubelet's CrashLoopBackOff; the API servers' clients re-sending what was in flight.
// Leaves out: raft and the other members (one member serves everything, writes pay a fixed commit time),
// compaction and defragmentation, the bbolt page cache, gRPC flow control, watch fan-out inside etcd.
// Its defaults (in EtcdSpec) are measured on a real etcd 3.4 (docs/etcd-calibration.md; calibration/etcd/etcd-ranges.csv).

/// <summary>etcd's settings in model units. What each means, its default and its source: EtcdSpec (Scenarios/Schema/ClusterSpec.cs).</summary>
public sealed class EtcdConfig
{
    public required double Cores { get; init; }
    public required double RangeBytesPerSecond { get; init; }
    public required double RangeKeysPerSecond { get; init; }
    public required long RequestTicks { get; init; }
    public required long WriteTicks { get; init; }
    public required long MemoryBytes { get; init; }
    public required long BaseMemoryBytes { get; init; }
    public required double RangeMemoryFactor { get; init; }
    public required long RestartTicks { get; init; }
    public required int Members { get; init; }
    public required long ElectionTimeoutTicks { get; init; }
}

/// <summary>
/// One etcd member. Jobs are the API servers' request numbers; a job is a range (memory-tracked) or a write.
/// Memory under processor sharing is exact and O(1): a range admitted at virtual time V₀ with w response bytes
/// per tick of its work has read w·(V − V₀), so all ranges together hold V·Σw − Σw·V₀.
/// </summary>
public sealed class Etcd : IEventHandler
{
    /// <summary>The API servers' side of etcd.</summary>
    public interface IClient
    {
        /// <summary>The range or write of <paramref name="job"/> is done.</summary>
        void OnServed(int job);

        /// <summary>etcd died: every watch the API servers' caches hold on it is gone.</summary>
        void OnEtcdDown();
    }

    private const int MemoryCheck = 0, RestartKind = 1, ElectedKind = 2, MembersBackKind = 3;

    private readonly Simulation _sim;
    private readonly EtcdConfig _config;
    private readonly string _cluster;
    private readonly Timeline _timeline;
    private readonly IClient _client;
    private readonly ProcessorSharingServer _cpu;
    private readonly double _bytesPerTick, _keysPerTick;
    private readonly RandomStream _rng;

    // Per job: its work, and for a range the virtual time it was admitted at (−1: a write, or not here).
    private long[] _work = new long[256];
    private double[] _start = new double[256];
    private double[] _weight = new double[256];   // a range's response bytes per tick of its work
    private bool[] _here = new bool[256];
    private int _highWater;

    private int _ranges;
    private double _weightSum, _weightedStartSum;
    private EventHandle _check = EventHandle.None;
    private long _checkAt;
    private long _startedAt;
    private long _crashDelay, _lastCrashAt = -1;
    private bool _electing;
    private int _membersDown;

    // The kubelet's CrashLoopBackOff: 10 s doubling to 5 min, reset after 10 min (Kubernetes docs, pod lifecycle).
    internal static readonly Backoff CrashLoop = new(SimTime.FromSeconds(10), SimTime.FromMinutes(5));
    internal static readonly long CrashLoopReset = SimTime.FromMinutes(10);

    public Etcd(Simulation sim, EtcdConfig config, string cluster, Timeline timeline, IClient client)
    {
        _sim = sim;
        _config = config;
        _cluster = cluster;
        _timeline = timeline;
        _client = client;
        _cpu = new ProcessorSharingServer(sim, config.Cores, new Served(this));
        _bytesPerTick = config.RangeBytesPerSecond / SimTime.TicksPerSecond;
        _keysPerTick = config.RangeKeysPerSecond / SimTime.TicksPerSecond;
        _rng = sim.Random.Stream($"{cluster}/etcd");
    }

    public EtcdConfig Config => _config;

    /// <summary>Serving (not OOM-killed and restarting).</summary>
    public bool Up { get; private set; } = true;

    public int RangesInFlight => _ranges;

    /// <summary>Ranges and writes in service now.</summary>
    public int Jobs => _cpu.Jobs;

    public double Cores => _cpu.Cores;

    /// <summary>A write served in closed form beside the jobs, at full speed (<see cref="ProcessorSharingServer.AddBusyTicks"/>); returns its service time.</summary>
    public long WriteClosedForm()
    {
        _cpu.AddBusyTicks(_config.WriteTicks);
        return _config.WriteTicks;
    }

    public int Ooms { get; private set; }

    /// <summary>Times a fault killed etcd (quorum lost).</summary>
    public int FaultKills { get; private set; }

    /// <summary>Leader elections a fault caused.</summary>
    public int Elections { get; private set; }

    /// <summary>Members serving now (of <see cref="EtcdConfig.Members"/>).</summary>
    public int MembersUp => _config.Members - _membersDown;

    /// <summary>Cores busy now.</summary>
    public double BusyCores => _cpu.BusyCores;

    /// <summary>Integral of busy cores (core-ticks).</summary>
    public double BusyCoreTicks => _cpu.BusyCoreTicks;

    /// <summary>Memory now: the base plus what every range in flight has read so far (its bytes spread evenly over its work).</summary>
    public double MemoryBytes =>
        _config.BaseMemoryBytes + _config.RangeMemoryFactor * Math.Max(0, _cpu.VirtualTime * _weightSum - _weightedStartSum);

    /// <summary>Single-core time of a range over <paramref name="keys"/> keys returning <paramref name="bytes"/>.</summary>
    public long RangeTicks(long keys, long bytes) => _config.RequestTicks + (long)(keys / _keysPerTick + bytes / _bytesPerTick);

    public bool Contains(int job) => job < _highWater && _here[job];

    /// <summary>
    /// Starts a read of <paramref name="keys"/> keys returning <paramref name="bytes"/>; the client hears
    /// <see cref="IClient.OnServed"/>. A paginated read comes as <paramref name="ranges"/> range requests one after
    /// another, each paying the request's fixed time, and holds at most <paramref name="heldBytes"/> at once (its largest
    /// range's response; by default all of it): its memory grows to that over the read, so that many reads in flight
    /// hold on average what their ranges' responses do (each built whole before it is sent).
    /// </summary>
    public long Range(int job, long keys, long bytes, long heldBytes = -1, int ranges = 1)
    {
        long ticks = RangeTicks(keys, bytes) + Math.Max(0, ranges - 1) * _config.RequestTicks;
        Ensure(job);
        _weight[job] = (heldBytes < 0 ? bytes : heldBytes) / (double)Math.Max(1, ticks);
        Admit(job, ticks, range: true);
        return ticks;
    }

    /// <summary>Commits a write.</summary>
    public void Write(int job) => Admit(job, _config.WriteTicks, range: false);

    private void Admit(int job, long ticks, bool range)
    {
        Ensure(job);
        _work[job] = ticks;
        _here[job] = true;
        if (job >= _highWater) _highWater = job + 1;
        if (range)
        {
            _start[job] = _cpu.VirtualTime;
            _ranges++;
            _weightSum += _weight[job];
            _weightedStartSum += _weight[job] * _start[job];
        }
        else _start[job] = -1;
        _cpu.Add(job, ticks);
        if (range) ScheduleMemoryCheck();
    }

    /// <summary>The job's request was abandoned (timed out, its API server died): etcd stops on it.</summary>
    public void Remove(int job)
    {
        if (!Contains(job)) return;
        _cpu.Remove(job);
        Left(job);
    }

    private void Left(int job)
    {
        _here[job] = false;
        if (_start[job] < 0) return;
        _ranges--;
        _weightSum -= _weight[job];
        _weightedStartSum -= _weight[job] * _start[job];
        _start[job] = -1;
        if (_ranges == 0) _weightSum = _weightedStartSum = 0; // no rounding drift carried over
    }

    private void Ensure(int job)
    {
        if (job < _work.Length) return;
        int n = Math.Max(job + 1, _work.Length * 2);
        Array.Resize(ref _work, n);
        Array.Resize(ref _start, n);
        Array.Resize(ref _weight, n);
        Array.Resize(ref _here, n);
    }

    private void OnServed(int job)
    {
        Left(job);
        _client.OnServed(job);
    }

    /// <summary>
    /// Schedules the next look at memory no later than it could reach the limit: a range's work advances at
    /// most one tick per tick, so memory grows at most factor × Σw. Admitting a range reschedules; a range
    /// leaving only slows the growth.
    /// </summary>
    private void ScheduleMemoryCheck()
    {
        if (!Up || _ranges == 0 || _config.MemoryBytes <= 0) return;
        double headroom = _config.MemoryBytes - MemoryBytes;
        double maxGrowth = _config.RangeMemoryFactor * _weightSum;
        if (maxGrowth <= 0) return;
        long delay = headroom <= 0 ? 0 : (long)Math.Ceiling(headroom / maxGrowth);
        long at = _sim.Now + delay;
        if (!_check.IsNone)
        {
            if (_checkAt <= at) return;
            _sim.Cancel(_check);
        }
        _check = _sim.Schedule(delay, this, MemoryCheck);
        _checkAt = at;
    }

    private void OnMemoryCheck()
    {
        _check = EventHandle.None;
        if (!Up) return;
        if (MemoryBytes >= _config.MemoryBytes) OomKill();
        else ScheduleMemoryCheck();
    }

    /// <summary>
    /// Concurrent ranges filled etcd's memory. It dies with everything in flight; the API servers' etcd
    /// clients re-send it once etcd is back (clientv3 retries; writes too: assumption), so each job starts over.
    /// </summary>
    private void OomKill()
    {
        Ooms++;
        _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "etcd-oom-kill",
            $"etcd OOM-killed: {Gib((long)MemoryBytes)} over its {Gib(_config.MemoryBytes)} limit with {_ranges} ranges in flight");
        long delay = _config.RestartTicks + CrashLoopDelay(_sim.Now, _startedAt, ref _crashDelay, ref _lastCrashAt);
        if (delay > _config.RestartTicks)
            _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "crash-loop", $"etcd in CrashLoopBackOff: back in {SimTime.ToSeconds(delay):F0} s");
        GoDown(delay);
    }

    /// <summary>A fault kills <paramref name="members"/> members (0 = all) for <paramref name="downTicks"/>.</summary>
    /// <remarks>
    /// Raft needs a majority: with a quorum left, the survivors elect a new leader (the fault takes the leader
    /// first, the worst case) and serve the dead members' clients; without one, etcd serves nothing until the
    /// members are back. docs/model.md, "Faults".
    /// </remarks>
    public void KillMembers(int members, long downTicks)
    {
        if (!Up) return;
        int killed = members <= 0 ? _config.Members : Math.Min(members, MembersUp);
        if (MembersUp - killed <= _config.Members / 2)
        {
            FaultKills++;
            _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "etcd-down",
                $"etcd lost quorum ({killed} of {_config.Members} members killed): down for {SimTime.ToSeconds(downTicks):F0} s with {_ranges} ranges in flight");
            GoDown(downTicks);
            return;
        }
        _membersDown += killed;
        _cpu.SetCores(_config.Cores * MembersUp / _config.Members);
        _sim.Schedule(downTicks, this, MembersBackKind, killed);
        // The followers notice the leader is gone after an election timeout, randomised in [1, 2) × it (raft.go
        // resetRandomizedElectionTimeout), then vote; until a leader is elected no request is served.
        long election = _config.ElectionTimeoutTicks + (long)(_rng.NextDouble() * _config.ElectionTimeoutTicks);
        Elections++;
        _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "etcd-election",
            $"etcd lost {killed} of {_config.Members} members, the leader among them: {MembersUp} serve after a leader election of {SimTime.ToSeconds(election) * 1000:F0} ms");
        if (!_electing)
        {
            _electing = true;
            _cpu.Pause();
        }
        _sim.Schedule(election, this, ElectedKind);
    }

    /// <summary>etcd stops with everything in flight and is back after <paramref name="delay"/>.</summary>
    private void GoDown(long delay)
    {
        Up = false;
        if (!_check.IsNone) _sim.Cancel(_check);
        _check = EventHandle.None;
        _cpu.Pause();
        for (int job = 0; job < _highWater; job++)
        {
            if (!_here[job]) continue;
            bool range = _start[job] >= 0;
            _cpu.Remove(job);
            Left(job);
            Admit(job, _work[job], range);
        }
        _client.OnEtcdDown();
        _sim.Schedule(delay, this, RestartKind);
    }

    /// <summary>
    /// The kubelet's CrashLoopBackOff before it restarts a container that keeps dying: none for the first crash
    /// after 10 min of running, then 10 s doubling to 5 min.
    /// </summary>
    internal static long CrashLoopDelay(long now, long startedAt, ref long delay, ref long lastCrashAt)
    {
        if (now - startedAt >= CrashLoopReset) { delay = 0; lastCrashAt = -1; }
        if (lastCrashAt < 0)
        {
            lastCrashAt = now;
            return 0;
        }
        return CrashLoop.Next(ref delay, ref lastCrashAt, now, long.MaxValue);
    }

    private void OnRestart()
    {
        Up = true;
        _startedAt = _sim.Now;
        if (!_electing) _cpu.Resume();
        _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "restart", $"etcd serving again; {_cpu.Jobs} requests waiting for it");
        ScheduleMemoryCheck();
    }

    public void OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case MemoryCheck: OnMemoryCheck(); break;
            case RestartKind: OnRestart(); break;
            case ElectedKind:
                _electing = false;
                if (Up) _cpu.Resume();
                break;
            case MembersBackKind:
                _membersDown -= (int)arg;
                _cpu.SetCores(_config.Cores * MembersUp / _config.Members);
                _timeline.Add(SimTime.ToSeconds(_sim.Now), _cluster, "etcd-member-back", $"{arg} etcd member(s) back: {MembersUp} of {_config.Members} serving");
                break;
        }
    }

    internal static string Gib(long bytes) => $"{bytes / (double)(1L << 30):F1} GiB";

    private sealed class Served(Etcd etcd) : ProcessorSharingServer.IClient
    {
        public void OnServed(int job) => etcd.OnServed(job);
    }
}
