namespace Cascade.Tests.Preflight;

/// <summary>The bundled scenarios, found from the repository root.</summary>
internal static class PreflightFixtures
{
    public static string Scenario(string name) => Path.Combine(RepoRoot(), "scenarios", name);

    public static string ListStorm => Scenario("list-storm.yaml");
    public static string Replay => Scenario("openai-2024-12-11.yaml");

    public static string TempFile(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cascade-preflight-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cascade.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Cascade.slnx) not found");
    }
}
