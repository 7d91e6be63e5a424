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
        return bench;
    }

    private static Command BuildCluster()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes of the cluster", DefaultValueFactory = _ => 5000 };
        var hours = new Option<double>("--hours") { Description = "Simulated hours", DefaultValueFactory = _ => 1 };
        var cmd = new Command("cluster", "Time a list-storm cluster (scenarios/list-storm.yaml) for simulated hours; report events/s and speed-up over real time")
        {
            nodes, hours,
        };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(nodes);
            double h = parse.GetValue(hours);
            if (n < 1) throw new InputException("must be at least 1", field: "--nodes");
            if (!(h > 0)) throw new InputException("must be positive", field: "--hours");
            var path = System.IO.Path.Combine(Bundled.Directory, "list-storm.yaml");
            var scenario = Cascade.Scenarios.ScenarioLoader.LoadFile(path, new[] { $"cluster.nodes={n}", $"duration={h * 3600}s" });
            Cascade.Results.ScenarioRunner.Run(Cascade.Scenarios.ScenarioLoader.LoadFile(path, new[] { "cluster.nodes=50", "duration=10m" }), 1); // JIT warm-up
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var output = Cascade.Results.ScenarioRunner.Run(scenario, 1, threads: 1);
            double wall = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var result = new
            {
                nodes = n,
                simulatedHours = h,
                wallSeconds = wall,
                events = output.Result.Events,
                eventsPerSecond = output.Result.Events / wall,
                speedUp = h * 3600 / wall,
                allocatedBytes = allocated,
                peakWorkingSetBytes = Environment.WorkingSet,
            };
            return Print(parse, result,
                ("cluster", $"{n:N0} nodes, {h:G} h simulated"),
                ("wall time", $"{wall:F2} s"),
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
