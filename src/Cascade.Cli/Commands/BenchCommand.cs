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
        return bench;
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
            if (parse.GetValue(CommonOptions.Output) == OutputFormat.Json)
            {
                Console.Out.Write(Json.Serialize(result));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("customers", $"{result.Customers:N0}");
            table.AddRow("servers", $"{result.Servers}");
            table.AddRow("utilization", $"{result.Utilization}");
            table.AddRow("wall time", $"{result.WallSeconds:F3} s");
            table.AddRow("customers/s", $"{result.CustomersPerSecond:N0}");
            table.AddRow("events/s", $"{result.EventsPerSecond:N0}");
            table.AddRow("mean wait (simulated)", $"{result.MeanWait:F4} s");
            table.AddRow("mean wait 95% CI", $"± {result.MeanWaitHalfWidth95:F4} s");
            table.AddRow("mean wait (Erlang C)", $"{result.ErlangCMeanWait:F4} s");
            table.AddRow("relative error", $"{result.RelativeError:P2}");
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
