using System.Globalization;
using System.Text;
using Cascade.Samples;

namespace Cascade.Results;

/// <summary>timeseries.csv: one row per cluster per 10 s bucket of its API servers' samples, invariant culture, fixed column order.</summary>
public static class TimeSeriesCsv
{
    private static readonly string[] Verbs = { "get", "list", "watch", "mutating" };

    public static string Write(IEnumerable<ClusterSamples> clusters)
    {
        var sb = new StringBuilder();
        bool header = false;
        foreach (var cluster in clusters)
        {
            if (!header)
            {
                sb.Append("timeSeconds,cluster,issued,completed,rejectedQueueFull,rejectedQueueWaitTimeout,rejectedConcurrencyLimit,rejectedUnavailable,timedOut,clientTimeouts,seatsInUse,seatsInUseMax,seatLimit,queued,oomKills,windowP99Seconds,windowFailureRatio,rejectedCancelled");
                foreach (string n in cluster.PriorityLevels) sb.Append($",seats[{n}],queued[{n}],rejected[{n}],p50[{n}],p99[{n}]");
                foreach (var v in Verbs) sb.Append($",p50[{v}],p99[{v}]");
                for (int r = 0; r < cluster.ApiServerReplicaSlots; r++) sb.Append($",cpuCores[apiserver-{r}],memoryBytes[apiserver-{r}],up[apiserver-{r}]");
                sb.Append(",lists,nodes,pods,watchEventsSent,watchBytesSent,listsFromEtcd,listsFromCache,watches"); // added last: earlier columns keep their places
                sb.Append('\n');
                header = true;
            }
            foreach (var s in cluster.ApiServer)
            {
                sb.Append(F(s.TimeSeconds)).Append(',').Append(cluster.Name);
                foreach (var v in new double[] { s.Issued, s.Completed, s.RejectedQueueFull, s.RejectedTimeOut, s.RejectedConcurrencyLimit, s.RejectedUnavailable, s.TimedOut, s.ClientTimeouts, s.SeatsInUse, s.SeatsInUseMax, s.SeatLimit, s.Queued, s.OomKills, s.WindowP99Seconds, s.WindowFailureRatio, s.RejectedCancelled })
                    sb.Append(',').Append(F(v));
                for (int l = 0; l < s.SeatsByLevel.Length; l++)
                    sb.Append(',').Append(F(s.SeatsByLevel[l])).Append(',').Append(F(s.QueuedByLevel[l])).Append(',').Append(s.RejectedByLevel[l])
                      .Append(',').Append(F(s.P50ByLevel[l])).Append(',').Append(F(s.P99ByLevel[l]));
                for (int v = 0; v < s.P50ByVerb.Length; v++) sb.Append(',').Append(F(s.P50ByVerb[v])).Append(',').Append(F(s.P99ByVerb[v]));
                for (int r = 0; r < s.CpuCoresByReplica.Length; r++)
                    sb.Append(',').Append(F(s.CpuCoresByReplica[r])).Append(',').Append(F(s.MemoryBytesByReplica[r])).Append(',').Append(s.UpByReplica[r] ? 1 : 0);
                sb.Append(',').Append(s.Lists).Append(',').Append(s.Nodes).Append(',').Append(s.Pods);
                sb.Append(',').Append(s.WatchEventsSent).Append(',').Append(s.WatchBytesSent)
                  .Append(',').Append(s.ListsFromEtcd).Append(',').Append(s.ListsFromCache).Append(',').Append(s.Watches);
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Shortest round-trip form, empty for NaN (no requests in the bucket).</summary>
    private static string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
}
