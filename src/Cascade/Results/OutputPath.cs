namespace Cascade.Results;

/// <summary>
/// Checks, before a run starts, that its outputs can be written where the flags say: a long run that ends in
/// "cannot write" has wasted its time, and one that fails half-way through writing leaves half a set. Creates
/// nothing: the nearest folder that exists must be a folder one can create files in.
/// </summary>
public static class OutputPath
{
    /// <summary>Throws an <see cref="InputException"/> naming <paramref name="flag"/> unless <paramref name="dir"/> is or can become a folder.</summary>
    public static void CheckFolder(string dir, string flag)
    {
        var full = Path.GetFullPath(dir);
        if (File.Exists(full)) throw new InputException($"'{dir}' is a file, not a folder", field: flag);
        CheckCanCreateIn(Existing(full), dir, flag);
    }

    /// <summary>Throws an <see cref="InputException"/> naming <paramref name="flag"/> unless a file can be written at <paramref name="path"/>.</summary>
    public static void CheckFile(string path, string flag)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new InputException($"'{path}' is a folder, not a file", field: flag);
        CheckCanCreateIn(Existing(Path.GetDirectoryName(full)!), path, flag);
    }

    /// <summary>The path itself if it exists, else its nearest ancestor that does.</summary>
    private static string Existing(string full)
    {
        var at = full;
        while (!Directory.Exists(at) && !File.Exists(at) && Path.GetDirectoryName(at) is { } parent) at = parent;
        return at;
    }

    private static void CheckCanCreateIn(string existing, string given, string flag)
    {
        if (File.Exists(existing)) throw new InputException($"cannot write '{given}': '{existing}' is a file, not a folder", field: flag);
        var probe = Path.Combine(existing, $".cascade-probe.{Environment.ProcessId}.tmp");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{given}': {e.Message}", field: flag);
        }
    }
}
