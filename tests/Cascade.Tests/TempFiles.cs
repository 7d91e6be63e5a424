namespace Cascade.Tests;

/// <summary>Files and folders under the temp directory that a test writes and that go when it ends (passed or not).</summary>
internal sealed class TempFiles(string prefix = "cascade-test-") : IDisposable
{
    private readonly List<string> _paths = new();

    /// <summary>A new path with this suffix (nothing is created: a file, or an output folder a command makes).</summary>
    public string Path(string suffix = "")
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N") + suffix);
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
            else if (File.Exists(p)) File.Delete(p);
    }
}
