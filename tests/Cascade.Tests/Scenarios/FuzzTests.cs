using Cascade.Scenarios;
using Cascade.Results;

namespace Cascade.Tests.Scenarios;

/// <summary>
/// Mutated scenario files through the CLI's loading path: each is either a valid scenario or an input error
/// whose every line is located (file, line, column) — never another exception. The mutants are drawn from a seeded generator, so a failure
/// names the seed that reproduces it; `CASCADE_FUZZ=100000 dotnet test --filter FuzzTests` runs more.
/// </summary>
public class FuzzTests
{
    // Pieces a fuzzer or a careless edit puts into YAML: structure, quoting, anchors, and numbers at the edges.
    private static readonly string[] Tokens =
    {
        "{", "}", "[", "]", ":", ": ", "- ", ",", "'", "\"", "#", "&a ", "*a", "!!str ", "|", ">", "\t", "\n", "  ", "%",
        "0", "-1", "0s", "-5m", "1e308", "18446744073709551616", "NaN", ".inf", "999999999999", "1000000d", "0.0001",
        "null", "~", "true", "yes", "\u00e9", "\\", "../..", "x", "[[[[[[[[", "{a: {a: {a: ",
    };

    private static string Mutate(string text, Random rng)
    {
        int edits = 1 + rng.Next(4);
        for (int k = 0; k < edits && text.Length > 0; k++)
        {
            int at = rng.Next(text.Length);
            switch (rng.Next(5))
            {
                case 0: text = text.Insert(at, Tokens[rng.Next(Tokens.Length)]); break;                   // insert a token
                case 1: text = text.Remove(at, Math.Min(text.Length - at, 1 + rng.Next(12))); break;      // delete a run
                case 2:                                                                                   // replace a value after a colon
                {
                    int colon = text.IndexOf(": ", at, StringComparison.Ordinal);
                    if (colon < 0) break;
                    int end = text.IndexOf('\n', colon);
                    if (end < 0) end = text.Length;
                    text = text[..(colon + 2)] + Tokens[rng.Next(Tokens.Length)] + text[end..];
                    break;
                }
                case 3:                                                                                   // duplicate a line
                {
                    int start = text.LastIndexOf('\n', at) + 1, end = text.IndexOf('\n', at);
                    if (end < 0) end = text.Length;
                    if (end > start) text = text.Insert(end, "\n" + text[start..end]);
                    break;
                }
                default: text = text.Remove(at, 1).Insert(at, ((char)rng.Next(32, 127)).ToString()); break; // flip a character
            }
        }
        return text;
    }

    // Every this many accepted mutants, one is also run for a simulated minute with the request accounting checked.
    private const int SimulateEvery = 40, MaxSimulated = 25;

    /// <summary>Runs an accepted mutant for one minute (if it is small enough to be quick) and checks each cluster's accounting.</summary>
    private static bool Simulate(string file, int seed)
    {
        try
        {
            var scenario = ScenarioLoader.LoadFile(file, new[] { "duration=1m" });
            if (scenario.ExpandedClusters().Sum(c => (long)c.Nodes) > 20_000) return false;
            var o = ScenarioRunner.Run(scenario, 1, Path.GetDirectoryName(file));
            foreach (var c in o.Fleet.Clusters) c.Api.CheckAccounting();
            return true;
        }
        catch (InputException) { return false; } // shortened to a minute, a fault or action may now lie past the end
        catch (Exception e)
        {
            Assert.Fail($"seed {seed}: an accepted scenario failed to run: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    [Fact]
    public void Every_mutated_scenario_is_valid_or_one_located_input_error()
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("CASCADE_FUZZ"), out int n) && n > 0 ? n : 2000;
        var sources = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml").OrderBy(f => f, StringComparer.Ordinal)
            .Select(File.ReadAllText).ToArray();
        Assert.NotEmpty(sources);
        var dir = Path.Combine(Path.GetTempPath(), "cascade-fuzz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        int valid = 0, located = 0, simulated = 0;
        try
        {
            for (int seed = 0; seed < runs; seed++)
            {
                var rng = new Random(seed);
                string file = Path.Combine(dir, "mutant.yaml");
                File.WriteAllText(file, Mutate(sources[seed % sources.Length], rng));
                try
                {
                    ScenarioLoader.LoadFile(file);
                    valid++;
                    if (valid % SimulateEvery == 0 && simulated < MaxSimulated) simulated += Simulate(file, seed) ? 1 : 0;
                }
                catch (InputException e)
                {
                    Assert.True(e.File is not null && e.Line >= 1, $"seed {seed}: an input error without its place: {e.Message}");
                    // Several mistakes are several lines (ErrorList), each located in the file.
                    foreach (var line in e.Describe().Split('\n'))
                        if (!line.StartsWith(file + ":", StringComparison.Ordinal) && !line.StartsWith("... and ", StringComparison.Ordinal))
                            Assert.Fail($"seed {seed}: a line without its place: {line}\n{e.Describe()}");
                    located++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"seed {seed}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
        Console.WriteLine($"fuzz: {runs} mutants, {valid} valid ({simulated} of them simulated for a minute), {located} located input errors, 0 crashes");
        Assert.True(simulated > 0, "no accepted mutant was simulated");
        Assert.True(located > runs / 4, $"only {located} of {runs} mutants were rejected: the mutations are too weak to test anything");
    }

    [Fact]
    public void A_multi_line_value_in_the_wrong_place_is_shown_on_one_line()
    {
        // Found by the fuzzer (seed 48040 of 100,000): a block string where a list belongs was echoed whole.
        const string yaml = "apiVersion: cascade/v1\nkind: Scenario\nduration: 10m\ncluster: {name: prod, nodes: 10}\nworkloads: |\n  - name: a\n    identity: x\n";
        var e = Assert.Throws<InputException>(() => Cascade.Scenarios.Binding.YamlBinder.Load<Cascade.Scenarios.Schema.Scenario>(
            yaml, "one-line.yaml", Array.Empty<string>(), ScenarioLoader.ApiVersion, ScenarioLoader.Kind));
        Assert.DoesNotContain('\n', e.Describe());
        Assert.Contains("workloads: expected a list, got the string '- name: a\\n  identity: x", e.Describe());
    }
}
