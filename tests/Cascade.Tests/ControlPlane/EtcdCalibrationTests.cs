using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using System.Globalization;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Results;

namespace Cascade.Tests.ControlPlane;

/// <summary>
/// The model's etcd, with its defaults, against a real etcd 3.4 (calibration/etcd/etcd-ranges.csv,
/// docs/etcd-calibration.md): per cell of objects × value size × concurrency, linearizable ranges, medians
/// over the repetitions. The model is driven as the simulation drives it: ranges admitted to <see cref="Etcd"/>.
/// The quick calibration measures etcd's CPU on this machine, so it runs alone: beside the rest of the suite's
/// parallel tests its ranges measured 2.2× cheaper than the model in two full runs, and within range when alone.
/// </summary>
[Collection("etcd measurement")]
public class EtcdCalibrationTests
{
    private sealed record Cell(long Objects, long ValueBytes, int Concurrency, long ResponseBytes,
        double CpuSecondsPerRange, double LatencySeconds, double PeakOverBaseBytes);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cascade.slnx"))) dir = dir.Parent;
        return dir!.FullName;
    }

    private static IReadOnlyList<Cell> Cells() => Cells(Path.Combine(RepoRoot(), "calibration", "etcd", "etcd-ranges.csv"));

    private static IReadOnlyList<Cell> Cells(string csv)
    {
        var lines = File.ReadAllLines(csv);
        var head = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(head, name);
        double D(string[] f, string name) => double.Parse(f[Col(name)], CultureInfo.InvariantCulture);
        static double Median(IEnumerable<double> xs) { var s = xs.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[Col("status")] == "ok" && f[Col("read")] == "linearizable")
            .GroupBy(f => (O: (long)D(f, "objects"), V: (long)D(f, "value_bytes"), C: (int)D(f, "concurrency")))
            .Select(g => new Cell(g.Key.O, g.Key.V, g.Key.C, (long)D(g.First(), "response_bytes"),
                Median(g.Select(f => D(f, "etcd_cpu_s") / g.Key.C)),
                Median(g.Select(f => D(f, "lat_p50_s"))),
                Median(g.Select(f => D(f, "rss_anon_peak") - D(f, "rss_anon_base")))))
            .OrderBy(c => c.Objects).ThenBy(c => c.ValueBytes).ThenBy(c => c.Concurrency)
            .ToList();
    }

    private sealed class Recorder : Etcd.IClient
    {
        public readonly List<long> ServedAt = new();
        public Simulation? Sim;
        public void OnServed(int job) => ServedAt.Add(Sim!.Now);
        public void OnEtcdDown() { }
    }

    /// <summary><paramref name="c"/> ranges of the cell started together on the model's etcd with <paramref name="cores"/> cores: when the last ends, and the most memory held over the base.</summary>
    private static (double LastSeconds, double PeakOverBase) Model(Cell cell, int c, double cores)
    {
        var config = ScenarioBuilder.EtcdConfigFrom(new EtcdSpec { CpuCores = cores, Memory = new(0) });
        var sim = new Simulation(1);
        var rec = new Recorder { Sim = sim };
        var etcd = new Etcd(sim, config, "calibration", new Timeline(), rec);
        for (int j = 0; j < c; j++) etcd.Range(j, cell.Objects, cell.ResponseBytes);
        // Equal ranges under processor sharing all finish together; memory peaks just before.
        long end = etcd.RangeTicks(cell.Objects, cell.ResponseBytes) * c / (long)Math.Min(c, cores);
        sim.Run(untilTicks: end - 1);
        double peak = etcd.MemoryBytes - config.BaseMemoryBytes;
        sim.Run(untilTicks: end + SimTime.TicksPerSecond);
        Assert.Equal(c, rec.ServedAt.Count);
        return (SimTime.ToSeconds(rec.ServedAt.Max()), peak);
    }

    private static double Error(double model, double measured) => model / measured - 1;

    [Fact]
    public void Etcd_cpu_per_range_matches_the_measured_etcd_within_20_percent_in_two_cells_of_three_and_40_percent_in_all()
    {
        var cells = Cells();
        Assert.True(cells.Count >= 20, $"only {cells.Count} cells");
        var errors = cells.Select(c => Error(SimTime.ToSeconds(new Etcd(new Simulation(1), ScenarioBuilder.EtcdConfigFrom(new EtcdSpec()), "c", new Timeline(), new Recorder())
            .RangeTicks(c.Objects, c.ResponseBytes)), c.CpuSecondsPerRange)).ToList();
        Assert.True(errors.Count(e => Math.Abs(e) <= 0.2) * 3 >= 2 * cells.Count, Describe(cells, errors));
        Assert.All(errors, e => Assert.InRange(e, -0.4, 0.4));
    }

    [Fact]
    public void Etcd_latency_under_concurrency_follows_the_models_processor_sharing_over_the_cores_etcd_had()
    {
        // The cores etcd had beside the harness's own client on the same 2-core machine: n = 1.67 fitted
        // (docs/etcd-calibration.md).
        const double cores = 1.67;
        var cells = Cells();
        var errors = new List<double>();
        foreach (var cell in cells.Where(c => c.Concurrency > 1))
        {
            var alone = cells.Single(c => c.Objects == cell.Objects && c.ValueBytes == cell.ValueBytes && c.Concurrency == 1);
            double modelRatio = Model(cell, cell.Concurrency, cores).LastSeconds / Model(cell, 1, cores).LastSeconds;
            errors.Add(Error(modelRatio, cell.LatencySeconds / alone.LatencySeconds));
        }
        // 15 of 17 cells within 20 %, the median error 11 %; the misses are 150k objects at c = 2 and 4, which ran
        // faster than one at a time (docs/etcd-calibration.md).
        var sorted = errors.Select(Math.Abs).OrderBy(x => x).ToList();
        string all = string.Join(", ", errors.Select(e => e.ToString("P0", CultureInfo.InvariantCulture)));
        Assert.True(errors.Count(e => Math.Abs(e) <= 0.2) * 6 >= 5 * errors.Count, all);
        Assert.True(sorted[sorted.Count / 2] <= 0.15, all);
    }

    [Fact]
    public void Etcd_memory_held_by_ranges_in_flight_matches_the_measured_heap_within_its_spread()
    {
        var cells = Cells();
        var errors = cells.Select(c => Error(Model(c, c.Concurrency, 16).PeakOverBase, c.PeakOverBaseBytes)).ToList();
        // One factor cannot fit a lone range (its garbage collector's headroom is its own) and many at once:
        // the measured spread is 1.7–5.2× the bytes in flight around the model's 2.65× (14 of 22 cells within 20 %).
        var sorted = errors.Select(Math.Abs).OrderBy(x => x).ToList();
        Assert.True(sorted[sorted.Count / 2] <= 0.2, Describe(cells, errors));
        Assert.All(errors, e => Assert.InRange(e, -0.5, 0.5));
    }

    /// <summary>
    /// The model's range cost is one machine's measurement (calibration/etcd/machine.txt); the machine this check runs
    /// on, and the same VM on another day, differ. Measured with the quick calibration: 0.73–1.2× on an Intel Xeon VM;
    /// on AMD EPYC VMs (the recording's kind) 1.25–2.74× over eleven runs of 10,000 keys on one day, and 3.16× once in CI
    /// on 2,000 keys. The harness's own client ran 1.2–3.1× faster than at the recording too, alike, so this is the
    /// machine's speed, not etcd's; scaling by the client's CPU was tried and spread wider (0.44–1.41), its CPU being
    /// a few ticks of 10 ms. So the live check measures a cell the recorded grid holds (10,000 × 2 KB, its smallest
    /// dataset, ~40 ms a range rather than the ~5 ms of 2,000 keys) and guards the order of magnitude — a unit slip, a
    /// per-key or per-byte cost 5× off, an etcd release several times slower — within a factor of four of the median
    /// of five repetitions; the 20 % agreement is held against the recorded grid above.
    /// </summary>
    [EtcdFact]
    public void A_real_etcd_on_this_machine_still_costs_what_the_model_says_within_a_factor_of_four()
    {
        // calibration/etcd/run.sh --quick: a fresh etcd on loopback, 10,000 pod-sized values, ranges at c = 1 and 4,
        // five repetitions each.
        string csv = Path.Combine(Path.GetTempPath(), $"cascade-etcd-quick-{Environment.ProcessId}.csv");
        var run = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash",
            [Path.Combine(RepoRoot(), "calibration", "etcd", "run.sh"), "--quick", "--out", csv])
        {
            WorkingDirectory = RepoRoot(), RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        string output = run.StandardOutput.ReadToEnd() + run.StandardError.ReadToEnd();
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)), "the quick calibration did not finish in 3 min");
        Assert.True(run.ExitCode == 0, output);
        try
        {
            var cells = Cells(csv);
            Assert.Equal(new[] { 1, 4 }, cells.Select(c => c.Concurrency).ToArray());
            var model = new Etcd(new Simulation(1), ScenarioBuilder.EtcdConfigFrom(new EtcdSpec()), "c", new Timeline(), new Recorder());
            var ratios = cells.Select(c => SimTime.ToSeconds(model.RangeTicks(c.Objects, c.ResponseBytes)) / c.CpuSecondsPerRange).ToList();
            string why = $"model over measured CPU per range: {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))} " +
                $"on {CpuModel()}\n{output}";
            Assert.True(File.ReadAllLines(csv).Length == 1 + 2 * 5, why);
            Assert.True(ratios.All(r => r is >= 1 / 4.0 and <= 4.0), why);
        }
        finally
        {
            File.Delete(csv);
        }
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "an unnamed CPU"
            : "an unnamed CPU";

    private static string Describe(IReadOnlyList<Cell> cells, IReadOnlyList<double> errors) =>
        string.Join("; ", cells.Zip(errors, (c, e) => $"{c.Objects}x{c.ValueBytes} c={c.Concurrency}: {e:P0}"));
}

[CollectionDefinition("etcd measurement", DisableParallelization = true)]
public class EtcdMeasurementCollection;
