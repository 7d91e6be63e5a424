namespace Cascade.Results;

/// <summary>
/// Writes a run's set of files into its folder, whole or not at all as far as a reader can tell. A new folder
/// is filled under a temporary name beside it (".NAME.PID.partial") and renamed into place in one step. Into a
/// folder that exists (a rerun, or `--out .`), whose other files are the user's, each file is renamed into
/// place in turn, the last one named last after the previous run's copy of it is removed: the last file's
/// presence marks a complete set, its absence a run killed while writing.
/// </summary>
public static class OutputFolder
{
    public static void Write(string dir, IReadOnlyList<OutputFile> files)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        if (!Directory.Exists(target) && TryWriteNew(dir, target, files)) return;

        var last = Path.Combine(target, files[^1].Name);
        try
        {
            if (File.Exists(last)) File.Delete(last);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot replace '{last}': {e.Message}");
        }
        foreach (var file in files) AtomicFile.Write(Path.Combine(dir, file.Name), file.Write);
    }

    /// <summary>False when the folder appeared meanwhile (another run); then the files go in one by one.</summary>
    private static bool TryWriteNew(string dir, string target, IReadOnlyList<OutputFile> files)
    {
        var staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            foreach (var file in files) AtomicFile.WriteNew(Path.Combine(staging, file.Name), file.Write);
            if (Directory.Exists(target)) return false;
            Directory.Move(staging, target);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(target)) return false;
            throw new InputException($"cannot write '{dir}': {e.Message}");
        }
        finally
        {
            try
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind under a name that says it is partial; the error above, if any, says why.
            }
        }
    }
}

/// <summary>One file of a run's set: its name in the folder and what writes its contents.</summary>
public sealed record OutputFile(string Name, Action<TextWriter> Write)
{
    public static OutputFile Text(string name, string text) => new(name, w => w.Write(text));
}
