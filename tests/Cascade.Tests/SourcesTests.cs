using System.Text.RegularExpressions;
using Cascade.Tests.Preflight;

namespace Cascade.Tests;

/// <summary>Every citation in the repository can be followed from a clone of it.</summary>
public partial class SourcesTests
{
    private static readonly string[] Folders = { "src", "tests", "docs", "scenarios", "bench", "calibration" };
    private static readonly string[] Extensions = { ".cs", ".md", ".yaml", ".sh", ".py" };

    private static IEnumerable<(string Path, string Text)> CitingFiles()
    {
        var root = PreflightFixtures.RepoRoot();
        var readme = Path.Combine(root, "README.md");
        yield return (readme, File.ReadAllText(readme));
        foreach (var folder in Folders)
        {
            var dir = Path.Combine(root, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (rel.Contains("/bin/") || rel.Contains("/obj/") || rel.Contains("node_modules")) continue;
                if (!Extensions.Contains(Path.GetExtension(file))) continue;
                yield return (rel, File.ReadAllText(file));
            }
        }
    }

    [Fact]
    public void No_file_cites_a_source_outside_the_repository()
    {
        var outside = CitingFiles()
            .Where(f => !f.Path.EndsWith("SourcesTests.cs"))
            .SelectMany(f => OutsideCitation().Matches(f.Text).Select(m => $"{f.Path}: {m.Value}"))
            .ToList();
        Assert.True(outside.Count == 0, "citations outside the repository:\n" + string.Join("\n", outside.Take(20)));
    }

    [Fact]
    public void Every_cited_section_of_the_sources_page_exists()
    {
        var sources = File.ReadAllText(Path.Combine(PreflightFixtures.RepoRoot(), "docs", "sources.md"));
        var sections = SectionHeading().Matches(sources).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("2.4", sections); // the page is read as intended
        var dangling = CitingFiles()
            .SelectMany(f => SourceCitation().Matches(f.Text).Select(m => (f.Path, Section: m.Groups[1].Value.TrimEnd('.'))))
            .Where(c => !sections.Contains(c.Section))
            .Select(c => $"{c.Path}: §{c.Section}")
            .Distinct()
            .ToList();
        Assert.True(dangling.Count == 0, "citations of sections docs/sources.md does not have:\n" + string.Join("\n", dangling.Take(20)));
    }

    [GeneratedRegex(@"MODEL\.md|\.\./shared/")]
    private static partial Regex OutsideCitation();

    [GeneratedRegex(@"docs/sources\.md §([0-9.]+)")]
    private static partial Regex SourceCitation();

    [GeneratedRegex(@"^#+ §([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex SectionHeading();
}
