using System.Globalization;

namespace Cascade.Calibration.Etcd;

/// <summary>One measured cell repetition (a row of etcd-ranges.csv with status "ok").</summary>
sealed record Row(
    int Objects, int ValueBytes, long ResponseBytes, int Concurrency, bool Serializable, int Rep,
    double LatP50, double LatMax, double HeadersP50, double Wall, double Throughput,
    double EtcdCpu, double ClientCpu, double OtherCpu, long AnonBase, long AnonBefore, long AnonPeak)
{
    public string Dataset => $"{Objects / 1000}k x {ValueBytes / 1024} KB";
    public double BytesRanged => (double)Concurrency * ResponseBytes;
    public double AnonOverBase => AnonPeak - AnonBase;
}

/// <summary>The model's etcd parameters, fitted from the CSV. Every fit is closed-form least squares over
/// the rows in file order, so the same CSV always gives the same numbers.</summary>
sealed record FitResult(
    int Cores,
    double BytesPerCpuSecond,       // 1/α: range response bytes etcd produces per CPU-second (per core), beyond per-key costs
    double CpuPerKey,               // γ: CPU-seconds per key ranged
    double FixedCpuPerRange,        // β: CPU-seconds per range beyond its bytes
    double SingleRangeBytesPerSecond, // R₁: response bytes/s of one range alone, end to end (c = 1)
    double SingleRangeFixedSeconds,   // L₀: latency of an empty range alone
    double ClientBytesPerCpuSecond,   // the harness's own cost, for comparison
    double EffectiveCores,          // n in latency(c) = latency(1) × max(1, c/n), fitted
    double MemoryFactor,            // k in peak anon RSS − base = k × c × response bytes (least squares)
    double MemoryFactorMin, double MemoryFactorMax,
    double SerializableSpeedup,     // median latency(linearizable)/latency(serializable) at equal cells
    List<(Row Cell, double Predicted, double Error)> PsCores,   // processor sharing with n = nproc
    List<(Row Cell, double Predicted, double Error)> PsFitted,  // with n = EffectiveCores
    List<(Row Cell, double Predicted, double Error)> Memory,
    List<(Row Cell, double Predicted, double Error)> Cpu)      // etcd CPU per cell = α·c·bytes + γ·c·keys + β·c
{
    /// <summary>Response bytes per CPU-second for a range of objects of the given size (key + value + ~30 B framing).</summary>
    public double PerCoreThroughput(double bytesPerObject) => bytesPerObject / (bytesPerObject / BytesPerCpuSecond + CpuPerKey);
}

static class Fit
{
    static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    static long L(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    public static List<Row> Load(string path)
    {
        var lines = File.ReadAllLines(path);
        var h = lines[0].Split(',').Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var rows = new List<Row>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            if (f[h["status"]] != "ok") continue;
            string G(string n) => f[h[n]];
            rows.Add(new Row(int.Parse(G("objects"), CultureInfo.InvariantCulture), int.Parse(G("value_bytes"), CultureInfo.InvariantCulture),
                L(G("response_bytes")), int.Parse(G("concurrency"), CultureInfo.InvariantCulture), G("read") == "serializable",
                int.Parse(G("rep"), CultureInfo.InvariantCulture), D(G("lat_p50_s")), D(G("lat_max_s")), D(G("headers_p50_s")),
                D(G("wall_s")), D(G("throughput_Bps")), D(G("etcd_cpu_s")), D(G("client_cpu_s")),
                h.ContainsKey("other_cpu_s") ? D(G("other_cpu_s")) : 0,
                L(G("rss_anon_base")), L(G("rss_anon_before")), L(G("rss_anon_peak"))));
        }
        return rows;
    }

    /// <summary>Share of the machine that other processes (other builds on a shared machine, and kernel
    /// time charged to no process) used during a cell: other_cpu_s / (cores × wall).</summary>
    public static double OtherShare(Row r, int cores) => r.OtherCpu / (cores * r.Wall);
    public const double QuietShare = 0.25;

    /// <summary>nproc of the machine the CSV was measured on: machine.txt beside it, else this machine's.</summary>
    public static int Cores(string csvPath)
    {
        string m = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(csvPath))!, "machine.txt");
        if (File.Exists(m))
            foreach (var line in File.ReadLines(m))
                if (line.StartsWith("nproc:", StringComparison.Ordinal)) return int.Parse(line[6..].Trim(), CultureInfo.InvariantCulture);
        return Environment.ProcessorCount;
    }

    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        if (s.Length == 0) return double.NaN;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>y ≈ Σ cᵢ·xᵢ with every cᵢ ≥ 0, minimising the sum of squared relative errors ((ŷ − y)/y)²:
    /// normal equations solved by Gaussian elimination; a term whose coefficient comes out negative, or that the
    /// others already span (one dataset cannot tell a per-key cost from a per-byte one), is dropped (set to 0) and
    /// the rest refitted.</summary>
    public static double[] RelativeNonNegative(List<(double[] X, double Y)> pts)
    {
        int m = pts[0].X.Length;
        var active = Enumerable.Range(0, m).ToList();
        while (true)
        {
            int k = active.Count;
            var a = new double[k, k + 1];
            foreach (var (x, y) in pts)
            {
                double w = 1 / (y * y);
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++) a[i, j] += w * x[active[i]] * x[active[j]];
                    a[i, k] += w * x[active[i]] * y;
                }
            }
            var diagonal = Enumerable.Range(0, k).Select(i => a[i, i]).ToArray();
            for (int col = 0; col < k; col++)
            {
                int piv = Enumerable.Range(col, k - col).MaxBy(r => Math.Abs(a[r, col]));
                for (int j = 0; j <= k; j++) (a[col, j], a[piv, j]) = (a[piv, j], a[col, j]);
                for (int r = 0; r < k; r++)
                {
                    if (r == col || a[col, col] == 0) continue;
                    double f = a[r, col] / a[col, col];
                    for (int j = col; j <= k; j++) a[r, j] -= f * a[col, j];
                }
            }
            int spanned = Enumerable.Range(0, k).FirstOrDefault(i => Math.Abs(a[i, i]) <= 1e-9 * diagonal.Max(), -1);
            if (spanned >= 0 && k > 1) { active.RemoveAt(spanned); continue; }
            var coef = new double[m];
            for (int i = 0; i < k; i++) coef[active[i]] = a[i, k] / a[i, i];
            int neg = active.FirstOrDefault(i => coef[i] < 0, -1);
            if (neg < 0 || active.Count == 1) return coef.Select(c => Math.Max(0, c)).ToArray();
            active.Remove(neg);
        }
    }

    /// <summary>Median over repetitions of each (dataset, concurrency, read) cell: one row per cell,
    /// carrying the medians of latency, wall, CPU and the peak memory's median.</summary>
    public static List<Row> Cells(List<Row> rows) => rows
        .GroupBy(r => (r.Objects, r.ValueBytes, r.Concurrency, r.Serializable))
        .Select(g => g.First() with
        {
            Rep = g.Count(),
            LatP50 = Median(g.Select(r => r.LatP50)), LatMax = Median(g.Select(r => r.LatMax)),
            HeadersP50 = Median(g.Select(r => r.HeadersP50)), Wall = Median(g.Select(r => r.Wall)),
            Throughput = Median(g.Select(r => r.Throughput)), EtcdCpu = Median(g.Select(r => r.EtcdCpu)),
            ClientCpu = Median(g.Select(r => r.ClientCpu)), OtherCpu = Median(g.Select(r => r.OtherCpu)),
            AnonPeak = (long)Median(g.Select(r => (double)r.AnonPeak)),
        })
        .ToList();

    public static FitResult Compute(List<Row> rows, int cores)
    {
        var lin = rows.Where(r => !r.Serializable).ToList();
        var cells = Cells(lin);

        // (a, b) etcd CPU per cell = α × bytes ranged + β × ranges.
        var cpuFit = RelativeNonNegative(lin.Select(r => (new[] { r.BytesRanged, (double)r.Concurrency * r.Objects, r.Concurrency }, r.EtcdCpu)).ToList());
        double alpha = cpuFit[0], gamma = cpuFit[1], beta = cpuFit[2];
        double clientAlpha = RelativeNonNegative(lin.Select(r => (new[] { r.BytesRanged }, r.ClientCpu)).ToList())[0];

        // A range alone: latency(1) = L₀ + bytes / R₁, over the datasets' c = 1 cells.
        var single = cells.Where(c => c.Concurrency == 1).ToList();
        var r1Fit = RelativeNonNegative(single.Select(c => (new[] { (double)c.ResponseBytes, 1.0 }, c.LatP50)).ToList());
        double invR1 = r1Fit[0], l0 = r1Fit[1];

        // Processor sharing: latency(c) = latency(1) × max(1, c / n), latency(1) measured per dataset.
        double Lat1(Row c) => single.First(s => s.Objects == c.Objects && s.ValueBytes == c.ValueBytes).LatP50;
        List<(Row, double, double)> Ps(double n) => cells
            .Where(c => single.Any(s => s.Objects == c.Objects && s.ValueBytes == c.ValueBytes))
            .Select(c => { double p = Lat1(c) * Math.Max(1, c.Concurrency / n); return (c, p, p / c.LatP50 - 1); })
            .ToList();
        // n fitted: minimise Σ log²(predicted/measured) over the cells with c > n (a grid over 1.00..4.00)
        double bestN = cores, bestErr = double.MaxValue;
        for (int i = 50; i <= 400; i++)
        {
            double n = i / 100.0;
            double err = Ps(n).Sum(t => Math.Pow(Math.Log(1 + t.Item3), 2));
            if (err < bestErr) { bestErr = err; bestN = n; }
        }

        // (d) memory: peak anon RSS over base ≈ k × c × response bytes, least squares through the origin.
        var mem = lin.Where(r => r.BytesRanged > 0).ToList();
        double k = mem.Sum(r => r.AnonOverBase * r.BytesRanged) / mem.Sum(r => r.BytesRanged * r.BytesRanged);
        var memCells = cells.Select(c => { double p = k * c.BytesRanged; return (c, p, p / Math.Max(1, c.AnonOverBase) - 1); }).ToList();

        var cpuCells = cells.Select(c => { double p = alpha * c.BytesRanged + gamma * c.Concurrency * c.Objects + beta * c.Concurrency; return (c, p, p / c.EtcdCpu - 1); }).ToList();
        var ser = Cells(rows.Where(r => r.Serializable).ToList());
        double speedup = Median(ser.Select(s =>
            cells.FirstOrDefault(c => c.Objects == s.Objects && c.ValueBytes == s.ValueBytes && c.Concurrency == s.Concurrency) is { } l
                ? l.LatP50 / s.LatP50 : double.NaN).Where(x => !double.IsNaN(x)));

        return new FitResult(cores, 1 / alpha, gamma, beta, 1 / invR1, l0, 1 / clientAlpha, bestN, k,
            mem.Min(r => r.AnonOverBase / r.BytesRanged), mem.Max(r => r.AnonOverBase / r.BytesRanged), speedup,
            Ps(cores), Ps(bestN), memCells, cpuCells);
    }

    /// <summary>Markdown summary of the linearizable cells (medians over the repetitions).</summary>
    public static void PrintMarkdown(List<Row> rows, int cores)
    {
        var f = Compute(rows, cores);
        Console.WriteLine("| objects × value | response (MB) | c | reps | latency p50 (s) | PS prediction (s) | headers p50 (s) | MB/s (all ranges) | etcd CPU (s) | client CPU (s) | others' share | peak anon over base (MB) | k |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (c, p, e) in f.PsCores)
            Console.WriteLine($"| {c.Dataset} | {Mb(c.ResponseBytes)} | {c.Concurrency} | {c.Rep} | {S(c.LatP50)} | {S(p)} ({Pct(e)}) | {S(c.HeadersP50)} | {S(c.Throughput / 1e6, "0")} | {S(c.EtcdCpu, "0.00")} | {S(c.ClientCpu, "0.00")} | {S(OtherShare(c, cores) * 100, "0")} % | {S(c.AnonOverBase / 1e6, "0")} | {S(c.AnonOverBase / c.BytesRanged, "0.00")} |");
    }

    static string Mb(double b) => (b / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
    static string S(double v, string fmt = "0.000") => v.ToString(fmt, CultureInfo.InvariantCulture);
    static string Pct(double e) => (e * 100).ToString("+0;-0;0", CultureInfo.InvariantCulture) + " %";

    public static void Print(List<Row> rows, int? cores = null)
    {
        if (rows.Count == 0) { Console.WriteLine("no measured rows"); return; }
        var f = Compute(rows, cores ?? Environment.ProcessorCount);
        Console.WriteLine();
        Console.WriteLine($"(others: median share of the {f.Cores} cores used by other processes during the cell; the machine is shared)");
        Console.WriteLine($"Fitted from {rows.Count} measured repetitions (linearizable unless said), nproc = {f.Cores}:");
        Console.WriteLine($"  etcd CPU = α × response bytes + γ × keys + β per range (relative least squares, coefficients ≥ 0):");
        Console.WriteLine($"    per byte                         1/α = {Mb(f.BytesPerCpuSecond)} MB per CPU-second");
        Console.WriteLine($"    per key                            γ = {S(f.CpuPerKey * 1e6, "0.00")} µs");
        Console.WriteLine($"    fixed per range                    β = {S(f.FixedCpuPerRange * 1e3, "0.00")} ms");
        var sizes = rows.GroupBy(r => r.ValueBytes).OrderBy(g => g.Key).Select(g => (g.Key, g.Average(r => (double)r.ResponseBytes / r.Objects))).ToList();
        foreach (var (v, per) in sizes)
            Console.WriteLine($"  range throughput per core at {v / 1024,2} KB values: {Mb(f.PerCoreThroughput(per))} MB/s ({S(per, "0")} response bytes per object)");
        Console.WriteLine($"  range throughput per core at 10 KB objects (the model's pod): {Mb(f.PerCoreThroughput(10_000))} MB/s");
        Console.WriteLine($"  one range alone, end to end       R₁ = {Mb(f.SingleRangeBytesPerSecond)} MB/s, L₀ = {S(f.SingleRangeFixedSeconds * 1e3, "0.0")} ms");
        Console.WriteLine($"  harness client cost                    {Mb(f.ClientBytesPerCpuSecond)} MB per CPU-second (same cores as etcd)");
        Console.WriteLine($"  processor sharing, fitted cores    n = {S(f.EffectiveCores, "0.00")} (latency(c) = latency(1) × max(1, c/n))");
        Console.WriteLine($"  memory per in-flight range byte    k = {S(f.MemoryFactor, "0.00")} (per repetition {S(f.MemoryFactorMin, "0.00")}–{S(f.MemoryFactorMax, "0.00")})");
        Console.WriteLine($"  serializable speed-up                  {S(f.SerializableSpeedup, "0.00")}× (median latency ratio)");
        void Table(string title, List<(Row Cell, double Predicted, double Error)> t, Func<Row, double> measured, string unit, double scale)
        {
            Console.WriteLine();
            Console.WriteLine(title);
            Console.WriteLine($"  {"dataset",-14} {"c",3} {"measured",10} {"predicted",10} {"error",7} {"others",7}");
            foreach (var (c, p, e) in t)
                Console.WriteLine($"  {c.Dataset,-14} {c.Concurrency,3} {S(measured(c) * scale, "0.000"),10} {S(p * scale, "0.000"),10} {Pct(e),7} {S(OtherShare(c, f.Cores) * 100, "0"),5} %{(Math.Abs(e) > 0.2 ? "  > 20 %" : "")}");
            var quiet = t.Where(x => OtherShare(x.Cell, f.Cores) <= QuietShare).ToList();
            Console.WriteLine($"  within 20 %: {t.Count(x => Math.Abs(x.Error) <= 0.2)} of {t.Count}; median |error| {Pct(Median(t.Select(x => Math.Abs(x.Error))))}; " +
                $"cells where others used ≤ {QuietShare * 100:0} % of the machine: {quiet.Count(x => Math.Abs(x.Error) <= 0.2)} of {quiet.Count} within 20 %");
        }
        Table($"Latency p50 (s), processor sharing with n = nproc = {f.Cores}:", f.PsCores, c => c.LatP50, "s", 1);
        Table($"Latency p50 (s), processor sharing with fitted n = {S(f.EffectiveCores, "0.00")}:", f.PsFitted, c => c.LatP50, "s", 1);
        Table($"etcd CPU-seconds per cell, α × c × response bytes + β × c:", f.Cpu, c => c.EtcdCpu, "s", 1);
        Table($"Peak anon RSS over base (GB), k × c × response bytes with k = {S(f.MemoryFactor, "0.00")}:", f.Memory, c => c.AnonOverBase, "GB", 1e-9);
    }
}
