using Cascade.Sweeps;

namespace Cascade.Tests.Sweeps;

/// <summary>
/// Shards as a Job runs them: separate processes, each writing its own cells, merged afterwards into the same
/// bytes (results.json, report.html, the table) as the whole sweep run in one process.
/// </summary>
public class SweepShardProcessTests(SweepFixture fx) : IClassFixture<SweepFixture>
{
    private static string[] Shard(SweepFixture fx, int i, int n, string dir) =>
        ["sweep", "run", fx.SweepFile, "--shard", $"{i}/{n}", "--out", dir, "--threads", "1", "-q"];

    private static void AssertSameFiles(string expectedDir, string actualDir)
    {
        foreach (var name in new[] { "results.json", "report.html" })
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, name)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, name))), $"{name} differs");
    }

    private void AssertCellsAsOneProcess(string dir)
    {
        foreach (var cell in Directory.GetFiles(Path.Combine(dir, SweepShards.CellsFolder), "*.json"))
            Assert.Equal(File.ReadAllText(Path.Combine(fx.Dir("one"), SweepShards.CellsFolder, Path.GetFileName(cell))), File.ReadAllText(cell));
    }

    [Fact]
    public void The_one_process_sweep_tells_the_settings_apart()
    {
        // The comparison below is worth something only if the result has both verdicts in it.
        var results = File.ReadAllText(Path.Combine(fx.Dir("one"), "results.json"));
        Assert.Contains("\"verdict\": \"holds\"", results);
        Assert.Contains("\"verdict\": \"fails\"", results);
        Assert.Contains("0/2 fails", fx.OneProcessTable);
        Assert.Contains("2/2 holds", fx.OneProcessTable);
        Assert.Equal(8, Directory.GetFiles(Path.Combine(fx.Dir("one"), SweepShards.CellsFolder), "*.json").Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Shards_run_as_separate_processes_and_merged_give_the_bytes_of_one_process(int n)
    {
        // Three shards share one folder, as an Indexed Job's pods share one volume; the others have one each.
        var dirs = Enumerable.Range(0, n).Select(i => fx.Dir(n == 3 ? "n3-shared" : $"n{n}-shard{i}")).ToList();
        var shards = Enumerable.Range(0, n).Select(i => SweepFixture.Start(Shard(fx, i, n, dirs[i]))).ToList();
        foreach (var p in shards)
        {
            var (code, _, err) = SweepFixture.Finish(p);
            Assert.True(code == 0, err);
        }
        var merged = fx.Dir($"n{n}-merged");
        var (mergeCode, table, mergeErr) = SweepFixture.Cascade(["sweep", "merge", .. dirs.Distinct(), "--out", merged, "-q"]);
        Assert.True(mergeCode == 0, mergeErr);
        AssertSameFiles(fx.Dir("one"), merged);
        Assert.Equal(fx.OneProcessTable, table);
        foreach (var dir in dirs.Distinct()) AssertCellsAsOneProcess(dir);
    }

    [Fact]
    public void A_shard_killed_and_run_again_gives_the_same_output()
    {
        var dir = fx.Dir("killed");
        foreach (int i in new[] { 0, 2 }) Assert.Equal(0, SweepFixture.Cascade(Shard(fx, i, 3, dir)).Code);
        var manifest = Path.Combine(dir, SweepShardManifest.FileName(1, 3));
        var cells = Path.Combine(dir, SweepShards.CellsFolder);
        int before = Directory.GetFiles(cells, "*.json").Length;

        // Killed as soon as it has written a cell (or at once, if it finished first).
        var shard = SweepFixture.Start(Shard(fx, 1, 3, dir));
        while (!shard.HasExited && Directory.GetFiles(cells, "*.json").Length == before) Thread.Sleep(5);
        if (!shard.HasExited) shard.Kill(entireProcessTree: true);
        shard.WaitForExit();
        // What a kill leaves at worst, whenever it came: no manifest, a cell missing, a temporary file.
        File.Delete(manifest);
        var ran = global::Cascade.Sweeps.Sweep.Load(fx.SweepFile).Plan.Shard(1, 3);
        File.Delete(SweepShards.CellPath(dir, ran[0].Id));
        File.WriteAllText(Path.Combine(cells, $".{ran[0].Id}.json.1.tmp"), "{\"id\": ");

        var refused = SweepFixture.Cascade("sweep", "merge", dir, "--out", fx.Dir("killed-merged"), "-q");
        Assert.Equal(2, refused.Code);
        Assert.Contains("shard 1 of 3 is missing", refused.Err);

        Assert.Equal(0, SweepFixture.Cascade(Shard(fx, 1, 3, dir)).Code);
        var (code, table, err) = SweepFixture.Cascade("sweep", "merge", dir, "--out", fx.Dir("killed-merged"), "-q");
        Assert.True(code == 0, err);
        AssertSameFiles(fx.Dir("one"), fx.Dir("killed-merged"));
        Assert.Equal(fx.OneProcessTable, table);
        AssertCellsAsOneProcess(dir);

        // Run again, it keeps what it finished: the cells are not written again, the manifest is the same.
        var written = ran.ToDictionary(c => c.Id, c => File.GetLastWriteTimeUtc(SweepShards.CellPath(dir, c.Id)));
        var manifestBytes = File.ReadAllBytes(manifest);
        Thread.Sleep(20);
        Assert.Equal(0, SweepFixture.Cascade(Shard(fx, 1, 3, dir)).Code);
        foreach (var c in ran) Assert.Equal(written[c.Id], File.GetLastWriteTimeUtc(SweepShards.CellPath(dir, c.Id)));
        Assert.Equal(manifestBytes, File.ReadAllBytes(manifest));
    }

    [Fact]
    public void Merging_refuses_a_missing_or_duplicated_shard_with_one_clear_line()
    {
        string a = fx.Dir("dup-a"), b = fx.Dir("dup-b"), again = fx.Dir("dup-a-again");
        Assert.Equal(0, SweepFixture.Cascade(Shard(fx, 0, 2, a)).Code);
        Assert.Equal(0, SweepFixture.Cascade(Shard(fx, 1, 2, b)).Code);
        Assert.Equal(0, SweepFixture.Cascade(Shard(fx, 0, 2, again)).Code);

        var missing = SweepFixture.Cascade("sweep", "merge", a, "--out", fx.Dir("dup-merged"));
        Assert.Equal(2, missing.Code);
        Assert.Equal("cascade: error: merge: shard 1 of 2 is missing: run it (cascade sweep run SWEEP --shard 1/2) and merge again", missing.Err.Trim());

        var twice = SweepFixture.Cascade("sweep", "merge", a, b, again, "--out", fx.Dir("dup-merged"));
        Assert.Equal(2, twice.Code);
        Assert.Single(twice.Err.Trim().Split('\n'));
        Assert.Contains("shard 0 of 2 is given twice", twice.Err);
        Assert.False(File.Exists(Path.Combine(fx.Dir("dup-merged"), "results.json")));
    }

    [Fact]
    public void A_mistake_in_the_sweep_file_is_one_line_at_its_file_line_and_column_with_exit_code_2()
    {
        var bad = fx.Write("sweeps/bad.sweep.yaml", SweepFixture.Sweep.Replace("values: [20, 400]", "values: [20, lots]"));
        var (code, stdout, err) = SweepFixture.Cascade("sweep", "run", bad, "--out", fx.Dir("bad"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"cascade: error: {bad}:9:18: grid[0].values[1]: cluster.nodes: expected an integer, got 'lots'", err.Trim());
        Assert.False(Directory.Exists(fx.Dir("bad")));
    }

    [Fact]
    public void The_job_verb_writes_the_manifest_the_reader_and_the_Dockerfile_and_refuses_a_bad_flag_in_one_line()
    {
        var dir = fx.Dir("job");
        var (code, stdout, err) = SweepFixture.Cascade("sweep", "job", fx.SweepFile, "--image", "registry.example.com/cascade:1", "--shards", "3", "--out", dir);
        Assert.True(code == 0, err);
        Assert.Equal(["Dockerfile", "Dockerfile.dockerignore", "job.yaml", "reader.yaml"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("kubectl apply -f", stdout);
        Assert.Contains("\"$(JOB_COMPLETION_INDEX)/3\"", File.ReadAllText(Path.Combine(dir, "job.yaml")));

        var bad = SweepFixture.Cascade("sweep", "run", fx.SweepFile, "--shard", "3/3", "--out", fx.Dir("bad-shard"));
        Assert.Equal(2, bad.Code);
        Assert.Equal("cascade: error: --shard: '3/3' is not i/n with 0 ≤ i < n (e.g. 0/4; an Indexed Job's JOB_COMPLETION_INDEX counts from 0)", bad.Err.Trim());
        Assert.False(Directory.Exists(fx.Dir("bad-shard")));
    }
}
