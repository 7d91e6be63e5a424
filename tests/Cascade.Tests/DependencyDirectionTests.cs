using System.Text.RegularExpressions;
using Cascade.Tests.Preflight;

namespace Cascade.Tests;

/// <summary>
/// The library's folders depend one way: Engine ← Samples ← ControlPlane ← Cluster ← Fleet ← Scenarios ← Results ←
/// Preflight ← Sweeps (the CLI, a project of its own, sits on top). A folder may use its own namespaces, the root
/// namespace (`Cascade`: input errors, text files, the JSON and YAML conventions) and the folders before it, never
/// one after it. The writers of Results read samples, never the models: they use Samples alone.
/// </summary>
public partial class DependencyDirectionTests
{
    private static readonly string[] Layers = ["Engine", "Samples", "ControlPlane", "Cluster", "Fleet", "Scenarios", "Results", "Preflight", "Sweeps"];

    /// <summary>The files that turn a run's time series into text: they may use the samples, nothing the models are made of.</summary>
    private static readonly string[] SampleReaders = ["Results/TimeSeriesCsv.cs", "Results/ProductSeries.cs", "Results/OpenMetrics.cs", "Results/Report/RunReport.cs", "Results/Report/DataPlaneReport.cs"];

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?Cascade\.(\w+)|\bCascade\.(\w+)\.", RegexOptions.Multiline)]
    private static partial Regex Reference();

    /// <summary>
    /// Every reference from a file of the library to a folder after its own ("file: Folder → Other"), and from a
    /// writer of samples to a folder other than Samples ("file: reads Other, not samples").
    /// </summary>
    internal static List<string> Violations(string library)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(library, file).Replace('\\', '/');
            if (rel.StartsWith("bin/") || rel.StartsWith("obj/")) continue;
            int slash = rel.IndexOf('/');
            int own = slash < 0 ? -1 : Array.IndexOf(Layers, rel[..slash]);   // -1: the root namespace, below every folder
            bool readsSamples = SampleReaders.Contains(rel);
            foreach (Match m in Reference().Matches(File.ReadAllText(file)))
            {
                string target = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                int other = Array.IndexOf(Layers, target);
                if (other > own) found.Add($"{rel}: {(own < 0 ? "Cascade" : Layers[own])} → {target}");
                else if (readsSamples && other >= 0 && other != own && target != "Samples") found.Add($"{rel}: reads {target}, not samples");
            }
        }
        return found.Distinct().ToList();
    }

    [Fact]
    public void No_folder_of_the_library_uses_a_folder_that_comes_after_it()
    {
        var library = Path.Combine(PreflightFixtures.RepoRoot(), "src", "Cascade");
        foreach (var layer in Layers) Assert.True(Directory.Exists(Path.Combine(library, layer)), $"src/Cascade/{layer} is missing");
        var violations = Violations(library);
        Assert.True(violations.Count == 0, "imports against the direction:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void A_model_file_that_imports_the_results_is_caught()
    {
        var dir = Path.Combine(PreflightFixtures.TempFile("lib"));
        Directory.CreateDirectory(Path.Combine(dir, "Cluster"));
        Directory.CreateDirectory(Path.Combine(dir, "Results"));
        File.WriteAllText(Path.Combine(dir, "Cluster", "Kubelets.cs"), "using Cascade.Engine;\nusing Cascade.Results;\nnamespace Cascade.Cluster;\n");
        File.WriteAllText(Path.Combine(dir, "Results", "Summary.cs"), "using Cascade.Cluster;\nnamespace Cascade.Results;\nclass S { Cascade.Preflight.Verdict? V; }\n");
        File.WriteAllText(Path.Combine(dir, "Json.cs"), "namespace Cascade;\nclass J { Cascade.Engine.Simulation? S; }\n");
        Assert.Equal(["Cluster/Kubelets.cs: Cluster → Results", "Json.cs: Cascade → Engine", "Results/Summary.cs: Results → Preflight"], Violations(dir));
    }

    [Fact]
    public void A_writer_of_the_results_that_reads_a_model_is_caught()
    {
        var dir = Path.Combine(PreflightFixtures.TempFile("lib"));
        Directory.CreateDirectory(Path.Combine(dir, "Results"));
        File.WriteAllText(Path.Combine(dir, "Results", "TimeSeriesCsv.cs"), "using Cascade.Samples;\nusing Cascade.Engine;\nnamespace Cascade.Results;\n");
        File.WriteAllText(Path.Combine(dir, "Results", "OpenMetrics.cs"), "using Cascade.Samples;\nnamespace Cascade.Results;\nclass O { Cascade.ControlPlane.ApiServerSet? A; }\n");
        File.WriteAllText(Path.Combine(dir, "Results", "ProductSeries.cs"), "using Cascade.Samples;\nnamespace Cascade.Results;\n");
        File.WriteAllText(Path.Combine(dir, "Results", "ScenarioRunner.cs"), "using Cascade.Cluster;\nusing Cascade.Samples;\nnamespace Cascade.Results;\n");
        Assert.Equal(["Results/OpenMetrics.cs: reads ControlPlane, not samples", "Results/TimeSeriesCsv.cs: reads Engine, not samples"], Violations(dir));
    }
}
