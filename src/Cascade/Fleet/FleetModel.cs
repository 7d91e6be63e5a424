using System.Collections.Concurrent;
using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>
/// The clusters of one simulation and what couples them: the rollout that walks through them, the alerts
/// that watch them, and the people who act on them. Each cluster has its own event kernel and the fleet
/// one more for its own events (waves, evaluations, playbook steps); <see cref="RunUntil"/> advances the
/// clusters independently up to where the fleet may next act on them, so what they compute is fixed by
/// simulated time alone, whatever the threads.
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
    /// Advances the whole fleet to <paramref name="untilTicks"/>: the clusters run to the fleet's next action (a wave,
    /// a playbook step, a fault) or as far as its evaluations (alerts, gates) cannot start one sooner, noting what
    /// those evaluations read as they pass (<see cref="Horizon"/>), and the fleet acts with every cluster paused at
    /// that exact time. On more than one thread the clusters run in parallel; on one, one after another, each for the
    /// whole stretch, so that its working set stays in the cache instead of giving way to the next cluster's at every
    /// evaluation. Clusters touch only their own state while they run, so the result does not depend on the number
    /// of threads, nor on the lookahead (<see cref="Lookahead"/>).
    /// </summary>
    /// <param name="mayRunTo">How far the clusters may run ahead of the fleet, when the fleet's next actions allow
    /// (the fleet itself stops at <paramref name="untilTicks"/>); by default they stop there too.</param>
    public void RunUntil(long untilTicks, int threads, long mayRunTo = 0)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        bool ahead = Lookahead && Clusters.Count > 1;
        while (true)
        {
            long next = Math.Min(Sim.NextEventTime, untilTicks);
            if (!ahead)
                foreach (var c in Clusters) c.Sim.Run(untilTicks: next);
            else if (ClustersAt(latest: false) < next)
            {
                // The clusters run on to where the fleet may act on them next (Horizon), noting what the fleet's
                // evaluations before that will read of them as they pass those moments: one step, not one per 10 s.
                long to = Math.Min(Math.Max(untilTicks, mayRunTo), Math.Max(next, Horizon()));
                // Largest expected cost first, one cluster at a time to whichever thread is free (longest
                // processing time first): a split by position would leave the large clusters on one thread.
                if (threads > 1)
                {
                    OrderByLastStepCost();
                    Parallel.ForEach(Partitioner.Create(_order!, EnumerablePartitionerOptions.NoBuffering), options,
                        i => RunNoting(Clusters[i], to));
                }
                else
                    foreach (var c in Clusters) RunNoting(c, to);
                ClusterSteps++;
            }
            // Whatever the threads now: clusters that ran ahead on more stay ahead on one.
            if (ClustersAt(latest: true) > next && Sim.NextEventTimeWhere(_acting) <= next)
                throw new InvalidOperationException($"the fleet would act at {SimTime.ToSeconds(next)} s on clusters that ran on to {SimTime.ToSeconds(ClustersAt(latest: true))} s");
            Sim.Run(untilTicks: next);
            if (next >= untilTicks) return;
        }
    }

    // ---------------------------------------------------------------- lookahead

    // The fleet acts on a cluster only in its own events (a wave, a playbook step, a fault); its evaluations (alerts,
    // gates) only read the clusters' signals, and what one starts (detection, a halt) waits its trigger's delay. So the
    // clusters may run ahead of the fleet to its next acting event, or to the next evaluation plus the least such delay,
    // whichever comes first, provided they note the signals at each evaluation moment they pass (SignalReader.Record).
    // A cluster computes the same whatever moments it pauses at, so this changes no result; a signal whose reading
    // moves the cluster (changeCpu) turns the lookahead off while it may be read.

    private readonly EvaluationFilter _evaluations = new(evaluations: true), _acting = new(evaluations: false);

    /// <summary>How far the clusters may run ahead of the fleet: to its next acting event, or the next evaluation plus the least delay of what it may start.</summary>
    internal long Horizon()
    {
        long horizon = Sim.NextEventTimeWhere(_acting);
        long evaluation = Sim.NextEventTimeWhere(_evaluations);
        if (evaluation == SimTime.Never) return horizon;
        foreach (var (evaluator, lead) in Evaluators())
        {
            if (evaluator.ReadsMovingSignal) return Sim.Now;
            if (evaluator.MayStart) horizon = Math.Min(horizon, lead >= SimTime.Never - evaluation ? SimTime.Never : evaluation + lead);
        }
        return horizon;
    }

    /// <summary>The evaluators, each with the least delay from an evaluation to an action it starts: detection's and a halt's.</summary>
    private IEnumerable<(IEvaluations Evaluator, long Lead)> Evaluators()
    {
        if (Alerts is not null) yield return (Alerts, Math.Min(Remediation?.Steps.LeastAfterDetection ?? SimTime.Never, Faults?.Steps.LeastAfterDetection ?? SimTime.Never));
        if (Rollout is not null) yield return (Rollout, Math.Min(Remediation?.Steps.LeastAfterHalt ?? SimTime.Never, Faults?.Steps.LeastAfterHalt ?? SimTime.Never));
    }

    /// <summary>The earliest (or the latest) time the clusters are at: they differ only when one was added between steps.</summary>
    private long ClustersAt(bool latest)
    {
        long at = latest ? long.MinValue : long.MaxValue;
        foreach (var c in Clusters) at = latest ? Math.Max(at, c.Sim.Now) : Math.Min(at, c.Sim.Now);
        return at;
    }

    /// <summary>Runs <paramref name="cluster"/> to <paramref name="to"/>, noting its signals at each evaluation moment before it.</summary>
    private void RunNoting(ClusterModel cluster, long to)
    {
        var sim = cluster.Sim;
        if (sim.Now >= to) return; // there already, its readings still to be read (a cluster added since catches up alone)
        cluster.Readings.Clear();
        for (long t = (sim.Now / Evaluation.Period + 1) * Evaluation.Period; t < to; t += Evaluation.Period)
        {
            sim.Run(untilTicks: t);
            SignalReader.Record(cluster, Rollout?.Change);
        }
        sim.Run(untilTicks: to);
    }

    private sealed class EvaluationFilter(bool evaluations) : IEventFilter
    {
        public bool Accepts(IEventHandler handler, int kind) => (handler is IEvaluations e && e.Evaluates(kind)) == evaluations;
    }

    /// <summary>
    /// Whether the clusters run ahead of the fleet (<see cref="RunUntil"/>); off, every cluster steps to every fleet
    /// event in turn: the reference the lookahead is tested against.
    /// </summary>
    internal bool Lookahead { get; set; } = true;

    /// <summary>Times the clusters were run on ahead of the fleet (each one stretch), for tests of the lookahead.</summary>
    internal int ClusterSteps { get; private set; }

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

/// <summary>A fleet component some of whose events only read the clusters' signals (FleetModel's lookahead).</summary>
internal interface IEvaluations
{
    /// <summary>Events of <paramref name="kind"/> only read signals; what they start waits a trigger's delay.</summary>
    bool Evaluates(int kind);

    /// <summary>An evaluation may still start something (detection, a halt).</summary>
    bool MayStart { get; }

    /// <summary>Its evaluations may read a signal whose reading moves the cluster (<see cref="SignalReader.MovesCluster"/>).</summary>
    bool ReadsMovingSignal { get; }
}
