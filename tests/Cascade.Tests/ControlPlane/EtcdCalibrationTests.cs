using System.Globalization;
using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane;

/// <summary>The model's etcd against what a real etcd did (calibration/etcd/etcd-ranges.csv; docs/model.md, "etcd, measured").</summary>
public class EtcdCalibrationTests
{
    private static string CsvPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cascade.slnx"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "calibration", "etcd", "etcd-ranges.csv");
    }

    [Fact]
    public void The_models_range_cost_per_byte_matches_the_measured_etcd_within_20_percent_in_most_cells_and_45_percent_in_all()
    {
        var lines = File.ReadAllLines(CsvPath());
        var head = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(head, name);
        int status = Col("status"), objects = Col("objects"), value = Col("value_bytes"), conc = Col("concurrency"),
            resp = Col("response_bytes"), cpu = Col("etcd_cpu_s"), read = Col("read");
        // Pod-sized values (2 KB) read linearizably, as the API server's ranges are. 20 KB values ranged about
        // twice as fast per byte: etcd has a per-key cost the model does not have yet (docs/model.md).
        var cells = lines.Skip(1).Select(l => l.Split(',')).Where(f => f[status] == "ok" && f[value] == "2048" && f[read] == "linearizable")
            .GroupBy(f => (f[objects], f[value], f[conc]))
            .ToList();
        Assert.True(cells.Count >= 10, $"only {cells.Count} measured cells");
        var model = new EtcdConfig();
        var etcd = new Etcd(new Simulation(1), model, "c", new Cascade.Results.Timeline(), new NoClient());
        int within20 = 0;
        foreach (var cell in cells)
        {
            // etcd CPU-seconds per range, measured (median over repetitions) and in the model (single-core time of the range).
            var perRange = cell.Select(f => double.Parse(f[cpu], CultureInfo.InvariantCulture) / int.Parse(f[conc], CultureInfo.InvariantCulture))
                .OrderBy(x => x).ToList();
            double measured = perRange[perRange.Count / 2];
            long bytes = long.Parse(cell.First()[resp], CultureInfo.InvariantCulture);
            double modelled = SimTime.ToSeconds(etcd.RangeTicks(bytes));
            Assert.InRange(modelled / measured, 0.55, 1.45);
            if (modelled / measured is >= 0.8 and <= 1.2) within20++;
        }
        // One rate per byte cannot fit every cell: small ranges alone ran up to 1.4× faster per byte on this
        // shared 2-core machine (docs/model.md, "etcd, measured").
        Assert.True(within20 >= 0.75 * cells.Count, $"{within20} of {cells.Count} cells within 20 %");
    }

    private sealed class NoClient : Etcd.IClient
    {
        public void OnServed(int job) { }
        public void OnEtcdDown() { }
    }
}
