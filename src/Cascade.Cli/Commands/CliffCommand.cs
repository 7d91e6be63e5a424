using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cascade.Preflight;
using Cascade.Results;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade cliff SCENARIO --vary PATH=FROM..TO`: where the objectives first fail as a parameter grows.</summary>
public static class CliffCommand
{
    public static Command Build()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario file (YAML, apiVersion cascade/v1, kind Scenario)" };
        var vary = new Option<string>("--vary") { Description = "The parameter and its range, as a --set path: cluster.nodes=50..8000 (integers, decimals or durations)", Required = true };
        var objective = new Option<string?>("--objective") { Description = "Judge only this objective: " + string.Join(", ", ObjectiveJudge.Names) + " (default: all of them)" };
        var duration = new Option<string>("--duration")
        {
            Description = "Simulated time of each run; short by default because bisection makes many runs (use the scenario's own to be exact)",
            DefaultValueFactory = _ => "20m",
        };
        var points = new Option<int>("--points") { Description = "Evenly spaced values run first, in parallel (the curve's backbone)", DefaultValueFactory = _ => 5 };
        var tolerance = new Option<double?>("--tolerance") { Description = "Stop bisecting when the last holding and first failing values are this close (default: 0.5% of the range)" };
        var cmd = new Command("cliff",
            "Find where the objectives first fail as a parameter grows, by bisection over deterministic runs; print the threshold and the curve (margin against value)")
        {
            scenario, vary, objective, duration, points, tolerance, ScenarioOptions.Set, ScenarioOptions.Seed, PreflightOptions.Threads, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            int threads = PreflightOptions.ThreadsOf(parse);
            bool json = parse.GetValue(CommonOptions.Output) == OutputFormat.Json;
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            var watch = Stopwatch.StartNew();
            var varied = parse.GetValue(vary)!;
            string path = parse.GetValue(scenario)!;
            var result = Cliff.Run(path, parse.GetValue(ScenarioOptions.Set) ?? [], parse.GetValue(ScenarioOptions.Seed),
                varied, parse.GetValue(objective), parse.GetValue(duration)!, parse.GetValue(points), parse.GetValue(tolerance), threads,
                p => StatusLine.Show(quiet, $"{ParameterOf(varied)}={p.Text}: {(p.Holds ? "holds" : "fails")} ({watch.Elapsed.TotalSeconds:F0} s)"),
                (runs, atOnce) => RunGuard.Admit(parse, path, runs, atOnce));
            StatusLine.Clear();
            if (json) Console.Out.Write(Json.Serialize(result));
            else Print(result);
            if (!quiet) Console.Error.WriteLine($"{result.Points.Count} runs in {watch.Elapsed.TotalSeconds:F1} s wall");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string ParameterOf(string vary) => vary[..Math.Max(0, vary.LastIndexOf('='))];

    public static string Threshold(CliffResult r) => (r.LastHolding, r.FirstFailing) switch
    {
        (_, null) => $"objectives ({r.Objective}) hold over the whole range {r.From}..{r.To}: no cliff below {r.To}",
        (null, var f) => $"objectives ({r.Objective}) already fail at {r.Parameter}={f}: the cliff is at or below {r.From}",
        (var h, var f) => $"cliff: objectives ({r.Objective}) hold at {r.Parameter}={h} and fail at {r.Parameter}={f}",
    };

    public static void Print(CliffResult result)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.Scenario)}[/] (seed {result.Seed}, {Progress.Clock(result.DurationSeconds)} simulated per run)");
        AnsiConsole.MarkupLine((result.FirstFailing is null ? "[green]" : "[red]") + Markup.Escape(Threshold(result)) + "[/]");
        var table = new Table().AddColumn(new TableColumn(Markup.Escape(result.Parameter)).RightAligned()).AddColumn(new TableColumn("margin").RightAligned())
            .AddColumn("curve").AddColumn("verdict").AddColumn("worst");
        foreach (var p in result.Points)
            table.AddRow(Markup.Escape(p.Text), p.Margin.ToString("0.00", CultureInfo.InvariantCulture), Bar(p.Margin),
                p.Holds ? "[green]holds[/]" : "[red]fails[/]", Markup.Escape(p.Evidence));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine();
    }

    /// <summary>The margin as a bar around zero: right and green inside the limit, left and red past it (clipped at ±1).</summary>
    private static string Bar(double margin)
    {
        const int half = 10;
        int n = (int)Math.Round(Math.Min(Math.Abs(margin), 1) * half);
        return margin >= 0
            ? new string(' ', half) + "|[green]" + new string('█', n) + "[/]" + new string(' ', half - n)
            : new string(' ', half - n) + "[red]" + new string('█', n) + "[/]|" + new string(' ', half);
    }
}
