using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Results;

/// <summary>timeseries.csv on hand-made samples: header, one row per cluster per bucket, every column in its place.</summary>
public class TimeSeriesCsvTests
{
    internal static ApiServerSample Sample(double t, double p99Low = 0.25) => new()
    {
        TimeSeconds = t, Issued = 1, Completed = 2, RejectedQueueFull = 3, RejectedTimeOut = 4, RejectedConcurrencyLimit = 5, RejectedUnavailable = 6,
        TimedOut = 7, ClientTimeouts = 8, SeatsInUse = 9.5, SeatsInUseMax = 10, SeatLimit = 11, Queued = 12, OomKills = 13,
        WindowP99Seconds = 1.5, WindowFailureRatio = 0.125, RejectedCancelled = 28,
        SeatsByLevel = [14, 15], QueuedByLevel = [16, 17], RejectedByLevel = [18, 19], P50ByLevel = [0.5, double.NaN], P99ByLevel = [p99Low, double.NaN],
        P50ByVerb = [0.01, 0.02, 0.03, 0.04], P99ByVerb = [0.1, 0.2, 0.3, 0.4],
        CpuCoresByReplica = [2.5, 0], MemoryBytesByReplica = [1e9, 0], UpByReplica = [true, false],
        Lists = 20, Nodes = 21, Pods = 22, WatchEventsSent = 23, WatchBytesSent = 24, ListsFromEtcd = 25, ListsFromCache = 26, Watches = 27,
    };

    private const string Header =
        "timeSeconds,cluster,issued,completed,rejectedQueueFull,rejectedQueueWaitTimeout,rejectedConcurrencyLimit,rejectedUnavailable,timedOut,clientTimeouts,seatsInUse,seatsInUseMax,seatLimit,queued,oomKills,windowP99Seconds,windowFailureRatio,rejectedCancelled" +
        ",seats[high],queued[high],rejected[high],p50[high],p99[high],seats[low],queued[low],rejected[low],p50[low],p99[low]" +
        ",p50[get],p99[get],p50[list],p99[list],p50[watch],p99[watch],p50[mutating],p99[mutating]" +
        ",cpuCores[apiserver-0],memoryBytes[apiserver-0],up[apiserver-0],cpuCores[apiserver-1],memoryBytes[apiserver-1],up[apiserver-1]" +
        ",lists,nodes,pods,watchEventsSent,watchBytesSent,listsFromEtcd,listsFromCache,watches\n";

    private static string Row(string time, string cluster, string p99High) =>
        $"{time},{cluster},1,2,3,4,5,6,7,8,9.5,10,11,12,13,1.5,0.125,28,14,16,18,0.5,{p99High},15,17,19,,,0.01,0.1,0.02,0.2,0.03,0.3,0.04,0.4,2.5,1000000000,1,0,0,0,20,21,22,23,24,25,26,27\n";

    [Fact]
    public void One_header_then_a_row_per_cluster_per_bucket_with_NaN_left_empty_and_numbers_in_invariant_round_trip_form()
    {
        var clusters = new[]
        {
            new ClusterSamples("east", ["high", "low"], 2, [Sample(10), Sample(20, 1.0 / 3)], null),
            new ClusterSamples("west", ["high", "low"], 2, [Sample(10)], null),
        };
        var csv = TimeSeriesCsv.Write(clusters);
        Assert.Equal(Header + Row("10", "east", "0.25") + Row("20", "east", "0.3333333333333333") + Row("10", "west", "0.25"), csv);
    }

    [Fact]
    public void No_clusters_write_nothing_not_even_a_header()
    {
        Assert.Equal("", TimeSeriesCsv.Write([]));
    }
}
