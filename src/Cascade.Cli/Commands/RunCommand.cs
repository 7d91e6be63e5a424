using System.CommandLine;
using System.Diagnostics;
using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Scenarios;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>`cascade run SCENARIO`: simulate a scenario and write result.json and timeseries.csv.</summary>
public static class RunCommand
{
    public static Command Build()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario file (YAML, apiVersion cascade/v1, kind Scenario)" };
        var cmd = new Command("run", "Simulate a scenario; write DIR/result.json, DIR/timeseries.csv and DIR/products.csv (and DIR/FILE with --metrics FILE)")
        {
            scenario, ScenarioOptions.Set, ScenarioOptions.Seed, ScenarioOptions.Out, ScenarioOptions.Report, ScenarioOptions.Metrics, ScenarioOptions.MetricsStart, ScenarioOptions.Threads, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(scenario)!;
            var loaded = ScenarioOptions.Load(parse, path);
            bool json = parse.GetValue(CommonOptions.Output) == OutputFormat.Json;
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            int threads = ScenarioOptions.ThreadsOf(parse);
            var outDir = ScenarioOptions.CheckOutputs(parse, loaded.Scenario);
            RunGuard.Admit(parse, path, loaded.Scenario);
            var watch = Stopwatch.StartNew();
            var output = ScenarioRunner.Run(loaded.Scenario, loaded.Seed, loaded.BaseDirectory, Progress.Reporter(quiet, watch), threads);
            Progress.Done(quiet);
            double wall = watch.Elapsed.TotalSeconds;

            WriteOutputs(outDir, output, ScenarioOptions.MetricsOf(parse));
            if (parse.GetValue(ScenarioOptions.Report) is { } report)
                HtmlReport.Write(RunReport.Build(output.Result, output.Samples(), ReportKind.Run, $"cascade run {loaded.Scenario.Metadata.Name}", null, ProductSections(output)), report);

            if (json)
            {
                Console.Out.Write(Json.Serialize(output.Result));
                return ExitCodes.Ok;
            }
            Summary.Print(output.Result);
            if (!quiet)
                Console.Error.WriteLine($"{output.Result.Events:N0} events in {wall:F2} s wall ({output.Result.Events / Math.Max(wall, 1e-9):N0} events/s); wrote {Path.Combine(outDir, "result.json")}, timeseries.csv and products.csv" +
                    (ScenarioOptions.MetricsOf(parse) is { } m ? $" and {m.FileName}" : ""));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>
    /// timeseries.csv, products.csv, the --metrics file if asked for, and result.json, as one set
    /// (<see cref="OutputFolder"/>): result.json last, so that a folder with a result.json holds one run's complete set.
    /// </summary>
    public static void WriteOutputs(string outDir, RunOutput output, MetricsOutput? metrics = null)
    {
        var clusters = output.Samples();
        var files = new List<OutputFile>
        {
            OutputFile.Text("timeseries.csv", TimeSeriesCsv.Write(clusters)),
            OutputFile.Text("products.csv", ProductSeries.WriteCsv(clusters)),
        };
        if (metrics is not null)
        {
            files.Add(new OutputFile(metrics.FileName, w => OpenMetrics.Write(w, clusters, metrics.StartUnixSeconds)));
        }
        files.Add(OutputFile.Text("result.json", Json.Serialize(output.Result)));
        OutputFolder.Write(outDir, files);
    }

    /// <summary>Report sections for products (error rates over all their clusters) and each cluster's nodes and DNS.</summary>
    public static IReadOnlyList<ReportSection>? ProductSections(RunOutput output) => DataPlaneReport.Sections(output);
}
