using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>One wave: the clusters it reaches and how long it bakes before the next.</summary>
public sealed record Wave(IReadOnlyList<string> Clusters, long BakeTicks);

/// <summary>
/// A phased rollout of one change (a workload) through the fleet: wave after wave, each started after the
/// previous one's bake time, unless a gate has halted it. Gates watch the clusters the change has reached;
/// one whose condition holds for its duration on any of them halts the rollout before the next wave. A
/// gate on the change's own CPU and memory passes a change that is cheap for itself and ruinous for the
/// control plane, which is how 2024-12-11 went fleet-wide.
/// </summary>
public sealed class Rollout : IEventHandler, IEvaluations
{
    private const int NextWave = 0, Evaluate = 1;

    private readonly FleetModel _fleet;
    private readonly IReadOnlyList<Wave> _waves;
    private readonly ConditionTracker[] _gates;
    private readonly bool[] _reached;
    private readonly long _startAt;
    private int _next;

    public Rollout(FleetModel fleet, string change, long startAt, IReadOnlyList<Wave> waves, IReadOnlyList<Condition> gates)
    {
        _fleet = fleet;
        Change = change;
        _startAt = startAt;
        _waves = waves;
        _gates = gates.Select(g => new ConditionTracker(g, fleet.Clusters.Count)).ToArray();
        _reached = new bool[fleet.Clusters.Count];
        _gatesReadMovingSignal = _gates.Any(g => SignalReader.MovesCluster(g.Condition.Signal));
    }

    private readonly bool _gatesReadMovingSignal;

    public string Change { get; }

    // Gate evaluations only read the clusters' signals; one may halt the rollout while it runs.
    bool IEvaluations.Evaluates(int kind) => kind == Evaluate;
    bool IEvaluations.MayStart => _gates.Length > 0 && !Halted && CompletedAt is null;
    bool IEvaluations.ReadsMovingSignal => ((IEvaluations)this).MayStart && _gatesReadMovingSignal;

    /// <summary>The waves and the gates' conditions, as built (tests read them).</summary>
    internal IReadOnlyList<Wave> Waves => _waves;
    internal IEnumerable<Condition> Gates => _gates.Select(g => g.Condition);
    internal long StartAt => _startAt;
    public bool Halted { get; private set; }
    public long? HaltedAt { get; private set; }
    public long? CompletedAt { get; private set; }
    public int WavesStarted => _next;
    public int ClustersReached => _reached.Count(r => r);
    public double Reach => _reached.Length == 0 ? 0 : ClustersReached / (double)_reached.Length;
    public bool HasReached(int cluster) => _reached[cluster];

    /// <summary>When the change reached each cluster (ticks), or null.</summary>
    public long?[] ReachedAt { get; private set; } = Array.Empty<long?>();

    public void Start()
    {
        ReachedAt = new long?[_fleet.Clusters.Count];
        var sim = _fleet.Sim;
        sim.Schedule(Math.Max(0, _startAt - sim.Now), this, NextWave);
        if (_gates.Length > 0) sim.Schedule(Evaluation.FirstDelay(sim.Now), this, Evaluate);
    }

    public void OnEvent(int kind, long arg)
    {
        if (kind == NextWave) StartWave();
        else EvaluateGates();
    }

    private void StartWave()
    {
        if (Halted || _next >= _waves.Count) return;
        var wave = _waves[_next++];
        var names = new List<string>();
        for (int i = 0; i < _fleet.Clusters.Count; i++)
        {
            var c = _fleet.Clusters[i];
            if (_reached[i] || !ClusterPattern.Matches(wave.Clusters, c.Name)) continue;
            _reached[i] = true;
            ReachedAt[i] = _fleet.Sim.Now;
            if (c.FindWorkload(Change) is { } d) c.Deploy(d);
            names.Add(c.Name);
        }
        _fleet.Log("*", "rollout", $"wave {_next}/{_waves.Count}: {Change} applied to {(names.Count == 0 ? "no new cluster" : string.Join(", ", names))}");
        if (_next < _waves.Count) _fleet.Sim.Schedule(wave.BakeTicks, this, NextWave);
        else
        {
            CompletedAt = _fleet.Sim.Now;
            _fleet.Log("*", "rollout", $"rollout of {Change} complete: {ClustersReached} of {_reached.Length} clusters");
        }
    }

    private void EvaluateGates()
    {
        var sim = _fleet.Sim;
        if (Halted || CompletedAt is not null) return;
        for (int i = 0; i < _fleet.Clusters.Count; i++)
        {
            if (!_reached[i]) continue;
            foreach (var g in _gates)
            {
                if (!g.Update(i, _fleet.Clusters[i], Change, sim.Now, out double value)) continue;
                Halted = true;
                HaltedAt = sim.Now;
                _fleet.Log(_fleet.Clusters[i].Name, "gate", $"rollout halted by gate {g.Condition} (value {value:G3}); {ClustersReached} of {_reached.Length} clusters reached");
                _fleet.OnRolloutHalted();
                return;
            }
        }
        sim.Schedule(Evaluation.Period, this, Evaluate);
    }
}
