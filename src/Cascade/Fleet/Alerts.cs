using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>An alert rule: a condition on the clusters matching its patterns.</summary>
public sealed record AlertRule(string Name, Condition Condition, IReadOnlyList<string> Clusters);

/// <summary>
/// Alert rules evaluated like Prometheus': every 10 s, firing once a rule's condition has held for its `for`
/// duration on a cluster. The first firing anywhere is the incident's detection; each firing goes in the
/// timeline once per rule and cluster.
/// </summary>
public sealed class Alerts : IEventHandler, IEvaluations
{
    private readonly FleetModel _fleet;
    private readonly AlertRule[] _rules;
    private readonly ConditionTracker[] _trackers;
    private readonly bool[,] _fired;
    private readonly string? _change;

    public Alerts(FleetModel fleet, IReadOnlyList<AlertRule> rules, string? change)
    {
        _fleet = fleet;
        _rules = rules.ToArray();
        _change = change;
        _trackers = _rules.Select(r => new ConditionTracker(r.Condition, fleet.Clusters.Count)).ToArray();
        _fired = new bool[_rules.Length, fleet.Clusters.Count];
        _readsMovingSignal = _rules.Any(r => SignalReader.MovesCluster(r.Condition.Signal));
    }

    private readonly bool _readsMovingSignal;

    /// <summary>The rules as built (tests read them).</summary>
    internal IReadOnlyList<AlertRule> Rules => _rules;

    // Its events only read the clusters' signals; only the first firing (detection) starts anything.
    bool IEvaluations.Evaluates(int kind) => true;
    bool IEvaluations.MayStart => _rules.Length > 0 && FirstFiredAt is null;
    bool IEvaluations.ReadsMovingSignal => _readsMovingSignal;

    public long? FirstFiredAt { get; private set; }
    public string? FirstFiredRule { get; private set; }

    public void Start()
    {
        if (_rules.Length > 0) _fleet.Sim.Schedule(Evaluation.FirstDelay(_fleet.Sim.Now), this, 0);
    }

    public void OnEvent(int kind, long arg)
    {
        long now = _fleet.Sim.Now;
        for (int r = 0; r < _rules.Length; r++)
        {
            for (int i = 0; i < _fleet.Clusters.Count; i++)
            {
                var c = _fleet.Clusters[i];
                if (_fired[r, i] || !ClusterPattern.Matches(_rules[r].Clusters, c.Name)) continue;
                if (!_trackers[r].Update(i, c, _change, now, out double value)) continue;
                _fired[r, i] = true;
                _fleet.Log(c.Name, "alert", $"alert {_rules[r].Name} firing ({_rules[r].Condition.Signal} = {value:G3})");
                if (FirstFiredAt is null)
                {
                    FirstFiredAt = now;
                    FirstFiredRule = _rules[r].Name;
                    _fleet.OnDetected();
                }
            }
        }
        _fleet.Sim.Schedule(Evaluation.Period, this, 0);
    }
}
