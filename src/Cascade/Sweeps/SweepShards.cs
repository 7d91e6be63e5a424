using System.Text.Json;
using System.Text.RegularExpressions;
using Cascade.Preflight;
using Cascade.Results;

namespace Cascade.Sweeps;

/// <summary>
/// What a shard leaves in its output folder: `cells/&lt;id&gt;.json` for each of its cells (each written whole
/// or not at all, as it finishes) and, last, `shard-&lt;i&gt;-of-&lt;n&gt;.json` with the plan and the ids it ran.
/// The manifest's presence marks a finished shard; a shard killed before it has none, and is simply run
/// again: every cell's file is a function of the plan and the cell, so a rerun writes the same bytes, and
/// keeps the cells the killed run finished.
/// Several shards may share one folder (an Indexed Job's pods writing to one volume) or have one each.
/// </summary>
public sealed record SweepShardManifest(int Shard, int Shards, string Fingerprint, IReadOnlyList<string> Cells, SweepPlan Plan)
{
    public static string FileName(int shard, int shards) => $"shard-{shard}-of-{shards}.json";
}

public static partial class SweepShards
{
    public const string CellsFolder = "cells";

    /// <summary>`--shard i/n`, with i from 0 as JOB_COMPLETION_INDEX counts.</summary>
    public static (int Shard, int Shards) Parse(string text)
    {
        var m = ShardPattern().Match(text);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, out int i) || !int.TryParse(m.Groups[2].Value, out int n) || n < 1 || i >= n)
            throw new InputException($"'{text}' is not i/n with 0 ≤ i < n (e.g. 0/4; an Indexed Job's JOB_COMPLETION_INDEX counts from 0)", field: "--shard");
        return (i, n);
    }

    /// <summary>
    /// Runs shard <paramref name="shard"/> of <paramref name="shards"/>'s cells, <paramref name="threads"/> at a
    /// time, writing each cell's file as it finishes and the manifest last.
    /// </summary>
    public static SweepShardManifest Run(Sweep sweep, int shard, int shards, string outDir, int threads, Action<int, int>? progress = null)
    {
        var cells = sweep.Plan.Shard(shard, shards);
        ParallelRuns.Run(cells, threads, (c, pool) =>
        {
            if (Finished(outDir, c.Id, sweep.Plan.Fingerprint)) return true;
            AtomicFile.WriteAllText(CellPath(outDir, c.Id), Json.Serialize(sweep.Run(c, () => pool.Now)));
            return true;
        }, progress);
        var manifest = new SweepShardManifest(shard, shards, sweep.Plan.Fingerprint, cells.Select(c => c.Id).ToList(), sweep.Plan);
        AtomicFile.WriteAllText(Path.Combine(outDir, SweepShardManifest.FileName(shard, shards)), Json.Serialize(manifest));
        return manifest;
    }

    /// <summary>
    /// Whether a run of this plan already wrote the cell (a shard rerun after a kill, a Job's retry): a cell's
    /// file is written whole or not at all, and is a function of the plan and the cell, so it is kept.
    /// </summary>
    private static bool Finished(string dir, string id, string fingerprint)
    {
        var path = CellPath(dir, id);
        if (!File.Exists(path)) return false;
        try
        {
            return Read<SweepCellResult>(path, "a cell result") is { } cell && cell.Id == id && cell.Fingerprint == fingerprint;
        }
        catch (InputException)
        {
            return false;
        }
    }

    public static string CellPath(string dir, string id) => Path.Combine(dir, CellsFolder, id + ".json");

    /// <summary>
    /// The shards' outputs in <paramref name="dirs"/> (folders, or shards' manifests) as one result. Refuses, in one line, folders with no
    /// finished shard, shards of different plans or counts, a shard given twice or missing, and a cell
    /// missing or from another plan: the union must cover the plan exactly once.
    /// </summary>
    public static (SweepPlan Plan, SweepResult Result) Merge(IReadOnlyList<string> dirs)
    {
        if (dirs.Count == 0) throw new InputException("give the shards' output folders", field: "merge");
        var found = new List<(string Dir, SweepShardManifest Manifest)>();
        foreach (var given in dirs)
        {
            // A shard's manifest names that shard alone; a folder, every finished shard in it.
            bool one = File.Exists(given);
            string dir = one ? Path.GetDirectoryName(Path.GetFullPath(given))! : given;
            if (!one && !Directory.Exists(dir)) throw new InputException($"'{given}' is neither a folder nor a shard's manifest", field: "merge");
            List<string> manifests = one ? [given] : Directory.GetFiles(dir, "shard-*-of-*.json").Order(StringComparer.Ordinal).ToList();
            if (manifests.Count == 0)
                throw new InputException($"'{dir}' holds no finished shard (shard-<i>-of-<n>.json): is it still running, or was it stopped before it finished? Run it again", field: "merge");
            found.AddRange(manifests.Select(m => (dir, Read<SweepShardManifest>(m, "a shard manifest"))));
        }
        var (firstDir, first) = found[0];
        foreach (var (dir, m) in found)
        {
            if (m.Fingerprint != first.Fingerprint || m.Plan.Fingerprint != m.Fingerprint)
                throw new InputException($"shard {m.Shard} of {m.Shards} in '{dir}' is from another plan than shard {first.Shard} of {first.Shards} in '{firstDir}' " +
                    "(the sweep file, its scenario or the cascade version differ): run every shard from the same files", field: "merge");
            if (m.Shards != first.Shards)
                throw new InputException($"'{dir}' holds shard {m.Shard} of {m.Shards}, '{firstDir}' shard {first.Shard} of {first.Shards}: merge the shards of one count", field: "merge");
        }
        int n = first.Shards;
        foreach (var twice in found.GroupBy(f => f.Manifest.Shard).Where(g => g.Count() > 1))
            throw new InputException($"shard {twice.Key} of {n} is given twice (in '{string.Join("' and '", twice.Select(t => t.Dir))}'): give each shard once", field: "merge");
        var missing = Enumerable.Range(0, n).Where(i => found.All(f => f.Manifest.Shard != i)).ToList();
        if (missing.Count > 0)
            throw new InputException($"{(missing.Count == 1 ? "shard" : "shards")} {string.Join(", ", missing)} of {n} {(missing.Count == 1 ? "is" : "are")} missing: " +
                $"run {(missing.Count == 1 ? "it" : "them")} (cascade sweep run SWEEP --shard {missing[0]}/{n}) and merge again", field: "merge");

        var plan = first.Plan;
        var of = plan.ShardOf(n);
        var results = new Dictionary<string, SweepCellResult>(StringComparer.Ordinal);
        foreach (var (dir, m) in found.OrderBy(f => f.Manifest.Shard))
        {
            var expected = plan.Cells.Where(c => of[c.Id] == m.Shard).Select(c => c.Id);
            if (!expected.SequenceEqual(m.Cells, StringComparer.Ordinal))
                throw new InputException($"shard {m.Shard} of {n} in '{dir}' did not run the cells the plan gives it: run it again", field: "merge");
            foreach (var id in m.Cells)
            {
                var path = CellPath(dir, id);
                if (!File.Exists(path))
                    throw new InputException($"cell {id} of shard {m.Shard} of {n} is missing from '{Path.Combine(dir, CellsFolder)}': run the shard again", field: "merge");
                var cell = Read<SweepCellResult>(path, "a cell result");
                if (cell.Id != id || cell.Fingerprint != plan.Fingerprint)
                    throw new InputException($"'{path}' is not cell {id} of this plan: run shard {m.Shard} of {n} again", field: "merge");
                results[id] = cell;
            }
        }
        return (plan, SweepResult.Of(plan, results));
    }

    private static T Read<T>(string path, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(TextFile.ReadUtf8(path), Json.Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InputException($"not {what}: {e.Message}", path);
        }
    }

    [GeneratedRegex(@"^\s*(\d+)\s*/\s*(\d+)\s*$")]
    private static partial Regex ShardPattern();
}
