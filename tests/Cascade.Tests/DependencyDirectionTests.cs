using System.Text.RegularExpressions;
using Cascade.Tests.Preflight;

namespace Cascade.Tests;

/// <summary>
/// The library's folders depend one way: Engine ← ControlPlane ← Cluster ← Fleet ← Scenarios ← Results ← Preflight
/// ← Sweeps (the CLI, a project of its own, sits on top). A folder may use its own namespaces, the root namespace
/// (`Cascade`: input errors, text files, the JSON convention) and the folders before it, never one after it.
/// </summary>
public partial class DependencyDirectionTests
{
    private static readonly string[] Layers = ["Engine", "ControlPlane", "Cluster", "Fleet", "Scenarios", "Results", "Preflight", "Sweeps"];

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?Cascade\.(\w+)|\bCascade\.(\w+)\.", RegexOptions.Multiline)]
    private static partial Regex Reference();

    /// <summary>Every reference from a file of the library to a folder after its own: "file: Folder → Other".</summary>
    internal static List<string> Violations(string library)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(library, file).Replace('\\', '/');
            if (rel.StartsWith("bin/") || rel.StartsWith("obj/")) continue;
            int slash = rel.IndexOf('/');
            int own = slash < 0 ? -1 : Array.IndexOf(Layers, rel[..slash]);   // -1: the root namespace, below every folder
            foreach (Match m in Reference().Matches(File.ReadAllText(file)))
            {
                string target = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                int other = Array.IndexOf(Layers, target);
                if (other > own) found.Add($"{rel}: {(own < 0 ? "Cascade" : Layers[own])} → {target}");
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
}
