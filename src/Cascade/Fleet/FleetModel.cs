using System.Collections.Concurrent;
using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>
/// The clusters of one simulation and what couples them: the rollout that walks through them, the alerts
/// that watch them, and the people who act on them. Each cluster has its own event kernel and the fleet
/// one more for its own events (waves, evaluations, playbook steps); <see cref="RunUntil"/> advances the
/// clusters independently up to the fleet's next event, so what they compute is fixed by simulated time
/// alone, whatever the threads.
/// </summary>
public sealed class FleetModel
{
    public FleetModel(Simulation sim, Timeline timeline)
    {
        Sim = sim;
        Timeline = timeline;
    }

    public Simulation Sim { get; }
    public Timeline Timeline { get; }
    public List<ClusterModel> Clusters { get; } = new();
    public Rollout? Rollout { get; set; }
    public Alerts? Alerts { get; set; }
    public Remediation? Remediation { get; set; }
    public Faults? Faults { get; set; }

    /// <summary>When the first alert fired (the incident's detection), ticks; null before.</summary>
    public long? DetectedAt => Alerts?.FirstFiredAt;

    public ClusterModel? Find(string name)
    {
        foreach (var c in Clusters) if (c.Name == name) return c;
        return null;
    }

    public void Start()
    {
        foreach (var c in Clusters) c.Start();
        Rollout?.Start();
        Alerts?.Start();
        Remediation?.Start();
        Faults?.Start();
    }

    /// <summary>The first alert fired: playbook actions and faults keyed to detection start their clocks.</summary>
    public void OnDetected()
    {
        Remediation?.OnDetected();
        Faults?.OnDetected();
    }

    /// <summary>A gate halted the rollout: what is keyed to the halt starts its clock.</summary>
    public void OnRolloutHalted()
    {
        Remediation?.OnRolloutHalted();
        Faults?.OnRolloutHalted();
    }

    /// <summary>Logs a fleet-level happening (on the fleet's thread, between cluster steps).</summary>
    public void Log(string cluster, string kind, string message) =>
        Timeline.Add(SimTime.ToSeconds(Sim.Now), cluster, kind, message);

    /// <summary>
    /// Advances the whole fleet to <paramref name="untilTicks"/>: clusters run in parallel up to each fleet
    /// event (a wave, an evaluation, a playbook step), then the fleet acts with every cluster paused at that
    /// exact time. Clusters touch only their own state while they run, so the result does not depend on
    /// the number of threads.
    /// </summary>
    public void RunUntil(long untilTicks, int threads)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        bool parallel = threads > 1 && Clusters.Count > 1;
        while (true)
        {
            long next = Math.Min(Sim.NextEventTime, untilTicks);
            if (!parallel)
                foreach (var c in Clusters) c.Sim.Run(untilTicks: next);
            else
            {
                // Largest expected cost first, one cluster at a time to whichever thread is free (longest
                // processing time first): a split by position would leave the large clusters on one thread.
                OrderByLastStepCost();
                Parallel.ForEach(Partitioner.Create(_order!, EnumerablePartitionerOptions.NoBuffering), options,
                    i => Clusters[i].Sim.Run(untilTicks: next));
            }
            Sim.Run(untilTicks: next);
            if (next >= untilTicks) return;
        }
    }

    // The clusters in the order they are handed to threads, and each one's events at the end of the last step.
    private int[]? _order;
    private long[]? _eventsBefore, _lastStepEvents;

    /// <summary>The order clusters were last handed to threads (indexes into <see cref="Clusters"/>); null before a parallel step.</summary>
    internal IReadOnlyList<int>? ThreadOrder => _order;

    /// <summary>
    /// Orders the clusters by the events each processed in the last step, most first (ties: cluster order);
    /// a cluster's next step costs about what its last one did. Only which thread runs a cluster changes,
    /// never what it computes.
    /// </summary>
    private void OrderByLastStepCost()
    {
        int n = Clusters.Count;
        if (_order is null || _order.Length != n)
        {
            _order = new int[n];
            _eventsBefore = new long[n];
            _lastStepEvents = new long[n];
            for (int i = 0; i < n; i++) _order[i] = i;
        }
        for (int i = 0; i < n; i++)
        {
            long now = Clusters[i].Sim.EventsProcessed;
            _lastStepEvents![i] = now - _eventsBefore![i];
            _eventsBefore[i] = now;
        }
        // Insertion sort: a handful of clusters, nearly sorted from the last step; no allocation.
        for (int k = 1; k < n; k++)
        {
            int c = _order[k], j = k - 1;
            while (j >= 0 && Heavier(c, _order[j])) { _order[j + 1] = _order[j]; j--; }
            _order[j + 1] = c;
        }
    }

    private bool Heavier(int a, int b) => _lastStepEvents![a] > _lastStepEvents[b] || _lastStepEvents[a] == _lastStepEvents[b] && a < b;

    public long EventsProcessed
    {
        get
        {
            long n = Sim.EventsProcessed;
            foreach (var c in Clusters) n += c.Sim.EventsProcessed;
            return n;
        }
    }

    /// <summary>The fleet's and every cluster's timeline as one, in time order (ties: fleet first, then cluster order).</summary>
    public List<TimelineEntry> MergedTimeline()
    {
        var sources = new List<IReadOnlyList<TimelineEntry>> { Timeline.Entries };
        foreach (var c in Clusters) sources.Add(c.Timeline.Entries);
        var all = new List<(TimelineEntry Entry, int Source, int Seq)>();
        for (int s = 0; s < sources.Count; s++)
            for (int i = 0; i < sources[s].Count; i++) all.Add((sources[s][i], s, i));
        all.Sort((a, b) =>
        {
            int c = a.Entry.Time.CompareTo(b.Entry.Time);
            if (c != 0) return c;
            c = a.Source.CompareTo(b.Source);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });
        return all.Select(x => x.Entry).ToList();
    }
}
