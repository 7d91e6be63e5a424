using System.Text.Json.Serialization;

namespace Cascade.Results;

/// <summary>
/// One thing that happened, for the run's timeline: `timeline[]` in result.json, with the fields `time`
/// (seconds of simulated time), `cluster`, `kind` and `message`.
/// </summary>
public sealed record TimelineEntry([property: JsonPropertyName("time")] double TimeSeconds, string Cluster, string Kind, string Message);

/// <summary>What happened during a run, in simulated-time order (entries are added as the run goes).</summary>
public sealed class Timeline
{
    private readonly List<TimelineEntry> _entries = new();

    public IReadOnlyList<TimelineEntry> Entries => _entries;

    public void Add(double timeSeconds, string cluster, string kind, string message) =>
        _entries.Add(new TimelineEntry(timeSeconds, cluster, kind, message));
}
