using System.Text;

namespace Cascade.Results;

/// <summary>
/// Writes an output file under a temporary name in the same directory and renames it into place, so a
/// reader (or a CI job) never sees a half-written result, even if the run is killed mid-write. A path
/// that cannot be written (no permission, a file where a directory should be, a full disk) is the
/// user's to fix, so it is reported as bad input naming the path.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(tmp, contents, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot write '{path}': {e.Message}");
        }
        finally
        {
            try
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing was written under the temporary name, or it cannot be removed either: the error above says why.
            }
        }
    }
}
