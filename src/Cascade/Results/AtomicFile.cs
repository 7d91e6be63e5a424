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
    public static void WriteAllText(string path, string contents) => Write(path, w => w.Write(contents));

    /// <summary>Writes what <paramref name="write"/> writes (UTF-8, no BOM) as the file's whole contents, streamed: a large file is never one string.</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            WriteNew(tmp, write);
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

    /// <summary>Writes a file in one go through a buffered UTF-8 (no BOM) writer; not atomic by itself.</summary>
    internal static void WriteNew(string path, Action<TextWriter> write)
    {
        using var w = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        write(w);
    }
}
