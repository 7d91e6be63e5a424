using System.CommandLine;
using System.Diagnostics;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Scenarios;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>The document `cascade check -o json` prints.</summary>
public sealed record CheckResult(string Scenario, ulong Seed, double DurationSeconds, bool Passed, IReadOnlyList<Verdict> Verdicts);

/// <summary>`cascade check SCENARIO`: run it, judge the scenario's objectives, exit 0 when all hold and 1 when any fails.</summary>
public static class CheckCommand
{
    public static Command Build()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario file (YAML, apiVersion cascade/v1, kind Scenario)" };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report (one test case per objective per cluster or product) for CI" };
        var cmd = new Command("check",
            "Run a scenario and judge its objectives (no API server saturates, error budget, rollout reach, recovery time); " +
            "exit 0 when all hold, 1 when any fails, 2 on bad input")
        {
            scenario, ScenarioOptions.Set, ScenarioOptions.Seed, junit, ScenarioOptions.Report, PreflightOptions.Threads, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(scenario)!;
            var loaded = ScenarioOptions.Load(parse, path);
            int threads = PreflightOptions.ThreadsOf(parse);
            bool json = parse.GetValue(CommonOptions.Output) == OutputFormat.Json;
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            ScenarioOptions.CheckReport(parse);
            if (parse.GetValue(junit) is { } junitFile) OutputPath.CheckFile(junitFile, "--junit");
            RunGuard.Admit(parse, path, loaded.Scenario);
            var watch = Stopwatch.StartNew();
            var output = ScenarioRunner.Run(loaded.Scenario, loaded.Seed, loaded.BaseDirectory, Progress.Reporter(quiet, watch), threads);
            Progress.Done(quiet);
            var verdicts = ObjectiveJudge.Judge(loaded.Scenario.Objectives, output.Result);
            var check = new CheckResult(output.Result.Scenario, output.Result.Seed, output.Result.DurationSeconds, verdicts.All(v => !v.Failed), verdicts);

            if (parse.GetValue(junit) is { } junitPath) JUnitReport.Write(junitPath, check.Scenario, verdicts);
            if (parse.GetValue(ScenarioOptions.Report) is { } report)
                HtmlReport.Write(Report(output, check), report);

            if (json) Console.Out.Write(Json.Serialize(check));
            else Print(check);
            if (!quiet)
                Console.Error.WriteLine($"{verdicts.Count(v => !v.Failed)} of {verdicts.Count} verdicts hold; {watch.Elapsed.TotalSeconds:F2} s wall");
            return check.Passed ? ExitCodes.Ok : ExitCodes.ObjectiveFailed;
        });
        return cmd;
    }

    public static void Print(CheckResult check)
    {
        var table = new Table().Title($"[bold]{Markup.Escape(check.Scenario)}[/] (seed {check.Seed}, {Progress.Clock(check.DurationSeconds)} simulated): " +
            (check.Passed ? "[green]all objectives hold[/]" : "[red]objectives fail[/]"));
        table.AddColumn("objective").AddColumn("subject").AddColumn("verdict").AddColumn("evidence");
        foreach (var v in check.Verdicts)
            table.AddRow(Markup.Escape(v.Objective), Markup.Escape(v.Subject), v.Failed ? "[red]FAIL[/]" : "[green]pass[/]", Markup.Escape(v.Evidence));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine();
    }

    private static ReportData Report(RunOutput output, CheckResult check)
    {
        var data = RunReport.Build(output.Result, output.Samples(), ReportKind.Check, $"cascade check {check.Scenario}");
        int failed = check.Verdicts.Count(v => v.Failed);
        var summary = new List<SummaryItem>
        {
            new("verdict", check.Passed ? "all objectives hold" : $"{failed} of {check.Verdicts.Count} fail", check.Passed ? ReportStatus.Ok : ReportStatus.Bad),
        };
        summary.AddRange(check.Verdicts.Where(v => v.Failed).Select(v => new SummaryItem($"{v.Objective} [{v.Subject}]", v.Evidence, ReportStatus.Bad)));
        summary.AddRange(data.Summary);
        var matrix = new ReportMatrix(["verdict", "evidence", "margin"],
            check.Verdicts.Select(v => new MatrixRow($"{v.Objective} [{v.Subject}]",
                [v.Failed ? "FAIL" : "pass", v.Evidence, $"{v.Margin:0.00}"],
                [v.Failed ? ReportStatus.Bad : ReportStatus.Ok, null, null])).ToList());
        return data with { Summary = summary, Matrix = matrix };
    }
}
