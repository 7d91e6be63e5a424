using Cascade.Fleet;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios;

/// <summary>
/// What a run will cost, estimated from the loaded scenario alone, before anything is built: the process's
/// peak memory and the events it simulates. A linear fit to measured runs (docs/model.md, "Performance":
/// the table, the command that measured it, and the fit), taken as an upper envelope so that every measured
/// run costs less than its estimate. It leaves out what the model does under saturation beyond those runs
/// (queues that grow without bound), so the guard that reads it keeps a share of memory in reserve.
/// </summary>
/// <param name="MemoryField">The field, as `--set` writes it, that drives the memory: a cluster's `nodes` or `count`, `clusters` for many entries, or as <paramref name="EventsField"/> when what grows over the run is most of it.</param>
/// <param name="EventsField">The field that drives the events: `duration` for a run longer than a day, else as <paramref name="MemoryField"/>.</param>
public sealed record RunEstimate(double MemoryBytes, double Events, string MemoryField, string EventsField)
{
    /// <summary>The process before any cluster: runtime, libraries, the scenario (measured: a 100-node, 10-minute run peaks at 55 MiB).</summary>
    public const double ProcessBytes = 64.0 * 1024 * 1024;

    /// <summary>A cluster's fixed part: API server replicas, APF, etcd, controllers (measured: 1,000 ten-node clusters, 0.8 MB each).</summary>
    public const double ClusterBytes = 1.0e6;

    /// <summary>A node with its kubelet, its 30 pods and their objects (measured: 7.8–9.2 KB from 5,000 to 100,000 nodes).</summary>
    public const double NodeBytes = 10e3;

    /// <summary>What a cluster keeps per simulated hour: time series, timeline (measured: 1.0–1.1 MB, fleets of 100 and 1,000 clusters).</summary>
    public const double ClusterBytesPerHour = 2e6;

    /// <summary>What a node adds per simulated hour: what informers and queues hold as the run goes (measured: up to 6.7 KB, the 2024-12-11 replay).</summary>
    public const double NodeBytesPerHour = 8e3;

    /// <summary>
    /// A cluster whose API servers a fault restarts: every informer relists at once against cold caches, and
    /// what the storm holds grows with the square of the nodes (measured: 5.5 GB within a minute of the restart
    /// at 100,000 nodes; nothing visible at 20,000). Times nodes².
    /// </summary>
    public const double RestartBytesPerNodeSquared = 0.8;

    /// <summary>Events per simulated second of a cluster without nodes: samples, controllers, etcd (measured: 52 to 55).</summary>
    public const double ClusterEventsPerSecond = 60;

    /// <summary>Events per simulated second per node: lease renewals, node status, pod informers (measured: 0.33 to 0.40).</summary>
    public const double NodeEventsPerSecond = 0.45;

    /// <summary>Events per request a workload sends (measured: 0.4 for list-storm's agents every 5 s, against a saturated API server; about 3 for a kubelet's lease and status).</summary>
    public const double EventsPerRequest = 4;

    /// <summary>Events simulated per wall-clock second on one core (measured: 0.41 to 1.2 million; the slower end, for the wall-time estimate).</summary>
    public const double EventsPerWallSecond = 400e3;

    /// <summary>A run longer than this is said to be driven by its duration.</summary>
    private const double LongRunSeconds = 86_400;

    /// <summary>Wall time of the run on one core, at the measured events per second.</summary>
    public double WallSeconds => Events / EventsPerWallSecond;

    public static RunEstimate Of(Scenario scenario)
    {
        double seconds = scenario.Duration.Seconds, hours = seconds / 3600;
        bool fleet = scenario.Clusters.Count > 0;
        var entries = fleet ? scenario.Clusters : [scenario.Cluster];
        double memory = ProcessBytes, events = 0, topMemory = -1, overTime = 0;
        string top = "";
        for (int i = 0; i < entries.Count; i++)
        {
            var c = entries[i];
            double grows = hours * (ClusterBytesPerHour + c.Nodes * NodeBytesPerHour);
            double perCluster = ClusterBytes + c.Nodes * NodeBytes + grows;
            double entryMemory = 0;
            foreach (var name in Names(c))
            {
                entryMemory += perCluster + (ApiServersRestart(scenario, name) ? RestartBytesPerNodeSquared * c.Nodes * (double)c.Nodes : 0);
                overTime += grows;
                events += seconds * (ClusterEventsPerSecond + c.Nodes * NodeEventsPerSecond + EventsPerRequest * WorkloadRequestsPerSecond(scenario, name, c.Nodes));
            }
            memory += entryMemory;
            if (entryMemory > topMemory)
            {
                topMemory = entryMemory;
                string path = fleet ? $"clusters[{i}]" : "cluster";
                top = c.Count > 1 ? $"{path}.count" : $"{path}.nodes";
            }
        }
        // Many entries, none holding half: the list itself is the cost.
        if (entries.Count > 1 && topMemory < (memory - ProcessBytes) / 2) top = "clusters";
        string byTime = seconds > LongRunSeconds ? "duration" : top;
        return new RunEstimate(memory, events, overTime > (memory - ProcessBytes) / 2 ? byTime : top, byTime);
    }

    private static IEnumerable<string> Names(ClusterSpec c) =>
        c.Count <= 1 ? [c.Name] : Enumerable.Range(1, c.Count).Select(k => $"{c.Name}-{k}");

    private static bool ApiServersRestart(Scenario scenario, string cluster)
    {
        foreach (var f in scenario.Faults)
            if (f.Fault == FaultKind.RestartApiServers && ClusterPattern.Matches(f.Clusters, cluster)) return true;
        return false;
    }

    /// <summary>Requests per second the workloads send in one cluster: each instance's calls, at most its client's QPS.</summary>
    private static double WorkloadRequestsPerSecond(Scenario scenario, string cluster, int nodes)
    {
        double total = 0;
        foreach (var w in scenario.Workloads)
        {
            if (w.Calls.Count == 0 || !ClusterPattern.Matches(w.Clusters, cluster)) continue;
            double perInstance = 0;
            foreach (var call in w.Calls)
                if (call.Every.Seconds > 0) perInstance += 1 / call.Every.Seconds;
            total += Math.Min(perInstance, w.Client.Qps) * (w.Placement == Placement.PerNode ? nodes : w.Replicas);
        }
        return total;
    }
}
