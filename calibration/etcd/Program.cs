using System.Globalization;
using Cascade.Calibration.Etcd;

// Modes:
//   run   --etcd-pid PID [--endpoint URL] [--out CSV] [--quick] [--objects a,b] [--values a,b] [--concurrency a,b]
//   fit   [--csv CSV]              prints the model parameters fitted from the CSV
//   chart [--csv CSV] [--svg SVG]  writes the chart
// calibration/etcd/run.sh starts etcd on loopback and calls "run".
var argList = args.ToList();
string mode = argList.Count > 0 && !argList[0].StartsWith('-') ? argList[0] : "run";
if (argList.Contains("--fit")) mode = "fit";
if (argList.Contains("--chart")) mode = "chart";
bool quick = argList.Contains("--quick");

string? Opt(string name)
{
    int i = argList.IndexOf(name);
    return i >= 0 && i + 1 < argList.Count ? argList[i + 1] : null;
}
int[] Ints(string name, int[] dflt) =>
    Opt(name) is { } s ? s.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray() : dflt;

string csv = Opt("--csv") ?? Opt("--out") ?? (quick ? Path.Combine(Path.GetTempPath(), "etcd-ranges-quick.csv") : "calibration/etcd/etcd-ranges.csv");

switch (mode)
{
    case "run":
    {
        var pid = Opt("--etcd-pid") ?? Environment.GetEnvironmentVariable("ETCD_PID");
        if (pid is null) { Console.Error.WriteLine("--etcd-pid is required (calibration/etcd/run.sh passes it)"); return 2; }
        var d = new RunOptions();
        var o = d with
        {
            Endpoint = Opt("--endpoint") ?? d.Endpoint,
            EtcdPid = int.Parse(pid, CultureInfo.InvariantCulture),
            OutCsv = csv,
            Quick = quick,
            MachineFile = quick ? null : Opt("--machine") ?? d.MachineFile,
            Objects = Ints("--objects", quick ? [10000] : d.Objects),
            ValueBytes = Ints("--values", quick ? [2048] : d.ValueBytes),
            Concurrency = Ints("--concurrency", quick ? [1, 4] : d.Concurrency),
            SerializableAt = Ints("--serializable-at", quick ? [] : d.SerializableAt),
            RepsLow = quick ? 5 : d.RepsLow,
            RepsHigh = quick ? 5 : d.RepsHigh,
            Flush = !quick,
            Retries = quick ? 0 : Opt("--retries") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : d.Retries,
            Append = argList.Contains("--append"),
            Phase = argList.Contains("--load-only") ? RunPhase.Load : argList.Contains("--measure-only") ? RunPhase.Measure : RunPhase.All,
        };
        int rc = await new Runner(o).RunAsync();
        if (rc == 0 && o.Phase != RunPhase.Load && !o.Append) Fit.Print(Fit.Load(csv), Fit.Cores(csv));
        return rc;
    }
    case "fit":
        Fit.Print(Fit.Load(csv), Fit.Cores(csv));
        return 0;
    case "table":
        Fit.PrintMarkdown(Fit.Load(csv), Fit.Cores(csv));
        return 0;
    case "chart":
        Chart.Write(Fit.Load(csv), Opt("--svg") ?? "docs/img/etcd-calibration.svg", Fit.Cores(csv));
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
