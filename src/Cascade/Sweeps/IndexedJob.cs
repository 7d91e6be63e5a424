using System.Globalization;
using System.Text;
using Cascade.Scenarios;

namespace Cascade.Sweeps;

/// <summary>How `cascade sweep job` lays the sweep out on Kubernetes.</summary>
/// <param name="Image">The image built from <see cref="IndexedJob.Dockerfile"/>.</param>
/// <param name="Shards">The Job's completions: one index per shard.</param>
/// <param name="Parallelism">Pods at once (at most <paramref name="Shards"/>).</param>
/// <param name="Cpus">Cores per pod: the shard's runs at once (--threads), and the pod's CPU request.</param>
/// <param name="BackoffLimitPerIndex">Retries of a failed index before it counts as failed; the others go on.</param>
/// <param name="Claim">An existing ReadWriteMany PersistentVolumeClaim for the results; null emits one.</param>
public sealed record JobOptions(string Image, int Shards, int Parallelism, int Cpus, int BackoffLimitPerIndex, string? Claim);

/// <summary>
/// A sweep as a Kubernetes Indexed Job (batch/v1, `completionMode: Indexed`, Kubernetes 1.21+; per-index
/// backoff 1.29+): index i runs `cascade sweep run SWEEP --shard i/N`, its index read from the pod's
/// `batch.kubernetes.io/job-completion-index` annotation, and writes its cells to a shared volume that
/// `cascade sweep merge` reads afterwards. The sweep file and its scenario travel in a ConfigMap, laid out as
/// they are on disk so the sweep's relative `scenario:` path still holds (files the scenario itself names do
/// not travel). Memory is the costliest cell's estimate (<see cref="RunEstimate"/>) times the runs at once,
/// over the 80% of the limit the run guard lets runs use. Kubernetes Job docs:
/// https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
/// </summary>
public static class IndexedJob
{
    /// <summary>The non-root user of Microsoft's .NET images ($APP_UID).</summary>
    public const int AppUid = 1654;

    /// <summary>
    /// The share of a pod's memory limit the run guard lets runs use: its 80% (RunGuard.MemoryShare) of what the
    /// GC may use, which in a container is 75% of the limit (.NET's default GCHeapHardLimitPercent).
    /// </summary>
    private const double GuardShare = 0.8 * 0.75;

    /// <summary>Never less: the runtime, the libraries and the GC's slack (a 10-node run peaks at 55 MiB).</summary>
    private const long MinimumMi = 256;

    private const double Mi = 1024 * 1024;

    /// <summary>job.yaml (ConfigMap, PersistentVolumeClaim unless given, Job), reader.yaml (a pod to copy the results out), Dockerfile and its ignore file.</summary>
    public static IReadOnlyList<(string Name, string Text)> Files(Sweep sweep, JobOptions o)
    {
        string name = JobName(sweep.Plan.Name);
        string claim = o.Claim ?? name + "-results";
        var (items, sweepPath) = ConfigMapLayout(sweep);
        var docs = new List<OrderedDictionary<string, object>>
        {
            ConfigMap(name, sweep.Plan.Name, items),
        };
        if (o.Claim is null) docs.Add(Claim(claim, sweep.Plan.Name));
        docs.Add(Job(sweep, o, name, claim, items, sweepPath));
        var job = new StringBuilder();
        job.Append(Header(sweep, o));
        foreach (var d in docs) job.Append("---\n").Append(YamlWriter.Write(d));
        return
        [
            ("job.yaml", job.ToString()),
            ("reader.yaml", "---\n" + YamlWriter.Write(Reader(name, claim, sweep.Plan.Name))),
            ("Dockerfile", Dockerfile),
            ("Dockerfile.dockerignore", DockerIgnore),
        ];
    }

    /// <summary>A DNS-1123 label: lower-case letters, digits and '-', short enough for the pods' names.</summary>
    public static string JobName(string sweepName)
    {
        var s = new StringBuilder("cascade-sweep-");
        foreach (char c in sweepName.ToLowerInvariant()) s.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        var name = s.ToString();
        if (name.Length > 52) name = name[..52];
        return name.TrimEnd('-');
    }

    /// <summary>Memory per pod, in MiB: the costliest cell's estimate, <paramref name="cpus"/> of them at once, over the guard's share.</summary>
    public static long MemoryMi(SweepPlan plan, int cpus)
    {
        double top = plan.Cells.Select(c => c.EstimatedMemoryBytes).DefaultIfEmpty(RunEstimate.ProcessBytes).Max();
        double bytes = RunEstimate.ProcessBytes + (top - RunEstimate.ProcessBytes) * cpus;
        return Math.Max(MinimumMi, (long)Math.Ceiling(bytes / GuardShare / Mi / 64) * 64);
    }

    /// <summary>The longest shard's estimated wall time, in seconds, on <paramref name="cpus"/> cores.</summary>
    public static double LongestShardSeconds(SweepPlan plan, int shards, int cpus)
    {
        var of = plan.ShardOf(shards);
        var load = new double[shards];
        foreach (var c in plan.Cells) load[of[c.Id]] += c.EstimatedEvents;
        return load.DefaultIfEmpty(0).Max() / RunEstimate.EventsPerWallSecond / cpus;
    }

    private static string Header(Sweep sweep, JobOptions o) =>
        $"# cascade sweep {sweep.Plan.Name}: {sweep.Plan.Cells.Count} cells in {o.Shards} shards, {o.Parallelism} pods at once, " +
        $"{o.Cpus} core(s) and {MemoryMi(sweep.Plan, o.Cpus)} MiB each;\n" +
        $"# the longest shard is estimated at {Math.Ceiling(LongestShardSeconds(sweep.Plan, o.Shards, o.Cpus)).ToString(CultureInfo.InvariantCulture)} s of runs " +
        $"(plan {sweep.Plan.Fingerprint[..12]}). README.md, \"Sweeps\", has the workflow.\n";

    /// <summary>The ConfigMap's items (key, path under /sweep) and the sweep file's path in the pod.</summary>
    private static (List<(string Key, string Path, string Text)> Items, string SweepPath) ConfigMapLayout(Sweep sweep)
    {
        string sweepFile = Path.GetFullPath(sweep.File), scenarioFile = Path.GetFullPath(sweep.ScenarioFile);
        string root = Path.GetDirectoryName(sweepFile)!;
        while (!scenarioFile.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            root = Path.GetDirectoryName(root) ?? throw new InputException("the sweep file and its scenario share no folder", sweep.File, field: "scenario");
        string Relative(string f) => Path.GetRelativePath(root, f).Replace('\\', '/');
        var files = new[] { sweepFile, scenarioFile }.Distinct().Select(f => (Key: Key(Relative(f)), Path: Relative(f), Text: TextFile.ReadUtf8(f))).ToList();
        return (files, "/sweep/" + Relative(sweepFile));
    }

    /// <summary>A ConfigMap key: letters, digits, '-', '_' and '.'; the folders go into the item's path.</summary>
    private static string Key(string relative) => new(relative.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    private static OrderedDictionary<string, object> Labels(string sweep) => new()
    {
        ["app.kubernetes.io/name"] = "cascade",
        ["app.kubernetes.io/component"] = "sweep",
        ["cascade.dev/sweep"] = JobName(sweep)["cascade-sweep-".Length..],
    };

    private static OrderedDictionary<string, object> Metadata(string name, string sweep) => new() { ["name"] = name, ["labels"] = Labels(sweep) };

    private static OrderedDictionary<string, object> ConfigMap(string name, string sweep, List<(string Key, string Path, string Text)> items)
    {
        var data = new OrderedDictionary<string, object>();
        foreach (var i in items) data[i.Key] = new YamlLiteral(i.Text);
        return new() { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = Metadata(name + "-files", sweep), ["data"] = data };
    }

    private static OrderedDictionary<string, object> Claim(string claim, string sweep) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "PersistentVolumeClaim",
        ["metadata"] = Metadata(claim, sweep),
        ["spec"] = new OrderedDictionary<string, object>
        {
            // Every index writes to it at once, from any node; a cell's file is a few KB, so 1Gi holds 100,000 of them.
            ["accessModes"] = new[] { "ReadWriteMany" },
            ["resources"] = new OrderedDictionary<string, object> { ["requests"] = new OrderedDictionary<string, object> { ["storage"] = "1Gi" } },
        },
    };

    private static OrderedDictionary<string, object> Job(Sweep sweep, JobOptions o, string name, string claim,
        List<(string Key, string Path, string Text)> items, string sweepPath)
    {
        string memory = $"{MemoryMi(sweep.Plan, o.Cpus)}Mi";
        var container = new OrderedDictionary<string, object>
        {
            ["name"] = "cascade",
            ["image"] = o.Image,
            ["args"] = new object[]
            {
                "sweep", "run", sweepPath, "--shard", $"$(JOB_COMPLETION_INDEX)/{o.Shards}", "--out", "/results",
                "--threads", o.Cpus.ToString(CultureInfo.InvariantCulture), "--quiet",
            },
            ["env"] = new object[]
            {
                new OrderedDictionary<string, object>
                {
                    ["name"] = "JOB_COMPLETION_INDEX",
                    ["valueFrom"] = new OrderedDictionary<string, object>
                    {
                        ["fieldRef"] = new OrderedDictionary<string, object> { ["fieldPath"] = "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
                    },
                },
                // No diagnostics pipe: the root filesystem is read-only.
                new OrderedDictionary<string, object> { ["name"] = "DOTNET_EnableDiagnostics", ["value"] = "0" },
            },
            ["resources"] = new OrderedDictionary<string, object>
            {
                ["requests"] = new OrderedDictionary<string, object> { ["cpu"] = o.Cpus.ToString(CultureInfo.InvariantCulture), ["memory"] = memory },
                ["limits"] = new OrderedDictionary<string, object> { ["memory"] = memory },
            },
            ["securityContext"] = new OrderedDictionary<string, object>
            {
                ["allowPrivilegeEscalation"] = false,
                ["readOnlyRootFilesystem"] = true,
                ["capabilities"] = new OrderedDictionary<string, object> { ["drop"] = new[] { "ALL" } },
            },
            ["volumeMounts"] = new object[]
            {
                Mount("sweep", "/sweep", true),
                Mount("results", "/results", false),
                Mount("tmp", "/tmp", false),
            },
        };
        var pod = new OrderedDictionary<string, object>
        {
            ["restartPolicy"] = "Never",
            ["securityContext"] = PodSecurity(),
            ["containers"] = new object[] { container },
            ["volumes"] = new object[]
            {
                new OrderedDictionary<string, object>
                {
                    ["name"] = "sweep",
                    ["configMap"] = new OrderedDictionary<string, object>
                    {
                        ["name"] = name + "-files",
                        ["items"] = items.Select(i => (object)new OrderedDictionary<string, object> { ["key"] = i.Key, ["path"] = i.Path }).ToArray(),
                    },
                },
                ResultsVolume(claim),
                new OrderedDictionary<string, object> { ["name"] = "tmp", ["emptyDir"] = new OrderedDictionary<string, object> { ["sizeLimit"] = "64Mi" } },
            },
        };
        return new()
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = Metadata(name, sweep.Plan.Name),
            ["spec"] = new OrderedDictionary<string, object>
            {
                ["completionMode"] = "Indexed",
                ["completions"] = o.Shards,
                ["parallelism"] = o.Parallelism,
                ["backoffLimitPerIndex"] = o.BackoffLimitPerIndex,
                ["podFailurePolicy"] = new OrderedDictionary<string, object>
                {
                    ["rules"] = new object[]
                    {
                        // Exit 2 is bad input: the same on every retry and every index.
                        new OrderedDictionary<string, object>
                        {
                            ["action"] = "FailJob",
                            ["onExitCodes"] = new OrderedDictionary<string, object> { ["containerName"] = "cascade", ["operator"] = "In", ["values"] = new object[] { 2 } },
                        },
                        // A node drained or preempted is not the shard's failure.
                        new OrderedDictionary<string, object>
                        {
                            ["action"] = "Ignore",
                            ["onPodConditions"] = new object[] { new OrderedDictionary<string, object> { ["type"] = "DisruptionTarget" } },
                        },
                    },
                },
                ["template"] = new OrderedDictionary<string, object> { ["metadata"] = new OrderedDictionary<string, object> { ["labels"] = Labels(sweep.Plan.Name) }, ["spec"] = pod },
            },
        };
    }

    private static OrderedDictionary<string, object> Reader(string name, string claim, string sweep) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = Metadata(name + "-reader", sweep),
        ["spec"] = new OrderedDictionary<string, object>
        {
            ["restartPolicy"] = "Never",
            ["securityContext"] = PodSecurity(),
            ["containers"] = new object[]
            {
                new OrderedDictionary<string, object>
                {
                    ["name"] = "reader",
                    ["image"] = "busybox:1.36",
                    ["command"] = new object[] { "sleep", "3600" },
                    ["securityContext"] = new OrderedDictionary<string, object> { ["allowPrivilegeEscalation"] = false, ["readOnlyRootFilesystem"] = true },
                    ["volumeMounts"] = new object[] { Mount("results", "/results", true) },
                },
            },
            ["volumes"] = new object[] { ResultsVolume(claim) },
        },
    };

    private static OrderedDictionary<string, object> PodSecurity() => new()
    {
        ["runAsNonRoot"] = true,
        ["runAsUser"] = AppUid,
        ["runAsGroup"] = AppUid,
        ["fsGroup"] = AppUid,
        ["seccompProfile"] = new OrderedDictionary<string, object> { ["type"] = "RuntimeDefault" },
    };

    private static OrderedDictionary<string, object> Mount(string name, string path, bool readOnly) =>
        new() { ["name"] = name, ["mountPath"] = path, ["readOnly"] = readOnly };

    private static OrderedDictionary<string, object> ResultsVolume(string claim) => new()
    {
        ["name"] = "results",
        ["persistentVolumeClaim"] = new OrderedDictionary<string, object> { ["claimName"] = claim },
    };

    /// <summary>Built from the repository's root: `docker build -f DIR/Dockerfile -t IMAGE .`.</summary>
    public const string Dockerfile =
        """
        # The image `cascade sweep job` runs: build it from the repository's root,
        #   docker build -f <this folder>/Dockerfile -t <image> .
        # The SDK stage needs Node.js and npm: `dotnet build` bundles the HTML report's page (web/).
        FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
        RUN apt-get update \
         && apt-get install -y --no-install-recommends nodejs npm \
         && rm -rf /var/lib/apt/lists/*
        WORKDIR /src
        COPY . .
        RUN dotnet publish src/Cascade.Cli -c Release -o /app

        FROM mcr.microsoft.com/dotnet/runtime:10.0
        WORKDIR /app
        COPY --from=build /app .
        # The Job mounts the root filesystem read-only: no diagnostics pipe in /tmp.
        ENV DOTNET_EnableDiagnostics=0
        # Non-root: the images' own user (1654), which the Job's securityContext names.
        USER $APP_UID
        ENTRYPOINT ["dotnet", "/app/cascade.dll"]

        """;

    /// <summary>What the build context leaves out (BuildKit reads DIR/Dockerfile.dockerignore beside the Dockerfile).</summary>
    public const string DockerIgnore =
        """
        .git
        **/bin
        **/obj
        **/node_modules
        out

        """;
}
