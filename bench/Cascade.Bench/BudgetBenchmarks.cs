using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Cascade.Preflight;
using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Bench;

// The speed budgets of docs/model.md's performance table, each on the input `cascade bench` times it on: one simulated
// hour of the bundled list storm at 5,000 nodes (0.7 s), the bundled replay of 2024-12-11 on two threads (10 s, 1 GiB),
// and `compare` on that replay (60 s). Few iterations, each a whole run (BenchmarkDotNet's default of dozens would take
// an hour). `cascade bench` gives the same figures and the peak working set, which BenchmarkDotNet does not measure
// (its allocation column is the bytes allocated).
//   dotnet run -c Release --project bench/Cascade.Bench -- --filter '*ListStormHour*' '*ReplayOnTwo*' '*CompareOnTwo*'

/// <summary>Where the bundled scenarios are: the repository's scenarios/, copied beside the benchmark, else found above it.</summary>
internal static class BundledScenarios
{
    public static readonly string Directory = Find();

    public static string ListStorm => Path.Combine(Directory, "list-storm.yaml");
    public static string Replay => Path.Combine(Directory, "openai-2024-12-11.yaml");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scenarios");
            if (File.Exists(Path.Combine(candidate, "list-storm.yaml"))) return candidate;
        }
        throw new FileNotFoundException($"no scenarios/list-storm.yaml in {AppContext.BaseDirectory} or above it");
    }
}

/// <summary>As `cascade bench cluster`: the list storm at 5,000 nodes for one simulated hour, one thread (budget 0.7 s).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class ListStormHourBenchmark
{
    [Benchmark]
    public long ListStormHour() =>
        ScenarioRunner.Run(ScenarioLoader.LoadFile(BundledScenarios.ListStorm, ["cluster.nodes=5000", "duration=1h"]), 1, threads: 1).Result.Events;
}

/// <summary>As `cascade bench replay`: the bundled replay with its own seed on two threads (budget 10 s, 1 GiB).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ReplayBenchmark
{
    [Benchmark]
    public long ReplayOnTwoThreads()
    {
        var path = BundledScenarios.Replay;
        var scenario = ScenarioLoader.LoadFile(path);
        return ScenarioRunner.Run(scenario, (ulong)scenario.Seed, Path.GetDirectoryName(path), threads: 2).Result.Events;
    }
}

/// <summary>As `cascade bench compare`: every built-in mitigation on the replay, two threads, one cold run of about a minute (budget 60 s).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class CompareBenchmark
{
    [Benchmark]
    public int CompareOnTwoThreads() =>
        Comparison.Run(BundledScenarios.Replay, [], null, Comparison.Variants(null, []), 2).Rows.Count;
}
