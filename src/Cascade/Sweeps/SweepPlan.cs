using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Cascade.Sweeps;

/// <summary>One axis of a planned sweep: its heading, its `--set` path, and its values in the file's order.</summary>
public sealed record SweepAxisPlan(string Name, string Path, IReadOnlyList<string> Values);

/// <summary>One axis's value in a cell; <see cref="Override"/> is the `--set` that gives it.</summary>
public sealed record SweepSetting(string Axis, string Path, string Value)
{
    [JsonIgnore] public string Override => $"{Path}={SweepValue.AsYaml(Value)}";

    public override string ToString() => $"{Axis}={SweepValue.Display(Value)}";
}

/// <summary>
/// One run of the sweep. <see cref="Id"/> is derived from what the cell sets (its settings, mitigation and
/// seed), not from where it falls in the grid, so reordering or extending the file keeps the ids of the
/// cells it keeps. <see cref="Group"/> is the id of its settings and mitigation without the seed: the cells
/// whose verdicts are counted together.
/// </summary>
public sealed record SweepCell(
    string Id,
    string Group,
    IReadOnlyList<SweepSetting> Settings,
    string Mitigation,
    ulong Seed,
    double EstimatedEvents,
    double EstimatedMemoryBytes)
{
    /// <summary>"nodes=500 resourceVersion=0 mitigation=priority-level".</summary>
    [JsonIgnore] public string Label => SweepPlan.GroupLabel(Settings, Mitigation);
}

/// <summary>
/// What the sweep file defined, as the plan and the result both carry it. <see cref="Fingerprint"/> covers
/// the sweep file, the scenario file and the tool's version: shards merge only with shards of the same plan.
/// </summary>
public sealed record SweepDefinition(
    string Name,
    string Description,
    string Scenario,
    IReadOnlyList<string> Set,
    IReadOnlyList<SweepAxisPlan> Axes,
    IReadOnlyList<string> Mitigations,
    IReadOnlyList<ulong> Seeds,
    string Fingerprint);

/// <summary>What a sweep will run: every cell with its estimated cost, in the grid's order (first axis outermost, then mitigation, then seed).</summary>
public sealed record SweepPlan(SweepDefinition Sweep, IReadOnlyList<SweepCell> Cells)
{
    [JsonIgnore] public string Name => Sweep.Name;

    [JsonIgnore] public string Fingerprint => Sweep.Fingerprint;

    /// <summary>"nodes=500 resourceVersion=0", then the mitigation unless it is none; "baseline" for no settings and no mitigation.</summary>
    public static string GroupLabel(IReadOnlyList<SweepSetting> settings, string mitigation)
    {
        var parts = settings.Select(s => s.ToString()).ToList();
        if (mitigation != "none") parts.Add($"mitigation={mitigation}");
        return parts.Count > 0 ? string.Join(" ", parts) : Preflight.Variant.BaselineName;
    }

    /// <summary>The first 12 hex digits of SHA-256 of the canonical settings (sorted by path) and mitigation.</summary>
    public static string GroupId(IReadOnlyList<SweepSetting> settings, string mitigation)
    {
        var canonical = new StringBuilder();
        foreach (var s in settings.OrderBy(s => s.Path, StringComparer.Ordinal)) canonical.Append(s.Path).Append('=').Append(s.Value).Append('\n');
        canonical.Append("mitigation=").Append(mitigation).Append('\n');
        return Hash(canonical.ToString())[..12];
    }

    public static string CellId(string group, ulong seed) => $"{group}-s{seed}";

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Which cells shard <paramref name="shard"/> of <paramref name="shards"/> runs: the cells, costliest first
    /// (ties by id), each to the shard with the least estimated events so far (ties to the lowest index).
    /// The same plan and count always give the same assignment; returned in the plan's order.
    /// </summary>
    public IReadOnlyList<SweepCell> Shard(int shard, int shards)
    {
        var of = ShardOf(shards);
        return Cells.Where(c => of[c.Id] == shard).ToList();
    }

    /// <summary>Every cell's shard, by id.</summary>
    public IReadOnlyDictionary<string, int> ShardOf(int shards)
    {
        var load = new double[shards];
        var of = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in Cells.OrderByDescending(c => c.EstimatedEvents).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            int least = 0;
            for (int s = 1; s < shards; s++)
                if (load[s] < load[least]) least = s;
            load[least] += c.EstimatedEvents;
            of[c.Id] = least;
        }
        return of;
    }
}

/// <summary>How a grid value, written in the file as a YAML scalar, becomes a `--set` value and a table's cell.</summary>
public static class SweepValue
{
    /// <summary>Plain when YAML reads it back as the same text, else double-quoted (an empty string, a leading space, "a: b").</summary>
    public static string AsYaml(string value) =>
        NeedsQuotes(value) ? Cascade.Json.Serialize(value).TrimEnd('\n') : value;

    public static string Display(string value) => value.Length == 0 ? "\"\"" : value;

    private static bool NeedsQuotes(string value) =>
        value.Length == 0 || value != value.Trim() || ",[]{}#&*!|>'\"%@`".Contains(value[0])
        || ("-?:".Contains(value[0]) && (value.Length == 1 || value[1] == ' '))
        || value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal)
        || value.Any(char.IsControl);
}
