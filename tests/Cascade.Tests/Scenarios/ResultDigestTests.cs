using System.Security.Cryptography;
using System.Text;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// Optimisations change no result: every bundled scenario's result document, run on one thread and on two,
/// hashes to the digest checked in beside this file. A model change that is meant to move results regenerates
/// the file (CASCADE_UPDATE_DIGESTS=1 dotnet test --filter ResultDigest) and says so in its commit; a speed-up
/// that moves a digest has changed the model, not just its speed. Long scenarios run a shortened horizon that
/// still reaches their interesting part (the replay's first large cluster saturating), to keep the suite fast.
/// </summary>
public class ResultDigestTests
{
    public static TheoryData<string, string> Runs => new()
    {
        { "list-storm.yaml", "duration=20m" },
        { "apiserver-restart.yaml", "" },
        { "daemonset-restart.yaml", "" },
        { "openai-2024-12-11.yaml", "duration=24m" },
        // Every Lease renewal on the request path: the digests these scenarios had before closed-form renewals existed.
        { "apiserver-restart.yaml", RequestPath(["cluster"]) },
        { "daemonset-restart.yaml", RequestPath(["cluster"]) },
        { "openai-2024-12-11.yaml", "duration=24m " + RequestPath(["clusters[0]", "clusters[1]", "clusters[2]", "clusters[3]"]) },
    };

    private static string RequestPath(string[] clusters) => string.Join(' ', clusters.Select(c => c + ".apiServer.closedFormLeases=false"));

    private static string DigestFile => Path.Combine(PreflightFixtures.RepoRoot(), "tests", "Cascade.Tests", "Scenarios", "result-digests.txt");

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_bundled_scenario_gives_the_checked_in_result_bytes_on_one_thread_and_on_two(string file, string set)
    {
        string key = set.Length == 0 ? file : $"{file} --set {set}";
        string one = Digest(file, set, threads: 1);
        string two = Digest(file, set, threads: 2);
        Assert.Equal(one, two);
        if (Environment.GetEnvironmentVariable("CASCADE_UPDATE_DIGESTS") == "1")
        {
            Update(key, one);
            return;
        }
        var expected = Read().GetValueOrDefault(key);
        Assert.True(expected is not null, $"no digest for '{key}' in {DigestFile}; run with CASCADE_UPDATE_DIGESTS=1 to record it");
        Assert.True(expected == one,
            $"{key}: result digest {one}, checked in {expected}. A speed-up must not move it; a model change regenerates the file (CASCADE_UPDATE_DIGESTS=1).");
    }

    private static string Digest(string file, string set, int threads)
    {
        var scenario = ScenarioLoader.LoadFile(PreflightFixtures.Scenario(file), set.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var output = ScenarioRunner.Run(scenario, (ulong)scenario.Seed, PreflightFixtures.RepoRoot(), threads: threads);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Json.Serialize(output.Result))));
    }

    private static Dictionary<string, string> Read()
    {
        var map = new Dictionary<string, string>();
        if (!File.Exists(DigestFile)) return map;
        foreach (var line in File.ReadAllLines(DigestFile))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int tab = line.IndexOf('\t');
            map[line[(tab + 1)..]] = line[..tab];
        }
        return map;
    }

    private static readonly object Gate = new();

    private static void Update(string key, string digest)
    {
        lock (Gate)
        {
            var map = Read();
            map[key] = digest;
            var lines = new List<string> { "# sha256 of each bundled scenario's result document (ResultDigestTests); regenerate only on model changes" };
            lines.AddRange(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value}\t{kv.Key}"));
            File.WriteAllText(DigestFile, string.Join('\n', lines) + "\n");
        }
    }
}
