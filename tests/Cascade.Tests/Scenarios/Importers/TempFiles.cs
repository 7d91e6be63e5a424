namespace Cascade.Tests.Scenarios.Importers;

/// <summary>Files under the temp directory that a test writes and that go when it ends.</summary>
internal sealed class TempFiles : IDisposable
{
    private readonly List<string> _paths = new();

    /// <summary>A new path with this suffix (the file is not created).</summary>
    public string Path(string suffix)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cascade-import-" + Guid.NewGuid().ToString("N") + suffix);
        _paths.Add(path);
        return path;
    }

    public string Write(string text, string suffix)
    {
        var path = Path(suffix);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Lines, each ended by a newline, as a log file.</summary>
    public string WriteLines(IEnumerable<string> lines, string suffix = ".log") => Write(string.Join("", lines.Select(l => l + "\n")), suffix);

    public void Dispose()
    {
        foreach (var p in _paths)
            if (Directory.Exists(p)) Directory.Delete(p, recursive: true);
            else File.Delete(p);
    }
}
