using Cascade.Scenarios;

namespace Cascade.Cli;

/// <summary>The scenarios shipped with the tool (copied next to it at build time).</summary>
public static class Bundled
{
    public sealed record Replay(string Name, string Description, string Source, string Path);

    public static string Directory
    {
        get
        {
            var beside = System.IO.Path.Combine(AppContext.BaseDirectory, "scenarios");
            return System.IO.Directory.Exists(beside) ? beside : System.IO.Path.GetFullPath("scenarios");
        }
    }

    public static IReadOnlyList<Replay> Replays()
    {
        var list = new List<Replay>();
        if (!System.IO.Directory.Exists(Directory)) return list;
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.yaml").OrderBy(f => f, StringComparer.Ordinal))
        {
            var s = ScenarioLoader.LoadFile(file);
            if (s.Replay is { } r) list.Add(new Replay(System.IO.Path.GetFileNameWithoutExtension(file), s.Metadata.Description, r.Source, file));
        }
        return list;
    }

    /// <summary>A bundled replay's file, or the argument itself when it is a path.</summary>
    public static string Resolve(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return nameOrPath;
        var bundled = System.IO.Path.Combine(Directory, nameOrPath + ".yaml");
        if (File.Exists(bundled)) return bundled;
        var known = string.Join(", ", Replays().Select(r => r.Name));
        throw new InputException($"no bundled replay named '{nameOrPath}' (known: {known})");
    }
}
