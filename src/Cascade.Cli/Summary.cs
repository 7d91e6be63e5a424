using Cascade.Results;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>The human summary of a run: one row per cluster.</summary>
public static class Summary
{
    public static void Print(RunResult result)
    {
        var table = new Table().Title($"[bold]{Markup.Escape(result.Scenario)}[/] (seed {result.Seed}, {Progress.Clock(result.DurationSeconds)} simulated)");
        foreach (var c in new[] { "cluster", "nodes", "saturated at", "peak seats", "OOM kills (apiserver/etcd)", "issued", "completed", "rejected (429/unavail.)", "timed out", "lease failures" })
            table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var c in result.Clusters)
        {
            var a = c.Apiserver;
            string saturated = a.SaturatedAtSeconds is { } s ? $"[red]{Progress.Clock(s)}[/]" : "[green]never[/]";
            table.AddRow(
                Markup.Escape(c.Name), $"{c.Nodes:N0}", saturated, $"{a.PeakSeatUtilization:P0}", $"{a.Ooms} / {c.Etcd.Ooms}",
                $"{a.Requests.Issued:N0}", $"{a.Requests.Completed:N0}", $"{a.Requests.Rejected:N0}", $"{a.Requests.TimedOut:N0}",
                c.Kubelets is { } k ? $"{k.LeaseFailures:N0}" : "-");
        }
        AnsiConsole.Write(table);
        PrintDataPlane(result);
    }

    /// <summary>A second table when the scenario has products: per cluster and product, when users' errors began, peaked and ended.</summary>
    private static void PrintDataPlane(RunResult result)
    {
        if (result.Products.Count == 0) return;
        var table = new Table().Title("[bold]products[/]");
        foreach (var c in new[] { "cluster", "product", "nodes NotReady (peak)", "pending pods (peak)", "DNS failed at", "errors > 1% at", "peak error rate", "peak at", "recovered at" })
            table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var p in result.Products)
        {
            if (p.Requests <= 0) continue;
            var c = result.Clusters.FirstOrDefault(x => x.Name == p.Cluster);
            table.AddRow(
                Markup.Escape(p.Cluster), Markup.Escape(p.Name),
                c is null ? "-" : $"{c.NodesNotReadyPeak:N0}", c is null ? "-" : $"{c.PendingPodsPeak:N0}",
                Clock(c?.DnsFailureAtSeconds), p.FirstErrorAtSeconds is { } f ? $"[red]{Progress.Clock(f)}[/]" : "[green]never[/]",
                $"{p.PeakErrorRate:P1}", Clock(p.PeakAtSeconds), Clock(p.RecoveredAtSeconds));
        }
        AnsiConsole.Write(table);
    }

    private static string Clock(double? seconds) => seconds is { } s ? Progress.Clock(s) : "-";
}
