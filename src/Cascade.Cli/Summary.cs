using Cascade.Results;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>The human summary of a run: one row per cluster.</summary>
public static class Summary
{
    public static void Print(RunResult result)
    {
        var table = new Table().Title($"[bold]{Markup.Escape(result.Scenario)}[/] (seed {result.Seed}, {Progress.Clock(result.DurationSeconds)} simulated)");
        foreach (var c in new[] { "cluster", "nodes", "saturated at", "peak seats", "OOM kills", "issued", "completed", "rejected (429/unavail.)", "timed out", "lease failures" })
            table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var c in result.Clusters)
        {
            var a = c.Apiserver;
            string saturated = a.SaturatedAtSeconds is { } s ? $"[red]{Progress.Clock(s)}[/]" : "[green]never[/]";
            table.AddRow(
                Markup.Escape(c.Name), $"{c.Nodes:N0}", saturated, $"{a.PeakSeatUtilization:P0}", $"{a.Ooms}",
                $"{a.Requests.Issued:N0}", $"{a.Requests.Completed:N0}", $"{a.Requests.Rejected:N0}", $"{a.Requests.TimedOut:N0}",
                c.Kubelets is { } k ? $"{k.LeaseFailures:N0}" : "-");
        }
        AnsiConsole.Write(table);
    }
}
