namespace Cascade.Samples;

/// <summary>One 10-second bucket of a cluster's API-server measurements (a row of timeseries.csv).</summary>
public sealed class ApiServerSample
{
    /// <summary>Seconds a bucket spans: every time series of the run is in buckets of this length.</summary>
    public const double BucketSeconds = 10;

    public double TimeSeconds { get; init; }
    public long Issued { get; init; }

    /// <summary>LIST requests issued in the bucket (a relist storm or new nodes' informers show here).</summary>
    public long Lists { get; init; }

    /// <summary>WATCH requests issued in the bucket (re-watches after a break or a timeout included).</summary>
    public long Watches { get; init; }

    /// <summary>Node and pod objects stored at the bucket's end (they grow with scale-ups and pod waves).</summary>
    public long Nodes { get; init; }
    public long Pods { get; init; }
    public long Completed { get; init; }
    public long RejectedQueueFull { get; init; }
    public long RejectedTimeOut { get; init; }
    public long RejectedConcurrencyLimit { get; init; }
    /// <summary>Requests whose client gave up while they waited in an APF queue: ejected, a 429 nobody reads.</summary>
    public long RejectedCancelled { get; init; }
    public long RejectedUnavailable { get; init; }
    public long TimedOut { get; init; }
    public long ClientTimeouts { get; init; }
    public double SeatsInUse { get; init; }
    public double SeatsInUseMax { get; init; }
    public double SeatLimit { get; init; }
    public double Queued { get; init; }
    public double[] SeatsByLevel { get; init; } = [];
    public double[] QueuedByLevel { get; init; } = [];
    public long[] RejectedByLevel { get; init; } = [];
    public double[] P50ByLevel { get; init; } = [];
    public double[] P99ByLevel { get; init; } = [];
    public double[] P50ByVerb { get; init; } = [];
    public double[] P99ByVerb { get; init; } = [];
    public double[] CpuCoresByReplica { get; init; } = [];
    public double[] MemoryBytesByReplica { get; init; } = [];
    public bool[] UpByReplica { get; init; } = [];
    public int OomKills { get; init; }

    /// <summary>Watch events the replicas sent to watchers, and their bytes (an event sent to n watchers counts n times).</summary>
    public long WatchEventsSent { get; init; }
    public long WatchBytesSent { get; init; }

    /// <summary>LIST requests (each page one) served by etcd and by the watch cache.</summary>
    public long ListsFromEtcd { get; init; }
    public long ListsFromCache { get; init; }

    /// <summary>p99 of non-exempt requests over the 60 s ending here, and their failure ratio: the saturation test's inputs.</summary>
    public double WindowP99Seconds { get; init; }
    public double WindowFailureRatio { get; init; }
    /// <summary>The worst verb's p99 (GET, LIST or writes) over the 60 s ending here: latency SLOs are per verb (docs/sources.md §2.6).</summary>
    public double WindowWorstVerbP99Seconds { get; init; }

    // What kube-apiserver and etcd would export for the bucket (docs/metrics.md).

    /// <summary>APF rejections per priority level and reason: index level × 4 + the reason (queue full, timed out in the queue, concurrency limit, cancelled by its client in the queue: APF's RejectReason order, <see cref="MetricLabels.RejectReasonLabels"/>).</summary>
    public int[] RejectedByLevelReason { get; init; } = [];

    /// <summary>Requests answered by an API server, per verb and code: index verb × <see cref="MetricLabels.Codes"/> + code.</summary>
    public int[] RequestsByVerbCode { get; init; } = [];

    /// <summary>Latency of requests answered or timed out (not WATCHes), per <see cref="ReportedVerb"/>.</summary>
    public HistogramCounts RequestDuration { get; init; } = HistogramCounts.Empty;

    /// <summary>Time in APF's queues, per row level × 2 + (1 when the request then executed, 0 when it was rejected).</summary>
    public HistogramCounts FlowControlWait { get; init; } = HistogramCounts.Empty;

    /// <summary>Time of the API servers' etcd reads and writes, per <see cref="EtcdOperation"/>.</summary>
    public HistogramCounts EtcdRequestDuration { get; init; } = HistogramCounts.Empty;

    /// <summary>etcd's memory, the most of the once-a-second samples in the bucket, and whether it was serving at the bucket's end.</summary>
    public double EtcdMemoryBytes { get; init; }
    public bool EtcdUp { get; init; }

    /// <summary>CPU etcd has used since the start, in core-seconds.</summary>
    public double EtcdCpuSeconds { get; init; }
}
