using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Scenarios;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade sensitivity SCENARIO --vary PATH=LOW..HIGH ...`: what moves which marker (or objective), as a tornado.</summary>
public static class SensitivityCommand
{
    public static readonly Option<string[]> Vary = new("--vary")
    {
        Description = "An input and its plausible range, as a --set path: clusters[0].dns.recordTtl=5m..30m (durations, numbers or quantities, " +
            "read as the field's type; repeatable). Default: the replay's `replay.unknowns`",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Build()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario file (YAML, apiVersion cascade/v1, kind Scenario), or a bundled replay's name" };
        var cmd = new Command("sensitivity",
            "Run the scenario at its baseline, then with each --vary input at its low and its high value (one at a time, in parallel), " +
            "and print a tornado: how far each input moves each replay marker (or each objective's margin), the largest swing first. " +
            "Runs 1 + 2 × inputs simulations: with a full replay, minutes")
        {
            scenario, Vary, ScenarioOptions.Set, ScenarioOptions.Seed, PreflightOptions.Threads, ScenarioOptions.Report, ScenarioOptions.Out, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            string path = Bundled.Resolve(parse.GetValue(scenario)!);
            var overrides = parse.GetValue(ScenarioOptions.Set) ?? [];
            var varied = parse.GetValue(Vary) ?? [];
            var inputs = varied.Length > 0
                ? varied.Select(SensitivityInput.ParseVary).ToList()
                : ScenarioLoader.LoadFile(path, overrides).Replay is { } replay ? SensitivityInput.Of(replay) : [];
            int threads = PreflightOptions.ThreadsOf(parse);
            ScenarioOptions.CheckReport(parse);
            if (parse.GetValue(ScenarioOptions.Out) is { } checkOut) OutputPath.CheckFolder(checkOut, "--out");
            var (result, baseline) = Run(parse, path, inputs, threads);
            if (parse.GetValue(ScenarioOptions.Out) is { } outDir)
            {
                RunCommand.WriteOutputs(outDir, baseline);
                AtomicFile.WriteAllText(Path.Combine(outDir, "sensitivity.json"), Json.Serialize(result));
            }
            if (parse.GetValue(ScenarioOptions.Report) is { } report)
                HtmlReport.Write(Report(result), report);
            if (parse.GetValue(CommonOptions.Output) == OutputFormat.Json) Console.Out.Write(Json.Serialize(result));
            else Print(result);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Runs the analysis with a status line on stderr (how many runs, how many done), shared with `replay --sensitivity`.</summary>
    public static (SensitivityResult Result, RunOutput Baseline) Run(ParseResult parse, string path, IReadOnlyList<SensitivityInput> inputs, int threads)
    {
        bool quiet = parse.GetValue(CommonOptions.Quiet);
        var watch = Stopwatch.StartNew();
        int runs = 1 + 2 * inputs.Count, ran = runs;
        var outcome = Sensitivity.Run(path, parse.GetValue(ScenarioOptions.Set) ?? [], parse.GetValue(ScenarioOptions.Seed), inputs, threads, (done, total) =>
        {
            // Announced once every variant has loaded, so a mistake in one is the only line printed.
            if (done == 0 && !quiet)
                Console.Error.WriteLine($"sensitivity: {total} runs (the baseline, and {inputs.Count} input(s) at low and high" +
                    (total < runs ? $"; {runs - total} end(s) leave the scenario as another run has it" : "") + $"), {Math.Min(threads, total)} at a time");
            ran = total;
            StatusLine.Show(quiet, StatusLine.Runs(done, total, watch.Elapsed.TotalSeconds));
        }, (scenarios, atOnce) => RunGuard.Admit(parse, path, scenarios, atOnce));
        StatusLine.Clear();
        if (!quiet) Console.Error.WriteLine($"{ran} runs in {watch.Elapsed.TotalSeconds:F1} s wall on {threads} thread(s)");
        return outcome;
    }

    /// <summary>A figure as the table shows it: minutes (with the difference from the write-up) or a share of the limit; "never" for a marker that did not happen.</summary>
    public static string Figure(SensitivityResult r, double? value, double? observed)
    {
        if (value is not { } v) return "never";
        if (r.Measure != SensitivityResult.Markers) return Share(v);
        string text = Progress.Minutes(v);
        return observed is { } o ? $"{text} ({Progress.SignedMinutes(Math.Round(v - o, 1))})" : text;
    }

    private static string Share(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>The swing and its Δ, in the unit of the figures: a marker's minutes (<see cref="Progress.Minutes"/>) or a share of a limit.</summary>
    public static string Swing(SensitivityResult r, SensitivityEffect e)
    {
        bool markers = r.Measure == SensitivityResult.Markers;
        string Plain(double v) => markers ? Progress.Minutes(v) : Share(v);
        string Signed(double v) => markers ? Progress.SignedMinutes(v) : (v >= 0 ? "+" : "") + Share(v);
        if (e.Never) return "never ↔ " + Plain(e.Swing);
        return Plain(e.Swing) + (e.Delta is { } d && d != 0 ? $" ({Signed(d)})" : "");
    }

    public static void Print(SensitivityResult r)
    {
        string what = r.Measure == SensitivityResult.Markers ? "markers, minutes (difference from the write-up)" : "share of each objective's limit used (over 1 fails)";
        var t = new Table().Title($"[bold]What moves which {(r.Measure == SensitivityResult.Markers ? "marker" : "objective")}[/]: " +
            $"{Markup.Escape(r.Scenario)} (seed {r.Seed}, {Progress.Clock(r.DurationSeconds)} simulated per run; {what})");
        t.AddColumn(r.Measure == SensitivityResult.Markers ? "marker" : "objective");
        t.AddColumn(new TableColumn("baseline").RightAligned());
        t.AddColumn("input");
        t.AddColumn(new TableColumn("low → high").RightAligned());
        t.AddColumn(new TableColumn("at low").RightAligned());
        t.AddColumn(new TableColumn("at high").RightAligned());
        t.AddColumn(new TableColumn("swing (Δ high − low)").RightAligned());
        foreach (var o in r.Baseline)
        {
            var bars = r.Tornado(o.Objective);
            string name = Markup.Escape(o.Observed is { } obs ? $"{o.Objective} (observed {Progress.Minutes(obs)})" : o.Objective);
            string baseline = Markup.Escape(Figure(r, o.Baseline, o.Observed));
            if (bars.All(b => b.Effect.Swing == 0 && !b.Effect.Never))
            {
                t.AddRow(name, baseline, "[grey]no input moves it[/]", "", "", "", "0");
                continue;
            }
            bool first = true;
            foreach (var (input, e) in bars)
            {
                string swing = Markup.Escape(Swing(r, e));
                t.AddRow(first ? name : "", first ? baseline : "", Markup.Escape(input.Name), Markup.Escape($"{input.Changes[0].Low} → {input.Changes[0].High}"),
                    Markup.Escape(Figure(r, e.AtLow, o.Observed)), Markup.Escape(Figure(r, e.AtHigh, o.Observed)),
                    e.Never ? $"[yellow]{swing}[/]" : e.Swing > 0 ? $"[bold]{swing}[/]" : $"[grey]{swing}[/]");
                first = false;
            }
            t.AddEmptyRow();
        }
        AnsiConsole.Write(t);
        var inputs = new Table().Title("inputs, by largest swing").AddColumn("input").AddColumn("sets (low → high)").AddColumn("why");
        foreach (var i in r.Inputs)
            inputs.AddRow(Markup.Escape(i.Name), Markup.Escape(string.Join("\n", i.Changes.Select(c => $"{c.Path}: {c.Low} → {c.High}"))), Markup.Escape(i.Why));
        AnsiConsole.Write(inputs);
        AnsiConsole.WriteLine("One at a time: every other input at the baseline. swing: max − min of baseline, at low and at high; never ↔: the figure happens in some runs and not in others.");
    }

    /// <summary>The report's tornado charts: one per objective, bars in the table's order.</summary>
    public static IReadOnlyList<Tornado> Tornadoes(SensitivityResult r) =>
        r.Baseline.Select(o => new Tornado(o.Objective, r.Unit, o.Observed, o.Baseline,
            r.Tornado(o.Objective).Select(x => new TornadoBar(x.Input.Name, x.Input.Changes[0].Low, x.Input.Changes[0].High, x.Effect.AtLow, x.Effect.AtHigh)).ToList()))
        .ToList();

    private static ReportData Report(SensitivityResult r)
    {
        var top = r.Inputs.FirstOrDefault();
        var summary = new List<SummaryItem>
        {
            new("inputs", $"{r.Inputs.Count} ({1 + 2 * r.Inputs.Count} runs)"),
            new("measured", r.Measure == SensitivityResult.Markers ? $"{r.Baseline.Count} replay markers (minutes)" : $"{r.Baseline.Count} objective verdicts (share of the limit used)"),
        };
        if (top is not null) summary.Add(new("moves the most", top.Name, top.Never || top.MaxSwing > 0 ? ReportStatus.Warn : null));
        var markers = r.Measure == SensitivityResult.Markers
            ? r.Baseline.Select(o => new MarkerComparison(o.Objective, o.Observed, o.Baseline, o.Baseline is { } b && o.Observed is { } ob ? Math.Round(b - ob, 1) : null)).ToList()
            : null;
        return new ReportData($"cascade sensitivity {r.Scenario}", $"scenario {r.Scenario}, seed {r.Seed}, one input at a time",
            ReportKind.Sensitivity, $"cascade {typeof(Sensitivity).Assembly.GetName().Version?.ToString(3)}, seed {r.Seed}",
            summary, [], [], markers, Tornadoes: Tornadoes(r));
    }
}
