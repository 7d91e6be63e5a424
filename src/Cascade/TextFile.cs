using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Cascade;

/// <summary>
/// Reading a file a user gave (a scenario, an APF file) as UTF-8, strictly: a byte that is not UTF-8 is an
/// <see cref="InputException"/> at its line and column, where File.ReadAllText would put a U+FFFD in its
/// place and a name or a selector would silently differ from what the author typed.
/// </summary>
internal static class TextFile
{
    public static string ReadUtf8(string path)
    {
        if (Directory.Exists(path)) throw new InputException("is a directory, not a file", path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException("no such file", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read the file: {e.Message}", path);
        }
        return DecodeUtf8(bytes, path);
    }

    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string? file)
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (bytes.StartsWith(bom)) bytes = bytes[bom.Length..];
        var chars = new char[bytes.Length];
        var status = Utf8.ToUtf16(bytes, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done) return new string(chars, 0, written);

        int line = 1, lineStart = 0;
        for (int i = 0; i < read; i++)
            if (bytes[i] == (byte)'\n') (line, lineStart) = (line + 1, i + 1);
        int column = Encoding.UTF8.GetCharCount(bytes[lineStart..read]) + 1;
        throw new InputException($"byte 0x{bytes[read]:X2} is not UTF-8 (save the file as UTF-8)", file, line, column);
    }
}
