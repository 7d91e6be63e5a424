using System.Globalization;
using Cascade.Samples;

namespace Cascade.Results;

/// <summary>
/// The run's time series as OpenMetrics text, under the names, types and labels kube-apiserver, etcd and CoreDNS
/// export (docs/sources.md §8; the mapping and what is left out: docs/metrics.md), so that
/// `promtool tsdb create-blocks-from openmetrics` loads it and a team's dashboards draw the simulated incident.
/// One point per series per 10 s bucket, stamped with the bucket's end in simulated time after
/// <c>startUnixSeconds</c>. Every series carries `cluster` and `job` (apiserver, etcd, coredns), and `replica`
/// where the model keeps one per replica. Counters and histograms count from the run's start. A family's samples
/// are together and a series' timestamps ascend, as the backfill requires; a series with nothing in it over the
/// whole run (a priority level no request used, a verb never called) is left out. Same run, same bytes.
/// </summary>
public static class OpenMetrics
{
    public static void Write(TextWriter w, IReadOnlyList<ClusterSamples> clusters, long startUnixSeconds)
    {
        var o = new Writer(w, startUnixSeconds);
        o.Family("apiserver_flowcontrol_current_executing_seats", "gauge",
            "Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem");
        foreach (var c in clusters)
            foreach (int l in UsedLevels(c))
                o.Series(Labels(c, "apiserver", null, ("priority_level", c.PriorityLevels[l])), c.ApiServer, s => s.SeatsByLevel[l]);

        o.Family("apiserver_flowcontrol_current_inqueue_requests", "gauge",
            "Number of requests currently pending in queues of the API Priority and Fairness subsystem");
        foreach (var c in clusters)
            foreach (int l in UsedLevels(c))
                o.Series(Labels(c, "apiserver", null, ("priority_level", c.PriorityLevels[l])), c.ApiServer, s => s.QueuedByLevel[l]);

        o.Family("apiserver_flowcontrol_dispatched_requests_total", "counter", "Number of requests executed by API Priority and Fairness subsystem");
        foreach (var c in clusters)
            foreach (int l in UsedLevels(c))
                o.Total(Labels(c, "apiserver", null, ("priority_level", c.PriorityLevels[l])), c.ApiServer, s => s.FlowControlWait.RowCount(l * 2 + 1));

        o.Family("apiserver_flowcontrol_rejected_requests_total", "counter", "Number of requests rejected by API Priority and Fairness subsystem");
        foreach (var c in clusters)
            foreach (int l in UsedLevels(c))
                for (int reason = 0; reason < MetricLabels.RejectReasonLabels.Length; reason++)
                {
                    int at = l * ControlPlane.Apf.RejectReasons.Count + reason;
                    o.Total(Labels(c, "apiserver", null, ("priority_level", c.PriorityLevels[l]), ("reason", MetricLabels.RejectReasonLabels[reason])),
                        c.ApiServer, s => s.RejectedByLevelReason[at]);
                }

        o.Family("apiserver_flowcontrol_request_wait_duration_seconds", "histogram", "Length of time a request spent waiting in its queue");
        foreach (var c in clusters)
            foreach (int l in UsedLevels(c))
                for (int executed = 1; executed >= 0; executed--)
                {
                    int row = l * 2 + executed;
                    o.Histogram(Labels(c, "apiserver", null, ("priority_level", c.PriorityLevels[l]), ("execute", executed == 1 ? "true" : "false")),
                        c.ApiServer, s => s.FlowControlWait, row);
                }

        o.Family("apiserver_request_total", "counter",
            "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.");
        foreach (var c in clusters)
            for (int v = 0; v < MetricLabels.Verbs; v++)
                for (int code = 0; code < MetricLabels.Codes; code++)
                {
                    int at = v * MetricLabels.Codes + code;
                    if (!Any(c.ApiServer, s => s.RequestsByVerbCode[at])) continue;
                    o.Total(Labels(c, "apiserver", null, ("verb", MetricLabels.VerbLabels[v]), ("code", MetricLabels.CodeLabels[code])),
                        c.ApiServer, s => s.RequestsByVerbCode[at]);
                }

        o.Family("apiserver_request_duration_seconds", "histogram",
            "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.");
        foreach (var c in clusters)
            for (int v = 0; v < MetricLabels.Verbs; v++)
                o.Histogram(Labels(c, "apiserver", null, ("verb", MetricLabels.VerbLabels[v])), c.ApiServer, s => s.RequestDuration, v);

        o.Family("etcd_request_duration_seconds", "histogram", "Etcd request latency in seconds for each operation and object type.");
        foreach (var c in clusters)
            for (int op = 0; op < MetricLabels.EtcdOperations; op++)
                o.Histogram(Labels(c, "apiserver", null, ("operation", MetricLabels.EtcdOperationLabels[op])), c.ApiServer, s => s.EtcdRequestDuration, op);

        o.Family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        foreach (var c in clusters)
        {
            for (int r = 0; r < c.ApiServerReplicaSlots; r++)
            {
                int rep = r;
                o.Total(Labels(c, "apiserver", $"apiserver-{r}"), c.ApiServer,
                    s => s.CpuCoresByReplica[rep] * ApiServerSample.BucketSeconds, from: FirstUp(c.ApiServer, rep));
            }
            o.Series(Labels(c, "etcd", null), c.ApiServer, s => s.EtcdCpuSeconds);
        }

        o.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        foreach (var c in clusters)
        {
            for (int r = 0; r < c.ApiServerReplicaSlots; r++)
            {
                int rep = r;
                o.Series(Labels(c, "apiserver", $"apiserver-{r}"), c.ApiServer, s => s.MemoryBytesByReplica[rep], when: s => s.UpByReplica[rep]);
            }
            o.Series(Labels(c, "etcd", null), c.ApiServer, s => s.EtcdMemoryBytes, when: s => s.EtcdUp);
            if (c.DataPlane is { } dp)
                for (int r = 0; r < dp.CoreDnsReplicas; r++)
                {
                    int rep = r;
                    o.Series(Labels(c, "coredns", $"coredns-{r}"), dp.Buckets, s => s.CoreDns!.MemoryBytes[rep], when: s => s.CoreDns!.MemoryBytes[rep] > 0);
                }
        }

        o.Family("up", "gauge", "1 if the target is up (serving), 0 if it is down.");
        foreach (var c in clusters)
        {
            for (int r = 0; r < c.ApiServerReplicaSlots; r++)
            {
                int rep = r;
                o.Series(Labels(c, "apiserver", $"apiserver-{r}"), c.ApiServer, s => s.UpByReplica[rep] ? 1 : 0, from: FirstUp(c.ApiServer, rep));
            }
            o.Series(Labels(c, "etcd", null), c.ApiServer, s => s.EtcdUp ? 1 : 0);
        }

        o.Family("coredns_dns_requests_total", "counter", "Counter of DNS requests made per zone, protocol and family.");
        foreach (var c in clusters)
            if (c.DataPlane is { } dp)
                for (int r = 0; r < dp.CoreDnsReplicas; r++)
                {
                    int rep = r;
                    o.Total(Labels(c, "coredns", $"coredns-{r}"), dp.Buckets, s => s.CoreDns!.Queries[rep]);
                }

        o.Family("coredns_dns_responses_total", "counter", "Counter of response status codes.");
        foreach (var c in clusters)
            if (c.DataPlane is { } dp)
                for (int r = 0; r < dp.CoreDnsReplicas; r++)
                {
                    int rep = r;
                    o.Total(Labels(c, "coredns", $"coredns-{r}", ("rcode", "NOERROR")), dp.Buckets, s => s.CoreDns!.NoError[rep]);
                    o.Total(Labels(c, "coredns", $"coredns-{r}", ("rcode", "SERVFAIL")), dp.Buckets, s => s.CoreDns!.ServFail[rep]);
                }

        w.Write("# EOF\n");
    }

    /// <summary>Priority levels that saw a request over the run: dispatched or rejected.</summary>
    private static IEnumerable<int> UsedLevels(ClusterSamples c)
    {
        for (int l = 0; l < c.PriorityLevels.Count; l++)
        {
            int level = l;
            if (Any(c.ApiServer, s => s.FlowControlWait.RowCount(level * 2) + s.FlowControlWait.RowCount(level * 2 + 1)) ||
                Any(c.ApiServer, s => s.RejectedByLevel[level]))
                yield return l;
        }
    }

    private static bool Any<T>(IReadOnlyList<T> samples, Func<T, double> value)
    {
        foreach (var s in samples) if (value(s) != 0) return true;
        return false;
    }

    /// <summary>The first bucket a replica was up in (a replica slot for a later scale-up has no series before it exists); Count if never.</summary>
    private static int FirstUp(IReadOnlyList<ApiServerSample> samples, int replica)
    {
        for (int i = 0; i < samples.Count; i++) if (samples[i].UpByReplica[replica]) return i;
        return samples.Count;
    }

    /// <summary>The label set, in a fixed order: cluster, job, replica, then the metric's own.</summary>
    private static string Labels(ClusterSamples c, string job, string? replica, params (string Name, string Value)[] own)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("cluster=\"").Append(Escape(c.Name)).Append("\",job=\"").Append(job).Append('"');
        if (replica is not null) sb.Append(",replica=\"").Append(Escape(replica)).Append('"');
        foreach (var (name, value) in own) sb.Append(',').Append(name).Append("=\"").Append(Escape(value)).Append('"');
        return sb.ToString();
    }

    /// <summary>A label value as OpenMetrics quotes it: backslash, double quote and newline escaped.</summary>
    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Writes families' headers and their series' points.</summary>
    private sealed class Writer(TextWriter w, long startUnixSeconds)
    {
        private string _family = "";

        public void Family(string name, string type, string help)
        {
            _family = name;
            w.Write("# HELP "); w.Write(name); w.Write(' '); w.Write(help); w.Write('\n');
            w.Write("# TYPE "); w.Write(name); w.Write(' '); w.Write(type); w.Write('\n');
        }

        /// <summary>A value per bucket as the sample holds it (a gauge, or a total the model keeps), where <paramref name="when"/> holds.</summary>
        public void Series<T>(string labels, IReadOnlyList<T> samples, Func<T, double> value, Func<T, bool>? when = null, int from = 0) where T : class
        {
            for (int i = from; i < samples.Count; i++)
            {
                var s = samples[i];
                if (when is not null && !when(s)) continue;
                Point(_family, labels, null, F(value(s)), TimeOf(s));
            }
        }

        /// <summary>A counter from per-bucket increments: the running total at each bucket's end, written from bucket <paramref name="from"/>.</summary>
        public void Total<T>(string labels, IReadOnlyList<T> samples, Func<T, double> increment, int from = 0) where T : class
        {
            double total = 0;
            for (int i = 0; i < samples.Count; i++)
            {
                total += increment(samples[i]);
                if (i >= from) Point(_family, labels, null, F(total), TimeOf(samples[i]));
            }
        }

        /// <summary>A histogram row, cumulative over buckets (le) and over time; left out if it counted nothing.</summary>
        public void Histogram(string labels, IReadOnlyList<ApiServerSample> samples, Func<ApiServerSample, HistogramCounts> counts, int row)
        {
            if (!Any(samples, s => counts(s).RowCount(row))) return;
            var bounds = counts(samples[0]).Bounds;
            var cumulative = new long[bounds.Length + 1];
            double sum = 0;
            foreach (var s in samples)
            {
                var h = counts(s);
                for (int b = 0; b <= bounds.Length; b++) cumulative[b] += h.Count(row, b);
                sum += h.SumSeconds(row);
                long t = TimeOf(s), below = 0;
                for (int b = 0; b < bounds.Length; b++)
                {
                    below += cumulative[b];
                    Point(_family + "_bucket", labels, F(bounds[b]), below.ToString(CultureInfo.InvariantCulture), t);
                }
                below += cumulative[bounds.Length];
                Point(_family + "_bucket", labels, "+Inf", below.ToString(CultureInfo.InvariantCulture), t);
                Point(_family + "_sum", labels, null, F(sum), t);
                Point(_family + "_count", labels, null, below.ToString(CultureInfo.InvariantCulture), t);
            }
        }

        private void Point(string name, string labels, string? le, string value, long t)
        {
            w.Write(name); w.Write('{'); w.Write(labels);
            if (le is not null) { w.Write(",le=\""); w.Write(le); w.Write('"'); }
            w.Write("} "); w.Write(value); w.Write(' '); w.Write(t.ToString(CultureInfo.InvariantCulture)); w.Write('\n');
        }

        private long TimeOf<T>(T sample) => startUnixSeconds + (long)Math.Round(sample switch
        {
            ApiServerSample a => a.TimeSeconds,
            DataPlaneSample d => d.TimeSeconds,
            _ => throw new ArgumentException("not a time-series sample", nameof(sample)),
        });

        private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    }
}
