using System.CommandLine;
using System.Globalization;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Cli;

/// <summary>
/// Refuses, before it starts, a run this machine cannot hold or that would run for hours: from the
/// scenario's <see cref="RunEstimate"/>, never from the run itself, so it admits or refuses in
/// milliseconds and an admitted run is the same run as without it. A refusal is one line (exit 2) naming
/// the file, the field that drives the cost, the estimate, and the flag that raises the limit.
/// </summary>
public static class RunGuard
{
    /// <summary>The share of the memory available to the process that runs may use: the rest is for the estimate's error and the GC's slack.</summary>
    public const double MemoryShare = 0.8;

    /// <summary>About 40 minutes on one core at <see cref="RunEstimate.EventsPerWallSecond"/>; the 2024-12-11 replay, the longest bundled run, is 67 million.</summary>
    public const double DefaultMaxEvents = 1e9;

    public static readonly Option<double?> MaxMemory = new("--max-memory")
    {
        Description = "Refuse to start runs estimated to need more memory than this, e.g. 40GiB (default: 80% of the memory available to the process, shared by the runs at once)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            // "40GiB" as people write it, "40Gi" as Kubernetes does.
            var quantity = text.EndsWith("iB", StringComparison.Ordinal) ? text[..^1] : text;
            if (Quantity.TryParse(quantity, out var q) && q.Value > 0) return q.Value;
            r.AddError($"--max-memory: '{text}' is not a memory size: write it like 40GiB or 512MiB");
            return null;
        },
    };

    public static readonly Option<double?> MaxEvents = new("--max-events")
    {
        Description = $"Refuse to start a run estimated to simulate more events than this (default: {DefaultMaxEvents:0e0}, about 40 minutes)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n)) return n;
            r.AddError($"--max-events: '{text}' is not a positive number of events (e.g. 5e9)");
            return null;
        },
    };

    /// <summary>What a run may cost: memory for all the runs at once, events per run.</summary>
    public sealed record Limits(double MemoryBytes, double Events, bool MemoryGiven, bool EventsGiven);

    public static Limits LimitsOf(ParseResult parse)
    {
        var memory = parse.GetValue(MaxMemory);
        var events = parse.GetValue(MaxEvents);
        return new Limits(memory ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * MemoryShare, events ?? DefaultMaxEvents,
            memory is not null, events is not null);
    }

    /// <summary>Admits a single run, saying its estimate when it will take a while, or throws the refusal.</summary>
    public static void Admit(ParseResult parse, string file, Scenario scenario)
    {
        var estimate = RunEstimate.Of(scenario);
        if (Refusal(estimate, 1, LimitsOf(parse), file, parse.GetValue(ScenarioOptions.Set)) is { } refusal) throw refusal;
        Progress.Announce(parse.GetValue(CommonOptions.Quiet), estimate);
    }

    /// <summary>Admits <paramref name="runs"/>, <paramref name="atOnce"/> of them at a time, or throws the refusal of the costliest.</summary>
    public static void Admit(ParseResult parse, string file, IReadOnlyList<Scenario> runs, int atOnce)
    {
        var limits = LimitsOf(parse);
        foreach (var run in runs)
            if (Refusal(RunEstimate.Of(run), atOnce, limits, file, parse.GetValue(ScenarioOptions.Set)) is { } refusal) throw refusal;
    }

    /// <summary>
    /// The decision: null admits the run; else the refusal. Memory first (past it the process dies), then
    /// events (past them it only takes long). <paramref name="atOnce"/> runs share the memory.
    /// </summary>
    public static InputException? Refusal(RunEstimate estimate, int atOnce, Limits limits, string file, IReadOnlyList<string>? overrides = null)
    {
        double memory = RunEstimate.ProcessBytes + (estimate.MemoryBytes - RunEstimate.ProcessBytes) * Math.Max(1, atOnce);
        string runs = atOnce > 1 ? $" ({atOnce} runs at once)" : "";
        string cost = $"estimated {Gib(memory)} of memory{runs}, {estimate.Events:0.#e0} events, about {Wall(estimate.WallSeconds)} on one core";
        if (memory > limits.MemoryBytes)
        {
            string limit = limits.MemoryGiven ? $"the --max-memory {Gib(limits.MemoryBytes)}" : $"the {Gib(limits.MemoryBytes)} this machine can give it";
            string raise = $"lower it, or give --max-memory {Math.Ceiling(memory / Gi)}GiB if the machine has it";
            return Located($"too large to run: {cost}, past {limit}; {raise}", file, estimate.MemoryField, overrides);
        }
        if (estimate.Events > limits.Events)
        {
            string limit = limits.EventsGiven ? "the --max-events limit" : "the default limit";
            return Located($"too long to run: {cost}, past {limit} of {limits.Events:0.#e0} events; " +
                $"lower it, or give --max-events {Math.Ceiling(estimate.Events / 1e9)}e9 to run it anyway", file, estimate.EventsField, overrides);
        }
        return null;
    }

    /// <summary>The refusal at the place the file writes the field that drives the cost; a field a --set gives (or a default) has no line in the file.</summary>
    private static InputException Located(string message, string file, string? field, IReadOnlyList<string>? overrides)
    {
        if (field is null || overrides?.Any(o => o.StartsWith(field + "=", StringComparison.Ordinal) || o.StartsWith(field + ".", StringComparison.Ordinal)) == true)
            return new InputException(message, file, field: field);
        var (line, column) = YamlPathLocator.Locate(file, field);
        return new InputException(message, file, line, column, field);
    }

    private const double Gi = 1024.0 * 1024 * 1024;

    private static string Gib(double bytes) => (bytes / Gi) switch
    {
        < 100 and var g => $"{g:0.0} GiB",
        < 1e7 and var g => $"{g:N0} GiB",
        var g => $"{g:0.#e0} GiB",
    };

    /// <summary>Hours and minutes, or days past a hundred hours.</summary>
    public static string Wall(double seconds) => seconds switch
    {
        < 60 => $"{Math.Ceiling(seconds)} s",
        < 3600 => $"{Math.Ceiling(seconds / 60)} min",
        < 360_000 => $"{Math.Floor(seconds / 3600)} h {Math.Floor(seconds % 3600 / 60)} min",
        < 1e12 => $"{seconds / 86_400:N0} days",
        _ => $"{seconds / 86_400:0.#e0} days",
    };
}
