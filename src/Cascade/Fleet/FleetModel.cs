using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.Fleet;

/// <summary>
/// The clusters of one simulation and what couples them: the rollout that walks through them, the alerts
/// that watch them, and the people who act on them. All clusters share one event kernel, so their
/// interleaving is fixed by simulated time alone.
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
        while (true)
        {
            long next = Math.Min(Sim.NextEventTime, untilTicks);
            if (threads <= 1 || Clusters.Count == 1)
                foreach (var c in Clusters) c.Sim.Run(untilTicks: next);
            else
                Parallel.ForEach(Clusters, options, c => c.Sim.Run(untilTicks: next));
            Sim.Run(untilTicks: next);
            if (next >= untilTicks) return;
        }
    }

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
            int c = a.Entry.TimeSeconds.CompareTo(b.Entry.TimeSeconds);
            if (c != 0) return c;
            c = a.Source.CompareTo(b.Source);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });
        return all.Select(x => x.Entry).ToList();
    }
}
