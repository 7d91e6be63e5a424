using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.ControlPlane;

/// <summary>
/// Accumulates a cluster's API-server measurements into fixed 10 s buckets as the run goes (no
/// per-request records), samples seat use every second, and applies the saturation test: the first 60 s
/// window in which non-exempt requests have p99 latency over 1 s or more than 1% fail (429, timeout,
/// unavailable).
/// </summary>
public sealed class ApiServerMetrics
{
    public const double BucketSeconds = ApiServerSample.BucketSeconds;
    public const double SaturationP99Seconds = 1.0;
    public const double SaturationFailureRatio = 0.01;
    private const int WindowBuckets = 6;
    private const int Verbs = 4;

    private readonly int _levels;
    private readonly int _replicas;
    private readonly List<ApiServerSample> _samples = new();

    // current bucket
    private long _issued, _lists, _watches, _completed, _timedOut, _clientTimeouts, _unavailable;
    private readonly long[] _rejected = new long[RejectReasons.Count];
    private readonly long[] _rejectedByLevel;
    private readonly long[] _levelHist;   // levels × bins
    private readonly long[] _verbHist;    // verbs × bins
    private double _seatSum, _seatMax, _seatLimitSum, _queuedSum;
    private readonly double[] _seatsByLevelSum, _queuedByLevelSum;
    private readonly double[] _memMax;
    private int _seatSamples;
    private int _ooms;
    private long _watchEvents, _watchBytes, _listsEtcd, _listsCache;
    private readonly int[] _rejectedByLevelReason;
    private readonly int[] _requestsByVerbCode = new int[MetricLabels.Verbs * MetricLabels.Codes];
    private readonly UpstreamHistogram _requestDuration = new(UpstreamHistogram.RequestDurationSeconds, MetricLabels.Verbs);
    private readonly UpstreamHistogram _flowControlWait;
    private readonly UpstreamHistogram _etcdDuration = new(UpstreamHistogram.RequestDurationSeconds, MetricLabels.EtcdOperations);
    private double _etcdMemMax;

    // sliding window of non-exempt requests
    private readonly long[] _windowHist = new long[WindowBuckets * LatencyHistogram.Bins];
    private readonly long[] _windowTotal = new long[WindowBuckets];
    private readonly long[] _windowFailed = new long[WindowBuckets];
    private readonly long[] _windowVerbHist = new long[WindowBuckets * Verbs * LatencyHistogram.Bins];
    private int _windowSlot;

    public ApiServerMetrics(int levels, int replicas)
    {
        _levels = levels;
        _replicas = replicas;
        _rejectedByLevel = new long[levels];
        _rejectedByLevelReason = new int[levels * RejectReasons.Count];
        _flowControlWait = new UpstreamHistogram(UpstreamHistogram.FlowControlWaitSeconds, levels * 2);
        _levelHist = new long[levels * LatencyHistogram.Bins];
        _verbHist = new long[Verbs * LatencyHistogram.Bins];
        _seatsByLevelSum = new double[levels];
        _queuedByLevelSum = new double[levels];
        _memMax = new double[replicas];
    }

    public IReadOnlyList<ApiServerSample> Samples => _samples;

    // Run totals
    public long Issued { get; private set; }
    public long Completed { get; private set; }
    public long Rejected { get; private set; }
    public long TimedOut { get; private set; }
    public long RejectedQueueFull { get; private set; }
    public long RejectedQueueTimeOut { get; private set; }
    public long RejectedConcurrencyLimit { get; private set; }
    public long RejectedCancelled { get; private set; }
    public long RejectedUnavailable { get; private set; }
    public long ClientTimeouts { get; private set; }
    public int Ooms { get; private set; }

    /// <summary>Times etcd was OOM-killed.</summary>
    public int EtcdOoms { get; private set; }

    /// <summary>Most memory etcd held at a once-a-second sample.</summary>
    public double EtcdPeakMemoryBytes { get; private set; }
    public double PeakSeatUtilization { get; private set; }
    public double? SaturatedAtSeconds { get; private set; }

    public void OnIssued(VerbClass verb)
    {
        _issued++;
        Issued++;
        if (verb == VerbClass.List)
        {
            _lists++;
            Lists++;
        }
        else if (verb == VerbClass.Watch) _watches++;
    }

    /// <summary>LIST requests issued since the start.</summary>
    public long Lists { get; private set; }

    /// <summary>Watch events sent over the run (an event to n watchers counts n times), their bytes, and LISTs by where they were served.</summary>
    public long WatchEventsSent { get; private set; }
    public long WatchBytesSent { get; private set; }
    public long ListsFromEtcd { get; private set; }
    public long ListsFromCache { get; private set; }


    public void OnWatchEventsSent(int events, long bytes)
    {
        _watchEvents += events;
        WatchEventsSent += events;
        _watchBytes += bytes;
        WatchBytesSent += bytes;
    }

    public void OnListServed(bool fromCache)
    {
        if (fromCache)
        {
            _listsCache++;
            ListsFromCache++;
        }
        else
        {
            _listsEtcd++;
            ListsFromEtcd++;
        }
    }

    public void OnCompleted(int level, VerbClass verb, ReportedVerb reported, bool exempt, long latencyTicks, ResponseCode code = ResponseCode.Ok)
    {
        _completed++;
        Completed++;
        _requestsByVerbCode[(int)reported * MetricLabels.Codes + (int)code]++;
        if (verb == VerbClass.Watch) return; // long-running: not a latency (as the SLOs define it)
        RecordLatency(level, verb, reported, exempt, latencyTicks);
    }

    public void OnTimedOut(int level, VerbClass verb, ReportedVerb reported, bool exempt, long latencyTicks)
    {
        _timedOut++;
        TimedOut++;
        _requestsByVerbCode[(int)reported * MetricLabels.Codes + (int)ResponseCode.GatewayTimeout]++;
        if (!exempt) _windowFailed[_windowSlot]++;
        RecordLatency(level, verb, reported, exempt, latencyTicks);
    }

    /// <summary>A request left APF's queue after <paramref name="waitTicks"/>: dispatched to execute, or rejected.</summary>
    public void OnWaited(int level, bool executed, long waitTicks) =>
        _flowControlWait.Observe(level * 2 + (executed ? 1 : 0), SimTime.ToSeconds(waitTicks));

    /// <summary>An API server's read or write in etcd took <paramref name="ticks"/>, from its send to its answer.</summary>
    public void OnEtcdServed(EtcdOperation operation, long ticks) => _etcdDuration.Observe((int)operation, SimTime.ToSeconds(ticks));

    public void OnRejected(int level, RejectReason reason, ReportedVerb reported, bool exempt)
    {
        _rejected[(int)reason]++;
        Rejected++;
        _requestsByVerbCode[(int)reported * MetricLabels.Codes + (int)ResponseCode.TooManyRequests]++;
        if (level >= 0)
        {
            _rejectedByLevel[level]++;
            _rejectedByLevelReason[level * RejectReasons.Count + (int)reason]++;
        }
        switch (reason)
        {
            case RejectReason.QueueFull: RejectedQueueFull++; break;
            case RejectReason.TimeOut: RejectedQueueTimeOut++; break;
            case RejectReason.Cancelled: RejectedCancelled++; break;
            default: RejectedConcurrencyLimit++; break;
        }
        if (!exempt)
        {
            _windowTotal[_windowSlot]++;
            _windowFailed[_windowSlot]++;
        }
    }

    public void OnUnavailable(bool exempt)
    {
        _unavailable++;
        Rejected++;
        RejectedUnavailable++;
        if (!exempt)
        {
            _windowTotal[_windowSlot]++;
            _windowFailed[_windowSlot]++;
        }
    }

    /// <summary>An attempt dropped by a network block before it reached any API server: not the API server's request.</summary>
    public void OnBlocked() => BlockedAttempts++;

    /// <summary>Attempts of clients cut off by a network block (never reached an API server).</summary>
    public long BlockedAttempts { get; private set; }

    public void OnClientTimeout() { _clientTimeouts++; ClientTimeouts++; }

    public void OnOom() { _ooms++; Ooms++; }

    public void OnEtcdOom() => EtcdOoms++;

    public void SampleEtcdMemory(double bytes)
    {
        EtcdPeakMemoryBytes = Math.Max(EtcdPeakMemoryBytes, bytes);
        _etcdMemMax = Math.Max(_etcdMemMax, bytes);
    }

    private void RecordLatency(int level, VerbClass verb, ReportedVerb reported, bool exempt, long latencyTicks)
    {
        _requestDuration.Observe((int)reported, SimTime.ToSeconds(latencyTicks));
        int bin = LatencyHistogram.Bin(latencyTicks);
        _levelHist[level * LatencyHistogram.Bins + bin]++;
        _verbHist[(int)verb * LatencyHistogram.Bins + bin]++;
        if (!exempt)
        {
            _windowHist[_windowSlot * LatencyHistogram.Bins + bin]++;
            _windowTotal[_windowSlot]++;
            _windowVerbHist[(_windowSlot * Verbs + (int)verb) * LatencyHistogram.Bins + bin]++;
        }
    }

    /// <summary>Once a second: seat use and queues of the running replicas.</summary>
    public void SampleSeats(ReadOnlySpan<int> seatsByLevel, ReadOnlySpan<int> queuedByLevel, int seatLimit, ReadOnlySpan<long> memoryByReplica)
    {
        int seats = 0, queued = 0;
        for (int l = 0; l < _levels; l++)
        {
            seats += seatsByLevel[l];
            queued += queuedByLevel[l];
            _seatsByLevelSum[l] += seatsByLevel[l];
            _queuedByLevelSum[l] += queuedByLevel[l];
        }
        _seatSum += seats;
        _queuedSum += queued;
        _seatLimitSum += seatLimit;
        _seatMax = Math.Max(_seatMax, seats);
        _seatSamples++;
        if (seatLimit > 0) PeakSeatUtilization = Math.Max(PeakSeatUtilization, Math.Min(1.0, seats / (double)seatLimit));
        for (int r = 0; r < _replicas; r++) _memMax[r] = Math.Max(_memMax[r], memoryByReplica[r]);
    }

    /// <summary>Closes the bucket ending at <paramref name="now"/>.</summary>
    public void Flush(long now, ReadOnlySpan<double> cpuCoresByReplica, ReadOnlySpan<bool> upByReplica, long nodes = 0, long pods = 0,
        bool etcdUp = true, double etcdCpuSeconds = 0)
    {
        int n = Math.Max(1, _seatSamples);
        var sample = new ApiServerSample
        {
            TimeSeconds = SimTime.ToSeconds(now),
            Issued = _issued,
            Lists = _lists,
            Watches = _watches,
            Nodes = nodes,
            Pods = pods,
            Completed = _completed,
            RejectedQueueFull = _rejected[(int)RejectReason.QueueFull],
            RejectedTimeOut = _rejected[(int)RejectReason.TimeOut],
            RejectedConcurrencyLimit = _rejected[(int)RejectReason.ConcurrencyLimit],
            RejectedCancelled = _rejected[(int)RejectReason.Cancelled],
            RejectedUnavailable = _unavailable,
            TimedOut = _timedOut,
            ClientTimeouts = _clientTimeouts,
            SeatsInUse = _seatSum / n,
            SeatsInUseMax = _seatMax,
            SeatLimit = _seatLimitSum / n,
            Queued = _queuedSum / n,
            SeatsByLevel = Averages(_seatsByLevelSum, n),
            QueuedByLevel = Averages(_queuedByLevelSum, n),
            RejectedByLevel = (long[])_rejectedByLevel.Clone(),
            P50ByLevel = Quantiles(_levelHist, _levels, 0.5),
            P99ByLevel = Quantiles(_levelHist, _levels, 0.99),
            P50ByVerb = Quantiles(_verbHist, Verbs, 0.5),
            P99ByVerb = Quantiles(_verbHist, Verbs, 0.99),
            CpuCoresByReplica = cpuCoresByReplica.ToArray(),
            MemoryBytesByReplica = (double[])_memMax.Clone(),
            UpByReplica = upByReplica.ToArray(),
            OomKills = _ooms,
            WatchEventsSent = _watchEvents,
            WatchBytesSent = _watchBytes,
            ListsFromEtcd = _listsEtcd,
            ListsFromCache = _listsCache,
            WindowP99Seconds = WindowP99(),
            WindowFailureRatio = WindowFailureRatio(),
            WindowWorstVerbP99Seconds = WindowWorstVerbP99(),
            RejectedByLevelReason = (int[])_rejectedByLevelReason.Clone(),
            RequestsByVerbCode = (int[])_requestsByVerbCode.Clone(),
            RequestDuration = _requestDuration.Take(),
            FlowControlWait = _flowControlWait.Take(),
            EtcdRequestDuration = _etcdDuration.Take(),
            EtcdMemoryBytes = _etcdMemMax,
            EtcdUp = etcdUp,
            EtcdCpuSeconds = etcdCpuSeconds,
        };
        _samples.Add(sample);
        if (SaturatedAtSeconds is null &&
            (sample.WindowP99Seconds > SaturationP99Seconds || sample.WindowFailureRatio > SaturationFailureRatio))
            SaturatedAtSeconds = sample.TimeSeconds;

        _issued = _lists = _watches = _completed = _timedOut = _clientTimeouts = _unavailable = 0;
        Array.Clear(_rejected);
        Array.Clear(_rejectedByLevel);
        Array.Clear(_rejectedByLevelReason);
        Array.Clear(_requestsByVerbCode);
        _etcdMemMax = 0;
        Array.Clear(_levelHist);
        Array.Clear(_verbHist);
        Array.Clear(_seatsByLevelSum);
        Array.Clear(_queuedByLevelSum);
        Array.Clear(_memMax);
        _seatSum = _seatMax = _seatLimitSum = _queuedSum = 0;
        _seatSamples = 0;
        _ooms = 0;
        _watchEvents = _watchBytes = _listsEtcd = _listsCache = 0;
        _windowSlot = (_windowSlot + 1) % WindowBuckets;
        Array.Clear(_windowHist, _windowSlot * LatencyHistogram.Bins, LatencyHistogram.Bins);
        Array.Clear(_windowVerbHist, _windowSlot * Verbs * LatencyHistogram.Bins, Verbs * LatencyHistogram.Bins);
        _windowTotal[_windowSlot] = 0;
        _windowFailed[_windowSlot] = 0;
    }

    private double WindowP99()
    {
        Span<long> merged = stackalloc long[LatencyHistogram.Bins];
        for (int w = 0; w < WindowBuckets; w++)
            for (int b = 0; b < LatencyHistogram.Bins; b++)
                merged[b] += _windowHist[w * LatencyHistogram.Bins + b];
        double q = LatencyHistogram.Quantile(merged, 0.99);
        return double.IsNaN(q) ? 0 : q;
    }

    private double WindowWorstVerbP99()
    {
        double worst = 0;
        Span<long> merged = stackalloc long[LatencyHistogram.Bins];
        for (int v = 0; v < Verbs; v++)
        {
            merged.Clear();
            for (int w = 0; w < WindowBuckets; w++)
                for (int b = 0; b < LatencyHistogram.Bins; b++)
                    merged[b] += _windowVerbHist[(w * Verbs + v) * LatencyHistogram.Bins + b];
            double q = LatencyHistogram.Quantile(merged, 0.99);
            if (!double.IsNaN(q)) worst = Math.Max(worst, q);
        }
        return worst;
    }

    private double WindowFailureRatio()
    {
        long total = 0, failed = 0;
        for (int w = 0; w < WindowBuckets; w++)
        {
            total += _windowTotal[w];
            failed += _windowFailed[w];
        }
        return total == 0 ? 0 : failed / (double)total;
    }

    private static double[] Averages(double[] sums, int n)
    {
        var a = new double[sums.Length];
        for (int i = 0; i < a.Length; i++) a[i] = sums[i] / n;
        return a;
    }

    private static double[] Quantiles(long[] hist, int rows, double q)
    {
        var a = new double[rows];
        for (int r = 0; r < rows; r++)
            a[r] = LatencyHistogram.Quantile(hist.AsSpan(r * LatencyHistogram.Bins, LatencyHistogram.Bins), q);
        return a;
    }
}
