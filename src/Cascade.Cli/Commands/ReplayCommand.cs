using System.CommandLine;
using System.Diagnostics;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Scenarios;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade replay NAME`: run a bundled incident replay and set its timeline beside the write-up's.</summary>
public static class ReplayCommand
{
    public static Command Build()
    {
        var name = new Argument<string?>("name") { Description = "Bundled replay (see --list), or a scenario file with a replay section", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list") { Description = "List the bundled replays" };
        var sensitivity = new Option<bool>("--sensitivity")
        {
            Description = "Also run the replay with each of its declared unknowns (replay.unknowns) at its low and its high value, in parallel, " +
                "and print which moves which marker (a tornado); 1 + 2 × unknowns runs: with a full replay, several minutes",
        };
        var cmd = new Command("replay", "Replay a real incident and compare its timeline with the write-up's")
        {
            name, list, sensitivity, ScenarioOptions.Set, ScenarioOptions.Seed, ScenarioOptions.Out, ScenarioOptions.Report,
            ScenarioOptions.Metrics, ScenarioOptions.MetricsStart, ScenarioOptions.Threads,
            RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            bool json = parse.GetValue(CommonOptions.Output) == OutputFormat.Json;
            if (parse.GetValue(list) || parse.GetValue(name) is null)
            {
                var replays = Bundled.Replays();
                if (json)
                {
                    Console.Out.Write(Json.Serialize(replays.Select(r => new { r.Name, r.Description, r.Source })));
                    return ExitCodes.Ok;
                }
                var t = new Table().AddColumn("replay").AddColumn("what happened").AddColumn("source");
                foreach (var r in replays) t.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Description), Markup.Escape(r.Source));
                AnsiConsole.Write(t);
                if (parse.GetValue(name) is null && !parse.GetValue(list))
                    Console.Error.WriteLine("usage: cascade replay NAME (one of the above)");
                return ExitCodes.Ok;
            }

            string path = Bundled.Resolve(parse.GetValue(name)!);
            var loaded = ScenarioOptions.Load(parse, path);
            if (loaded.Scenario.Replay is null)
                throw new InputException("this scenario has no replay section (markers to compare with)", path, field: "replay");
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            var outDir = ScenarioOptions.CheckOutputs(parse, loaded.Scenario);
            var watch = Stopwatch.StartNew();
            RunOutput output;
            SensitivityResult? tornado = null;
            if (parse.GetValue(sensitivity))
            {
                var unknowns = SensitivityInput.Of(loaded.Scenario.Replay);
                if (unknowns.Count == 0)
                    throw new InputException("this replay declares no unknowns to vary (add `unknowns:` under `replay:`)", path, field: "replay.unknowns");
                (tornado, output) = SensitivityCommand.Run(parse, path, unknowns, ScenarioOptions.ThreadsOf(parse));
            }
            else
            {
                RunGuard.Admit(parse, path, loaded.Scenario);
                output = ScenarioRunner.Run(loaded.Scenario, loaded.Seed, loaded.BaseDirectory, Progress.Reporter(quiet, watch), ScenarioOptions.ThreadsOf(parse));
                Progress.Done(quiet);
            }
            double wall = watch.Elapsed.TotalSeconds;
            var result = output.Result;
            result.Markers = ReplayMarkers.Compute(loaded.Scenario.Replay, result, output.Traffic);

            var metrics = ScenarioOptions.MetricsOf(parse);
            RunCommand.WriteOutputs(outDir, output, metrics);
            if (tornado is not null) AtomicFile.WriteAllText(Path.Combine(outDir, "sensitivity.json"), Json.Serialize(tornado));
            if (parse.GetValue(ScenarioOptions.Report) is { } report)
            {
                var markers = result.Markers.Select(m => new MarkerComparison(m.Name, m.ObservedMinutes, m.SimulatedMinutes, m.DifferenceMinutes)).ToList();
                var data = RunReport.Build(result, output.Samples(), ReportKind.Replay,
                    $"Replay: {loaded.Scenario.Metadata.Name}", markers, RunCommand.ProductSections(output));
                HtmlReport.Write(tornado is null ? data : data with { Tornadoes = SensitivityCommand.Tornadoes(tornado) }, report);
            }
            if (json)
            {
                Console.Out.Write(tornado is null ? Json.Serialize(result) : Json.Serialize(tornado));
                return ExitCodes.Ok;
            }
            PrintMarkers(loaded.Scenario.Replay.Origin, loaded.Scenario.Replay.Source, result);
            if (tornado is not null)
            {
                SensitivityCommand.Print(tornado);
                if (!quiet) Console.Error.WriteLine($"wrote {outDir}/result.json, timeseries.csv (the baseline) and sensitivity.json" +
                    (parse.GetValue(ScenarioOptions.Report) is { } r1 ? $" and {r1}" : ""));
                return ExitCodes.Ok;
            }
            PrintTimeline(result);
            Summary.Print(result);
            if (!quiet)
                Console.Error.WriteLine($"{result.Events:N0} events in {wall:F1} s wall; wrote {outDir}/result.json, timeseries.csv" +
                    (metrics is not null ? $", {metrics.FileName}" : "") +
                    (parse.GetValue(ScenarioOptions.Report) is { } r2 ? $" and {r2}" : ""));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void PrintMarkers(string origin, string source, RunResult result)
    {
        var t = new Table().Title($"[bold]Timeline against the write-up[/] (minutes after {Markup.Escape(origin)})");
        t.AddColumn("marker");
        t.AddColumn(new TableColumn("observed").RightAligned());
        t.AddColumn(new TableColumn("simulated").RightAligned());
        t.AddColumn(new TableColumn("difference").RightAligned());
        foreach (var m in result.Markers!)
        {
            string diff = m.DifferenceMinutes is { } d ? Progress.SignedMinutes(d) : "-";
            string style = m.DifferenceMinutes is { } dd && Math.Abs(dd) <= 15 ? "green" : "yellow";
            t.AddRow(Markup.Escape(m.Name), Progress.Minutes(m.ObservedMinutes),
                m.SimulatedMinutes is { } s ? Progress.Minutes(s) : "[grey]never[/]", $"[{style}]{diff}[/]");
        }
        t.Caption($"source: {Markup.Escape(source)}");
        AnsiConsole.Write(t);
    }

    private static void PrintTimeline(RunResult result)
    {
        var t = new Table().Title("[bold]What the simulation did[/]").AddColumn(new TableColumn("min").RightAligned()).AddColumn("cluster").AddColumn("what");
        foreach (var e in Highlights(result)) t.AddRow($"{e.Time / 60:F1}", Markup.Escape(e.Cluster), Markup.Escape(e.Message));
        AnsiConsole.Write(t);
    }

    /// <summary>The lines worth reading: rollout, gates, alerts, actions, and each cluster's first of every other kind.</summary>
    public static IEnumerable<Cascade.Engine.TimelineEntry> Highlights(RunResult result)
    {
        var firsts = new HashSet<(string, string)>();
        foreach (var e in result.Timeline)
        {
            bool always = e.Kind is "rollout" or "gate" or "alert" or "action";
            if (always || firsts.Add((e.Cluster, e.Kind))) yield return e;
        }
    }
}
