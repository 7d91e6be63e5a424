using System.CommandLine;
using System.Diagnostics;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Results.Report;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade compare SCENARIO`: the scenario under each mitigation (and the user's variants), as one matrix.</summary>
public static class CompareCommand
{
    public static readonly string[] Columns =
        ["saturated", "1st sat.", "others p99", "1st impact", "peak err", "user-min", "reach", "recovered", "objectives"];

    public static Command Build()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario file (YAML, apiVersion cascade/v1, kind Scenario)" };
        var mitigations = new Option<string?>("--mitigations")
        {
            Description = "Comma-separated mitigations, '+' to combine (priority-level+health-gate), 'all' (the default without --variant: every built-in and useful combinations) or 'none' (the default with --variant). Built-ins: " +
                string.Join(", ", Mitigations.All.Select(m => m.Name)) + "; safeguards = " + Mitigations.Combinations[Mitigations.Safeguards],
        };
        var variant = new Option<string[]>("--variant")
        {
            Description = "Your own row: name:path=value,path=value (--set overrides; repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("compare",
            "Run the scenario under each mitigation, in parallel, and print one matrix: clusters saturated, time to first user impact, " +
            "peak error rate, user-minutes lost, rollout reach, time to recover, objectives")
        {
            scenario, ScenarioOptions.Set, ScenarioOptions.Seed, mitigations, variant, PreflightOptions.Threads, ScenarioOptions.Report, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(scenario)!;
            int threads = PreflightOptions.ThreadsOf(parse);
            bool json = parse.GetValue(CommonOptions.Output) == OutputFormat.Json;
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            var variants = Comparison.Variants(parse.GetValue(mitigations), parse.GetValue(variant) ?? []);
            ScenarioOptions.CheckReport(parse);
            var watch = Stopwatch.StartNew();
            var result = Comparison.Run(path, parse.GetValue(ScenarioOptions.Set) ?? [], parse.GetValue(ScenarioOptions.Seed), variants, threads,
                (done, total) => StatusLine.Show(quiet, StatusLine.Runs(done, total, watch.Elapsed.TotalSeconds)),
                (runs, atOnce) => RunGuard.Admit(parse, path, runs, atOnce));
            StatusLine.Clear();

            if (parse.GetValue(ScenarioOptions.Report) is { } report) HtmlReport.Write(Report(result), report);
            if (json) Console.Out.Write(Json.Serialize(result));
            else Print(result);
            if (!quiet)
            {
                int same = result.Rows.Count(r => r.SameAsBaseline is not null), sameAs = result.Rows.Count(r => r.SameRunAs is not null);
                Console.Error.WriteLine($"{result.Rows.Count(r => r.Outcome is not null) - same - sameAs} runs in {watch.Elapsed.TotalSeconds:F1} s wall on {threads} thread(s)" +
                    (same > 0 ? $"; {same} answered by the baseline's run" : "") + (sameAs > 0 ? $"; {sameAs} by another row's run" : ""));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>A row's cells in <see cref="Columns"/> order, with how each should read (good, bad, neutral).</summary>
    public static (string[] Cells, ReportStatus?[] Statuses) Cells(ComparisonRow row)
    {
        if (row.Outcome is not { } o)
            return (Columns.Select((_, i) => i == 0 ? "n/a" : "").ToArray(), new ReportStatus?[Columns.Length]);
        string T(double? s) => s is { } v ? Clock.Format(v) : "never";
        return (
            [
                $"{o.ClustersSaturated} of {o.Clusters}",
                T(o.FirstSaturationAtSeconds),
                o.Others.WorstP99Seconds is { } p99 ? $"{p99:0.00} s" : "-",
                o.PeakErrorRate is null ? "no products" : T(o.FirstUserImpactAtSeconds),
                o.PeakErrorRate is { } p ? Clock.Percent(p) : "-",
                o.UserMinutesLost is { } m ? $"{m:0.0}" : "-",
                o.RolloutReach is { } r ? Clock.Percent(r) : "no rollout",
                o.TimeToRecoverSeconds is { } t ? Clock.Format(t) : o.Recovered ? "-" : "never",
                o.ObjectivesHold ? "hold" : $"{o.FailedObjectives.Count} fail",
            ],
            [
                o.ClustersSaturated > 0 ? ReportStatus.Bad : ReportStatus.Ok,
                null, o.Others.WorstP99Seconds > 1 ? ReportStatus.Bad : ReportStatus.Ok, null, null, null, null,
                o.Recovered ? null : ReportStatus.Bad,
                o.ObjectivesHold ? ReportStatus.Ok : ReportStatus.Bad,
            ]);
    }

    public static void Print(ComparisonResult result)
    {
        var table = new Table().Title($"[bold]{Markup.Escape(result.Scenario)}[/] (seed {result.Seed}, {Progress.Clock(result.DurationSeconds)} simulated; the change: {Markup.Escape(result.Change)})");
        table.AddColumn("variant");
        foreach (var c in Columns) table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var row in result.Rows)
        {
            var (cells, statuses) = Cells(row);
            var marked = cells.Select((c, i) => statuses[i] switch
            {
                ReportStatus.Bad => $"[red]{Markup.Escape(c)}[/]",
                ReportStatus.Ok => $"[green]{Markup.Escape(c)}[/]",
                _ => Markup.Escape(c),
            });
            table.AddRow([Markup.Escape(row.Variant), .. marked]);
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("others p99: worst p99 of the priority levels the change is not in; 1st impact: first minute over 1% errors;");
        AnsiConsole.WriteLine("recovered: from the first trouble to all healthy again; objectives: failing verdicts (cascade check)");
        var changes = new Table().Title("what each variant changes").AddColumn("variant").AddColumn("changes");
        foreach (var row in result.Rows.Where(r => r.Variant != Variant.BaselineName))
            changes.AddRow(Markup.Escape(row.Variant), Markup.Escape(row.NotApplicable is { } why ? $"n/a: {why}"
                : string.Join("\n", ChangesShown(row))));
        AnsiConsole.Write(changes);
        AnsiConsole.WriteLine();
    }

    /// <summary>What a row changed, and, when its run was the baseline's or another row's, why.</summary>
    private static IReadOnlyList<string> ChangesShown(ComparisonRow row) =>
        row.SameAsBaseline is { } same ? [.. row.Changes, $"= the baseline's run: {same}"]
        : row.SameRunAs is { } other ? [.. row.Changes, $"= {other.Variant}'s run: {other.Why}"]
        : row.Changes;

    private static ReportData Report(ComparisonResult result)
    {
        var rows = result.Rows.Select(r =>
        {
            var (cells, statuses) = Cells(r);
            return new MatrixRow(r.Variant, cells, statuses);
        }).ToList();
        var baseline = result.Rows.FirstOrDefault(r => r.Variant == Variant.BaselineName)?.Outcome;
        var summary = new List<SummaryItem>
        {
            new("variants", $"{result.Rows.Count}"),
            new("the change", result.Change),
            new("objectives hold", $"{result.Rows.Count(r => r.Outcome?.ObjectivesHold == true)} of {result.Rows.Count(r => r.Outcome is not null)} runs"),
        };
        if (baseline is not null)
            summary.Add(new("baseline", baseline.ObjectivesHold ? "objectives hold" : $"{baseline.FailedObjectives.Count} verdicts fail", baseline.ObjectivesHold ? ReportStatus.Ok : ReportStatus.Bad));
        var timeline = result.Rows.Where(r => r.Variant != Variant.BaselineName)
            .SelectMany(r => ChangesShown(r).Select(c => new Results.Report.TimelineEntry(0, "*", "variant", $"{r.Variant}: {c}")))
            .ToList();
        return new ReportData($"cascade compare {result.Scenario}", $"scenario {result.Scenario}, seed {result.Seed}, the change: {result.Change}",
            ReportKind.Compare, $"cascade {typeof(Comparison).Assembly.GetName().Version?.ToString(3)}, seed {result.Seed}",
            summary, timeline, [], Matrix: new ReportMatrix(Columns, rows));
    }
}
