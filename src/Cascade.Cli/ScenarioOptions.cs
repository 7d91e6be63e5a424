using System.CommandLine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Cli;

/// <summary>Options shared by the verbs that take a scenario.</summary>
public static class ScenarioOptions
{
    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override a scenario field, Helm style: --set cluster.nodes=5000 (repeatable; dotted paths, list indices)",
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<ulong?> Seed = new("--seed")
    {
        Description = "Run seed (default: the scenario's)",
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            if (ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seed)) return seed;
            r.AddError($"--seed: '{text}' is not a seed: write a whole number from 0 to {ulong.MaxValue}");
            return null;
        },
    };

    public static readonly Option<string?> Out = new("--out") { Description = "Directory for result.json and timeseries.csv (default: out/<scenario name>)" };

    public static readonly Option<string?> Report = new("--report") { Description = "Also write a self-contained HTML report to this file" };

    public static readonly Option<int> Threads = new("--threads")
    {
        Description = "Threads to run clusters on (default: all cores; results are identical whatever the count)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static int ThreadsOf(ParseResult parse)
    {
        int t = parse.GetValue(Threads);
        if (t < 1) throw new InputException("must be at least 1", field: "--threads");
        return t;
    }

    /// <summary>
    /// The output folder (--out, else out/&lt;metadata.name&gt;), checked with --report before the run starts, so
    /// that a path that cannot be written fails at once rather than after the run or half-way through its files.
    /// </summary>
    public static string CheckOutputs(ParseResult parse, Scenario scenario)
    {
        var outDir = parse.GetValue(Out) ?? Path.Combine("out", scenario.Metadata.Name);
        OutputPath.CheckFolder(outDir, "--out");
        CheckReport(parse);
        return outDir;
    }

    /// <summary>--report, when given, checked before the run starts.</summary>
    public static void CheckReport(ParseResult parse)
    {
        if (parse.GetValue(Report) is { } report) OutputPath.CheckFile(report, "--report");
    }

    public sealed record Loaded(Scenario Scenario, ulong Seed, string BaseDirectory);

    public static Loaded Load(ParseResult parse, string path)
    {
        var overrides = parse.GetValue(Set) ?? Array.Empty<string>();
        var scenario = ScenarioLoader.LoadFile(path, overrides);
        ulong seed = parse.GetValue(Seed) ?? (ulong)scenario.Seed;
        return new Loaded(scenario, seed, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
