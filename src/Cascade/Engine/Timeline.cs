namespace Cascade.Engine;

/// <summary>
/// One thing that happened, as the model observed it: when (seconds of simulated time), in which cluster, what
/// kind and what; <see cref="Time"/> is in seconds. result.json writes it as `timeline[]`.
/// </summary>
public sealed record TimelineEntry(double Time, string Cluster, string Kind, string Message);

/// <summary>What happened during a run, in simulated-time order (entries are added as the run goes).</summary>
public sealed class Timeline
{
    private readonly List<TimelineEntry> _entries = new();

    public IReadOnlyList<TimelineEntry> Entries => _entries;

    public void Add(double timeSeconds, string cluster, string kind, string message) =>
        _entries.Add(new TimelineEntry(timeSeconds, cluster, kind, message));
}
