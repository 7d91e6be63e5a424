using System.CommandLine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;

namespace Cascade.Cli;

/// <summary>Options shared by the verbs that take a scenario.</summary>
public static partial class ScenarioOptions
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

    public static readonly Option<string?> Metrics = new("--metrics")
    {
        Description = "Also write the run's time series as OpenMetrics text, under the names kube-apiserver, etcd and CoreDNS export, " +
            "to this file in the output folder (load it with `promtool tsdb create-blocks-from openmetrics`; docs/metrics.md)",
    };

    public static readonly Option<string?> MetricsStart = new("--metrics-start")
    {
        Description = "The wall-clock time the simulation starts at, for --metrics' timestamps: RFC 3339 in whole seconds, " +
            "e.g. 2024-12-11T22:51:00Z (default 1970-01-01T00:00:00Z, the Unix epoch)",
    };

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
        MetricsOf(parse);
        return outDir;
    }

    /// <summary>The files a run writes into its folder, which --metrics may not name.</summary>
    public static readonly string[] RunFiles = ["result.json", "timeseries.csv", "products.csv", "sensitivity.json"];

    /// <summary>--metrics and --metrics-start, checked: a plain file name in the output folder, and a whole-second RFC 3339 time.</summary>
    public static MetricsOutput? MetricsOf(ParseResult parse)
    {
        var start = parse.GetValue(MetricsStart);
        if (parse.GetValue(Metrics) is not { } name)
        {
            if (start is not null) throw new InputException("needs --metrics FILE (the file whose timestamps it sets)", field: "--metrics-start");
            return null;
        }
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0 || Path.IsPathRooted(name) ||
            name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new InputException($"'{name}' is not a file name: give a name, like metrics.om; the file goes in the output folder (--out), " +
                "as nothing is written outside it", field: "--metrics");
        if (RunFiles.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new InputException($"'{name}' is one of the run's own files ({string.Join(", ", RunFiles)}): give another name", field: "--metrics");
        return new MetricsOutput(name, start is null ? 0 : ParseStart(start));
    }

    /// <summary>An RFC 3339 date-time (Z or an offset) in whole seconds, from the Unix epoch on, as Unix seconds.</summary>
    public static long ParseStart(string text)
    {
        var m = Rfc3339().Match(text);
        if (!m.Success || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var t))
            throw new InputException($"'{text}' is not an RFC 3339 time: write it like 2024-12-11T22:51:00Z or 2024-12-11T14:51:00-08:00", field: "--metrics-start");
        if (m.Groups["fraction"].Success && m.Groups["fraction"].Value.Trim('.', '0').Length > 0)
            throw new InputException($"'{text}' has a fraction of a second: the timestamps are whole seconds, so give whole seconds", field: "--metrics-start");
        if (t < DateTimeOffset.UnixEpoch)
            throw new InputException($"'{text}' is before 1970-01-01T00:00:00Z: Prometheus' timestamps start at the Unix epoch", field: "--metrics-start");
        return t.ToUnixTimeSeconds();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?<fraction>\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial System.Text.RegularExpressions.Regex Rfc3339();

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

/// <summary>--metrics: the file's name in the output folder, and the Unix time the simulation's zero stands for.</summary>
public sealed record MetricsOutput(string FileName, long StartUnixSeconds);
