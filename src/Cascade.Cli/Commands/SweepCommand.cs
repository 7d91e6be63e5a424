using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cascade.Results;
using Cascade.Results.Report;
using Cascade.Scenarios;
using Cascade.Sweeps;
using Spectre.Console;

namespace Cascade.Cli;

/// <summary>
/// `cascade sweep plan|run|merge|job`: a grid of settings × mitigations × seeds, run on this machine's
/// cores, as shards in separate processes, or as a Kubernetes Indexed Job, and merged into one result.
/// </summary>
public static class SweepCommand
{
    private static readonly Argument<string> SweepFile = new("sweep") { Description = "Sweep file (YAML, apiVersion cascade/v1, kind Sweep)" };

    private static readonly Option<string?> Out = new("--out") { Description = "Output folder (default: out/<sweep name>)" };

    public static Command Build()
    {
        var sweep = new Command("sweep",
            "Run a scenario over a grid of --set values, mitigations and seeds, and judge each objective's pass rate over the seeds " +
            "(95% Wilson interval; a verdict that differs between seeds flips). Spread it over processes or a Kubernetes Indexed Job " +
            "with --shard, then merge: the merged result is byte-identical to one process's");
        sweep.Add(Plan());
        sweep.Add(Run());
        sweep.Add(Merge());
        sweep.Add(Job());
        return sweep;
    }

    private static Command Plan()
    {
        var shards = new Option<int?>("--shards") { Description = "Also show which of this many shards runs each cell" };
        var cmd = new Command("plan", "List the sweep's cells with their stable ids and estimated cost (and, with --shards, each cell's shard)") { SweepFile, shards };
        cmd.SetAction(parse =>
        {
            var sweep = Sweeps.Sweep.Load(parse.GetValue(SweepFile)!);
            int? n = parse.GetValue(shards);
            if (n is < 1) throw new InputException("must be at least 1", field: "--shards");
            var of = n is { } count ? sweep.Plan.ShardOf(count) : null;
            if (parse.GetValue(CommonOptions.Output) == OutputFormat.Json)
            {
                Console.Out.Write(Json.Serialize(new { sweep.Plan, Shards = n, ShardOf = of is null ? null : sweep.Plan.Cells.Select(c => of[c.Id]).ToList() }));
                return ExitCodes.Ok;
            }
            var table = new Table().Title($"[bold]{Markup.Escape(sweep.Plan.Name)}[/]: {sweep.Plan.Cells.Count} cells (plan {sweep.Plan.Fingerprint[..12]})")
                .AddColumn("id").AddColumn("settings").AddColumn(new TableColumn("seed").RightAligned())
                .AddColumn(new TableColumn("events").RightAligned()).AddColumn(new TableColumn("memory").RightAligned()).AddColumn(new TableColumn("wall, 1 core").RightAligned());
            if (of is not null) table.AddColumn(new TableColumn("shard").RightAligned());
            foreach (var c in sweep.Plan.Cells)
            {
                var row = new List<string>
                {
                    c.Id, Markup.Escape(c.Label), c.Seed.ToString(CultureInfo.InvariantCulture), c.EstimatedEvents.ToString("0.0e0", CultureInfo.InvariantCulture),
                    $"{c.EstimatedMemoryBytes / (1024 * 1024):0} MiB", RunGuard.Wall(c.EstimatedEvents / RunEstimate.EventsPerWallSecond),
                };
                if (of is not null) row.Add(of[c.Id].ToString(CultureInfo.InvariantCulture));
                table.AddRow(row.ToArray());
            }
            AnsiConsole.Write(table);
            double events = sweep.Plan.Cells.Sum(c => c.EstimatedEvents);
            AnsiConsole.WriteLine($"in all {events:0.0e0} events, about {RunGuard.Wall(events / RunEstimate.EventsPerWallSecond)} on one core" +
                (n is { } k ? $"; the longest of {k} shards about {RunGuard.Wall(IndexedJob.LongestShardSeconds(sweep.Plan, k, 1))}" : ""));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command Run()
    {
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of n (i from 0, as an Indexed Job's JOB_COMPLETION_INDEX): 2/7. Without it, every cell, then the merge" };
        var cmd = new Command("run",
            "Run the sweep's cells on this machine's cores: all of them, then write DIR/results.json and DIR/report.html and print the table; " +
            "or, with --shard i/n, shard i's cells only, into DIR/cells/ and DIR/shard-i-of-n.json, for `cascade sweep merge`")
        {
            SweepFile, shard, Out, PreflightOptions.Threads, RunGuard.MaxMemory, RunGuard.MaxEvents,
        };
        cmd.SetAction(parse =>
        {
            var sweep = Sweeps.Sweep.Load(parse.GetValue(SweepFile)!);
            var (i, n) = parse.GetValue(shard) is { } s ? SweepShards.Parse(s) : (0, 1);
            int threads = PreflightOptions.ThreadsOf(parse);
            bool quiet = parse.GetValue(CommonOptions.Quiet);
            string outDir = parse.GetValue(Out) ?? Path.Combine("out", sweep.Plan.Name);
            OutputPath.CheckFolder(outDir, "--out");
            var cells = sweep.Plan.Shard(i, n);
            Admit(parse, sweep, cells, Math.Min(threads, Math.Max(1, cells.Count)));

            var watch = Stopwatch.StartNew();
            SweepShards.Run(sweep, i, n, outDir, threads, (done, total) => StatusLine.Show(quiet, StatusLine.Runs(done, total, watch.Elapsed.TotalSeconds)));
            StatusLine.Clear();
            if (!quiet) Console.Error.WriteLine($"shard {i} of {n}: {cells.Count} cells in {watch.Elapsed.TotalSeconds:F1} s wall on {threads} thread(s); wrote {Path.Combine(outDir, SweepShardManifest.FileName(i, n))}");
            if (parse.GetValue(shard) is not null) return ExitCodes.Ok;
            // This run's manifest, not the folder: shards of an earlier run into it are not this sweep's.
            return Finish(parse, [Path.Combine(outDir, SweepShardManifest.FileName(0, 1))], outDir);
        });
        return cmd;
    }

    private static Command Merge()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "The shards' output folders (several shards may share one), or shards' manifests (DIR/shard-i-of-n.json)", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("merge",
            "Merge the shards' outputs into one result: check that they cover the plan exactly once, then write OUT/results.json and OUT/report.html " +
            "and print the table, byte for byte as `cascade sweep run` in one process")
        {
            dirs, Out,
        };
        cmd.SetAction(parse =>
        {
            var given = parse.GetValue(dirs) ?? [];
            return Finish(parse, given, parse.GetValue(Out));
        });
        return cmd;
    }

    private static Command Job()
    {
        var image = new Option<string>("--image") { Description = "The image to run (built from the emitted Dockerfile and pushed where the cluster can pull it)", Required = true };
        var shards = new Option<int>("--shards") { Description = "Shards: the Job's completions, one index each", Required = true };
        var parallelism = new Option<int?>("--parallelism") { Description = "Pods at once (default: --shards)" };
        var cpus = new Option<int>("--cpus") { Description = "Cores per pod: its runs at once and its CPU request", DefaultValueFactory = _ => 1 };
        var backoff = new Option<int>("--backoff-limit-per-index") { Description = "Retries of a failed index (a rerun writes the same bytes)", DefaultValueFactory = _ => 2 };
        var pvc = new Option<string?>("--pvc") { Description = "An existing ReadWriteMany PersistentVolumeClaim for the results (default: emit one)" };
        var cmd = new Command("job",
            "Write a Kubernetes Indexed Job for the sweep (DIR/job.yaml: the sweep's files as a ConfigMap, a results volume, the Job), " +
            "DIR/reader.yaml (a pod to copy the results out) and DIR/Dockerfile for the image; README.md, \"Sweeps\", has the workflow")
        {
            SweepFile, image, shards, parallelism, cpus, backoff, pvc, Out,
        };
        cmd.SetAction(parse =>
        {
            var sweep = Sweeps.Sweep.Load(parse.GetValue(SweepFile)!);
            int n = parse.GetValue(shards);
            if (n < 1) throw new InputException("must be at least 1", field: "--shards");
            int p = parse.GetValue(parallelism) ?? n;
            if (p < 1) throw new InputException("must be at least 1", field: "--parallelism");
            int c = parse.GetValue(cpus);
            if (c < 1) throw new InputException("must be at least 1", field: "--cpus");
            int b = parse.GetValue(backoff);
            if (b < 0) throw new InputException("must be 0 or more", field: "--backoff-limit-per-index");
            string img = parse.GetValue(image)!;
            if (img.Length == 0 || img.Any(char.IsWhiteSpace)) throw new InputException($"'{img}' is not an image reference", field: "--image");
            string outDir = parse.GetValue(Out) ?? Path.Combine("out", sweep.Plan.Name + "-job");
            OutputPath.CheckFolder(outDir, "--out");
            OutputFolder.Write(outDir, IndexedJob.Files(sweep, new JobOptions(img, n, Math.Min(p, n), c, b, parse.GetValue(pvc)))
                .Select(f => OutputFile.Text(f.Name, f.Text)).ToList());
            string name = IndexedJob.JobName(sweep.Plan.Name);
            Console.Out.WriteLine($"wrote {Path.Combine(outDir, "job.yaml")}, reader.yaml and Dockerfile: {sweep.Plan.Cells.Count} cells in {n} shards, " +
                $"{c} core(s) and {IndexedJob.MemoryMi(sweep.Plan, c)} MiB a pod, the longest shard about {RunGuard.Wall(IndexedJob.LongestShardSeconds(sweep.Plan, n, c))}");
            Console.Out.WriteLine($"  docker build -f {Path.Combine(outDir, "Dockerfile")} -t {img} . && docker push {img}");
            Console.Out.WriteLine($"  kubectl apply -f {Path.Combine(outDir, "job.yaml")} && kubectl wait --for=condition=complete job/{name} --timeout=24h");
            Console.Out.WriteLine($"  kubectl apply -f {Path.Combine(outDir, "reader.yaml")} && kubectl wait --for=condition=ready pod/{name}-reader");
            Console.Out.WriteLine($"  kubectl cp {name}-reader:/results {Path.Combine(outDir, "results")} && cascade sweep merge {Path.Combine(outDir, "results")}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Refuses, before any run, a cell the machine (or the pod) cannot hold, as the other verbs do.</summary>
    private static void Admit(ParseResult parse, Sweeps.Sweep sweep, IReadOnlyList<SweepCell> cells, int atOnce)
    {
        var limits = RunGuard.LimitsOf(parse);
        foreach (var c in cells)
            if (sweep.Scenario(c) is { } scenario
                && RunGuard.Refusal(RunEstimate.Of(scenario), atOnce, limits, sweep.ScenarioFile, sweep.Overrides(c)) is { } refusal)
                throw refusal;
    }

    /// <summary>Merges <paramref name="dirs"/>, writes results.json and report.html (results.json last), prints the table or the JSON.</summary>
    private static int Finish(ParseResult parse, IReadOnlyList<string> dirs, string? outDir)
    {
        var (plan, result) = SweepShards.Merge(dirs);
        outDir ??= Path.Combine("out", plan.Name);
        OutputPath.CheckFolder(outDir, "--out");
        string json = Json.Serialize(result);
        OutputFolder.Write(outDir, [OutputFile.Text("report.html", HtmlReport.Render(Report(result))), OutputFile.Text("results.json", json)]);
        if (parse.GetValue(CommonOptions.Output) == OutputFormat.Json) Console.Out.Write(json);
        else Print(result);
        if (!parse.GetValue(CommonOptions.Quiet)) Console.Error.WriteLine($"wrote {Path.Combine(outDir, "results.json")} and report.html");
        return ExitCodes.Ok;
    }

    private static string Seeds(SweepResult r) => r.Sweep.Seeds.Count == 1 ? "1 seed" : $"{r.Sweep.Seeds.Count} seeds";

    /// <summary>"5/5 holds [57–100%]": passed of runs, the verdict, the 95% interval of the pass rate.</summary>
    public static string Cell(ObjectivePassRate r) =>
        r.Runs == 0 ? SweepResult.NotJudged : $"{r.Passed}/{r.Runs} {r.Verdict} [{r.Low * 100:0}–{r.High * 100:0}%]";

    private static ReportStatus? Status(ObjectivePassRate r) => r.Verdict switch
    {
        SweepResult.Holds => ReportStatus.Ok,
        SweepResult.Fails => ReportStatus.Bad,
        SweepResult.Flips => ReportStatus.Warn,
        _ => null,
    };

    public static void Print(SweepResult r)
    {
        var table = new Table().Title($"[bold]{Markup.Escape(r.Sweep.Name)}[/]: {r.Groups.Count} settings × {Seeds(r)} ({r.Cells.Count} runs of {Markup.Escape(r.Sweep.Scenario)}); " +
            "passed of seeds [[95% interval of the pass rate]]");
        table.AddColumn("settings");
        foreach (var o in r.Objectives) table.AddColumn(new TableColumn(o).RightAligned());
        foreach (var g in r.Groups)
        {
            if (g.NotApplicable is { } why)
            {
                table.AddRow([Markup.Escape(g.Label), .. r.Objectives.Select((_, k) => k == 0 ? Markup.Escape($"n/a: {why}") : "")]);
                continue;
            }
            table.AddRow([Markup.Escape(g.Label), .. g.Objectives.Select(o => Status(o) switch
            {
                ReportStatus.Ok => $"[green]{Markup.Escape(Cell(o))}[/]",
                ReportStatus.Bad => $"[red]{Markup.Escape(Cell(o))}[/]",
                ReportStatus.Warn => $"[yellow]{Markup.Escape(Cell(o))}[/]",
                _ => Markup.Escape(Cell(o)),
            })]);
        }
        AnsiConsole.Write(table);
        foreach (var line in Flips(r)) AnsiConsole.WriteLine(line);
        AnsiConsole.WriteLine("holds: in every seed; fails: in every seed; flips: the verdict differs between seeds (more seeds narrow the interval)");
    }

    /// <summary>"flips: nodes=1000 ... mitigation=none: recovery fails with seeds 2, 5".</summary>
    public static IEnumerable<string> Flips(SweepResult r) =>
        from g in r.Groups
        from o in g.Objectives
        where o.Verdict == SweepResult.Flips && o.Objective != SweepResult.AllObjectives
        select $"flips: {g.Label}: {o.Objective} fails with seed{(o.FailedSeeds.Count > 1 ? "s" : "")} {string.Join(", ", o.FailedSeeds)}";

    private static ReportData Report(SweepResult r)
    {
        var rows = r.Groups.Select(g => g.NotApplicable is { } why
            ? new MatrixRow(g.Label, r.Objectives.Select((_, k) => k == 0 ? $"n/a: {why}" : "").ToList())
            : new MatrixRow(g.Label, g.Objectives.Select(Cell).ToList(), g.Objectives.Select(Status).ToList())).ToList();
        int Count(string verdict) => r.Groups.Count(g => g.Objectives.FirstOrDefault(o => o.Objective == SweepResult.AllObjectives)?.Verdict == verdict);
        var summary = new List<SummaryItem>
        {
            new("runs", $"{r.Cells.Count} ({r.Groups.Count} settings × {Seeds(r)})"),
            new("objectives hold in every seed", $"{Count(SweepResult.Holds)} of {r.Groups.Count}", ReportStatus.Ok),
            new("fail in every seed", $"{Count(SweepResult.Fails)} of {r.Groups.Count}", Count(SweepResult.Fails) > 0 ? ReportStatus.Bad : null),
            new("flip between seeds", $"{Count(SweepResult.Flips)} of {r.Groups.Count}", Count(SweepResult.Flips) > 0 ? ReportStatus.Warn : null),
        };
        var flips = Flips(r).Select(f => new Results.Report.TimelineEntry(0, "*", "flips", f)).ToList();
        return new ReportData($"cascade sweep {r.Sweep.Name}", $"scenario {r.Sweep.Scenario}, seeds {string.Join(", ", r.Sweep.Seeds)}; passed of seeds [95% Wilson interval]",
            ReportKind.Sweep, $"cascade {typeof(SweepResult).Assembly.GetName().Version?.ToString(3)}, plan {r.Sweep.Fingerprint[..12]}",
            summary, flips, [], Matrix: new ReportMatrix(r.Objectives, rows));
    }
}
