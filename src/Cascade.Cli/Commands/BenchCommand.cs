using System.CommandLine;
using Cascade.Engine;
using Cascade.Results;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade bench ...`: quick measurements of the simulator's own speed.</summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var bench = new Command("bench", "Measure the simulator's speed");
        bench.Add(BuildKernel());
        bench.Add(BuildCluster());
        bench.Add(BuildReplay());
        bench.Add(BuildCompare());
        return bench;
    }

    // The budgets of docs/model.md's performance table: the replay in 10 s on this 2-core machine within 1 GiB,
    // `compare` on the replay in 60 s.
    private const double ReplayBudgetSeconds = 10, CompareBudgetSeconds = 60;
    private const long ReplayBudgetBytes = 1L << 30;
    private const string ReplayName = "openai-2024-12-11";

    private static Option<int> RunsOption(int runs) =>
        new("--runs") { Description = "Runs to time, one after another in this process (min and median reported)", DefaultValueFactory = _ => runs };

    /// <summary>The runs, threads, the bundled replay's file and the --set overrides, checked.</summary>
    private static (int Runs, int Threads, string Path, string[] Sets) ReplaySetup(ParseResult parse, Option<int> runs)
    {
        int n = parse.GetValue(runs);
        if (n < 1) throw new InputException("must be at least 1", field: "--runs");
        return (n, ScenarioOptions.ThreadsOf(parse), Bundled.Resolve(ReplayName), parse.GetValue(ScenarioOptions.Set) ?? []);
    }

    private static Command BuildReplay()
    {
        var runs = RunsOption(3);
        var cmd = new Command("replay", $"Time the replay of 2024-12-11 ({ReplayName}) as `cascade replay` simulates it, --runs times: wall and CPU time (min, median), events, peak memory, against the budget (10 s, 1 GiB)")
        {
            runs, ScenarioOptions.Threads, ScenarioOptions.Set,
        };
        cmd.SetAction(parse =>
        {
            var (n, threads, path, sets) = ReplaySetup(parse, runs);
            var scenario = Cascade.Scenarios.ScenarioLoader.LoadFile(path, sets);
            long events = 0;
            var timed = Time(n, () =>
            {
                var output = ScenarioRunner.Run(Cascade.Scenarios.ScenarioLoader.LoadFile(path, sets), (ulong)scenario.Seed,
                    System.IO.Path.GetDirectoryName(path), threads: threads);
                events = output.Result.Events;
                return Json.Serialize(output.Result);
            });
            var result = new
            {
                scenario = ReplayName,
                simulatedHours = scenario.Duration.Seconds / 3600,
                threads,
                runs = n,
                timed.WallSeconds,
                timed.WallSecondsMin,
                timed.WallSecondsMedian,
                timed.CpuSeconds,
                events,
                timed.PeakWorkingSetBytes,
                timed.Identical,
                budgetWallSeconds = ReplayBudgetSeconds,
                budgetBytes = ReplayBudgetBytes,
                // Only the replay as bundled is held to the budget: --set times something else.
                withinBudget = sets.Length > 0 ? (bool?)null : timed.WallSecondsMin <= ReplayBudgetSeconds && timed.PeakWorkingSetBytes <= ReplayBudgetBytes,
            };
            return Print(parse, result,
                ("replay", $"{ReplayName}, {Progress.Clock(scenario.Duration.Seconds)} simulated, {threads} thread(s)"),
                ("wall time (min / median)", $"{timed.WallSecondsMin:F2} / {timed.WallSecondsMedian:F2} s (budget {ReplayBudgetSeconds:G} s)"),
                ("each run", string.Join(", ", timed.WallSeconds.Select(w => $"{w:F2} s"))),
                ("CPU time", string.Join(", ", timed.CpuSeconds.Select(c => $"{c:F1} s"))),
                ("events", $"{events:N0}"),
                ("peak memory", $"{timed.PeakWorkingSetBytes / (double)(1 << 30):F2} GiB (budget {ReplayBudgetBytes / (double)(1 << 30):G} GiB)"),
                ("runs identical", timed.Identical ? "yes" : "NO"),
                ("within budget", Verdict(result.withinBudget)));
        });
        return cmd;
    }

    private static Command BuildCompare()
    {
        var runs = RunsOption(1);
        var mitigations = new Option<string?>("--mitigations") { Description = "The rows, as `cascade compare --mitigations` takes them (default: all)" };
        var cmd = new Command("compare", $"Time `cascade compare` on the replay of 2024-12-11 ({ReplayName}), --runs times: wall and CPU time (min, median), runs made, peak memory, against the budget (60 s)")
        {
            runs, mitigations, ScenarioOptions.Threads, ScenarioOptions.Set,
        };
        cmd.SetAction(parse =>
        {
            var (n, threads, path, sets) = ReplaySetup(parse, runs);
            var variants = Cascade.Preflight.Comparison.Variants(parse.GetValue(mitigations), []);
            int rows = 0, made = 0;
            var byEvents = new List<(string Variant, long Events)>();
            var timed = Time(n, () =>
            {
                var result = Cascade.Preflight.Comparison.Run(path, sets, null, variants, threads);
                rows = result.Rows.Count;
                var runsMade = result.Rows.Where(r => r.Events is not null && r.SameAsBaseline is null && r.SameRunAs is null).ToList();
                made = runsMade.Count;
                byEvents = runsMade.Select(r => (r.Variant, r.Events!.Value)).OrderByDescending(r => r.Item2).ToList();
                return Json.Serialize(result);
            });
            var outcome = new
            {
                scenario = ReplayName,
                threads,
                runs = n,
                rows,
                runsMade = made,
                timed.WallSeconds,
                timed.WallSecondsMin,
                timed.WallSecondsMedian,
                timed.CpuSeconds,
                timed.PeakWorkingSetBytes,
                timed.Identical,
                // What each run made simulated, dearest first: where compare's time goes.
                runsByEvents = byEvents.Select(r => new { variant = r.Variant, events = r.Events }).ToList(),
                budgetWallSeconds = CompareBudgetSeconds,
                withinBudget = sets.Length > 0 || parse.GetValue(mitigations) is not null ? (bool?)null : timed.WallSecondsMin <= CompareBudgetSeconds,
            };
            return Print(parse, outcome,
                ("compare", $"{ReplayName}: {rows} rows, {made} runs made, {threads} thread(s)"),
                ("wall time (min / median)", $"{timed.WallSecondsMin:F1} / {timed.WallSecondsMedian:F1} s (budget {CompareBudgetSeconds:G} s)"),
                ("each time", string.Join(", ", timed.WallSeconds.Select(w => $"{w:F1} s"))),
                ("CPU time", string.Join(", ", timed.CpuSeconds.Select(c => $"{c:F0} s"))),
                ("peak memory", $"{timed.PeakWorkingSetBytes / (double)(1 << 30):F2} GiB"),
                ("times identical", timed.Identical ? "yes" : "NO"),
                ("runs by events", string.Join(", ", byEvents.Select(r => $"{r.Variant} {r.Events / 1e6:F1}M"))),
                ("within budget", Verdict(outcome.withinBudget)));
        });
        return cmd;
    }

    private static string Verdict(bool? within) => within switch { true => "yes", false => "no", null => "n/a: --set or --mitigations changes what is timed" };

    /// <summary>
    /// Wall and CPU seconds of each of <paramref name="runs"/> calls, the process's peak working set by the end of the
    /// first (a one-run process's peak, as `/usr/bin/time` reports it: later runs add to a heap the first one grew), and
    /// whether every call's output was the same.
    /// </summary>
    private sealed record Timing(double[] WallSeconds, double WallSecondsMin, double WallSecondsMedian, double[] CpuSeconds, long PeakWorkingSetBytes, bool Identical);

    private static Timing Time(int runs, Func<string> run)
    {
        var wall = new double[runs];
        var cpu = new double[runs];
        string? first = null;
        bool identical = true;
        long peak = 0;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            string output = run();
            wall[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            identical &= (first ??= output) == output;
            if (i == 0) peak = process.PeakWorkingSet64;
        }
        var sorted = wall.Order().ToArray();
        double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        return new Timing(wall, sorted[0], median, cpu, peak, identical);
    }

    private const int WarmUpRuns = 3;

    private static Command BuildCluster()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes of the cluster", DefaultValueFactory = _ => 5000 };
        var hours = new Option<double>("--hours") { Description = "Simulated hours", DefaultValueFactory = _ => 1 };
        var runs = RunsOption(3); // the budget's figure is the min / median of three (docs/model.md, performance)
        var cmd = new Command("cluster", "Time a list-storm cluster (scenarios/list-storm.yaml) for simulated hours, --runs times, after three warm-up runs of up to ten simulated minutes on it (as BenchmarkDotNet warms up); report the fastest run's wall time (and the median), events/s and speed-up over real time")
        {
            nodes, hours, runs,
        };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(nodes);
            double h = parse.GetValue(hours);
            int timedRuns = parse.GetValue(runs);
            if (n < 1) throw new InputException("must be at least 1", field: "--nodes");
            if (timedRuns < 1) throw new InputException("must be at least 1", field: "--runs");
            // In whole microseconds, the simulator's resolution: hours × 3600 in floating point is rarely a whole number of them.
            long ticks = SimTime.FromSeconds(h * 3600);
            if (!(h > 0) || ticks <= 0) throw new InputException("must be positive (at least a microsecond)", field: "--hours");
            var path = System.IO.Path.Combine(Bundled.Directory, "list-storm.yaml");
            var scenario = Cascade.Scenarios.ScenarioLoader.LoadFile(path, new[] { $"cluster.nodes={n}", $"duration={ticks}us" });
            // Warm-up, as BenchmarkDotNet's: the same cluster for up to ten simulated minutes (no longer than the timed
            // run), three times, so that the timed run finds its hot paths compiled by the JIT's last tier rather than
            // compiling them as it goes. A fresh process running the same hour pays that compilation too.
            long warmUpTicks = Math.Min(SimTime.FromSeconds(600), ticks);
            double warmUpSeconds = SimTime.ToSeconds(warmUpTicks);
            var warmUp = Cascade.Scenarios.ScenarioLoader.LoadFile(path, new[] { $"cluster.nodes={n}", $"duration={warmUpTicks}us" });
            for (int w = 0; w < WarmUpRuns; w++) Cascade.Results.ScenarioRunner.Run(warmUp, 1, threads: 1);
            long events = 0, allocated = 0;
            var timed = Time(timedRuns, () =>
            {
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var output = Cascade.Results.ScenarioRunner.Run(scenario, 1, threads: 1);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                events = output.Result.Events;
                return Json.Serialize(output.Result);
            });
            double wall = timed.WallSecondsMin;
            var result = new
            {
                nodes = n,
                simulatedHours = h,
                runs = timedRuns,
                wallSeconds = wall,
                wallSecondsMedian = timed.WallSecondsMedian,
                wallSecondsEach = timed.WallSeconds,
                timed.Identical,
                events,
                eventsPerSecond = events / wall,
                speedUp = h * 3600 / wall,
                allocatedBytes = allocated,   // of the last timed run
                peakWorkingSetBytes = Environment.WorkingSet,
                warmUpRuns = WarmUpRuns,
                warmUpSimulatedSeconds = warmUpSeconds,
            };
            return Print(parse, result,
                ("cluster", $"{n:N0} nodes, {h:G} h simulated"),
                ("wall time", timedRuns == 1
                    ? $"{wall:F2} s, after {WarmUpRuns} warm-up runs of {warmUpSeconds:G} simulated s"
                    : $"{wall:F2} / {timed.WallSecondsMedian:F2} s (min / median of {timedRuns}: {string.Join(", ", timed.WallSeconds.Select(w => $"{w:F2}"))}), after {WarmUpRuns} warm-up runs of {warmUpSeconds:G} simulated s"),
                ("events", $"{result.events:N0}"),
                ("events/s", $"{result.eventsPerSecond:N0}"),
                ("faster than real time", $"{result.speedUp:N0}×"),
                ("allocated", $"{allocated / 1e6:N0} MB"));
        });
        return cmd;
    }

    private static Command BuildKernel()
    {
        var customers = new Option<long>("--customers") { Description = "Customers to simulate", DefaultValueFactory = _ => 1_000_000 };
        var servers = new Option<int>("--servers") { Description = "Servers (c of M/M/c)", DefaultValueFactory = _ => 4 };
        var utilization = new Option<double>("--utilization") { Description = "Utilization rho, in (0, 1)", DefaultValueFactory = _ => 0.9 };
        var seed = new Option<ulong>("--seed") { Description = "Run seed", DefaultValueFactory = _ => 1 };
        var cmd = new Command("kernel", "Run an M/M/c queue on the event kernel; report speed and the mean wait against Erlang C")
        {
            customers, servers, utilization, seed,
        };
        cmd.SetAction(parse =>
        {
            long n = parse.GetValue(customers);
            int c = parse.GetValue(servers);
            double rho = parse.GetValue(utilization);
            if (n < 1) throw new InputException("must be at least 1", field: "--customers");
            if (c < 1) throw new InputException("must be at least 1", field: "--servers");
            if (!(rho > 0 && rho < 1)) throw new InputException("must be in (0, 1) for a stable queue", field: "--utilization");
            var result = KernelBenchmark.Run(n, c, rho, parse.GetValue(seed));
            return Print(parse, result,
                ("customers", $"{result.Customers:N0}"),
                ("servers", $"{result.Servers}"),
                ("utilization", $"{result.Utilization}"),
                ("wall time", $"{result.WallSeconds:F3} s"),
                ("customers/s", $"{result.CustomersPerSecond:N0}"),
                ("events/s", $"{result.EventsPerSecond:N0}"),
                ("mean wait (simulated)", $"{result.MeanWait:F4} s"),
                ("mean wait 95% CI", $"± {result.MeanWaitHalfWidth95:F4} s"),
                ("mean wait (Erlang C)", $"{result.ErlangCMeanWait:F4} s"),
                ("relative error", $"{result.RelativeError:P2}"));
        });
        return cmd;
    }

    /// <summary>The measurement as one JSON object with `-o json`, else as a two-column table.</summary>
    private static int Print<T>(ParseResult parse, T result, params (string Measure, string Value)[] rows)
    {
        if (parse.GetValue(CommonOptions.Output) == OutputFormat.Json)
        {
            Console.Out.Write(Json.Serialize(result));
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (measure, value) in rows) table.AddRow(measure, value);
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}
