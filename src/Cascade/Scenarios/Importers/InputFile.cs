using System.IO.Compression;

namespace Cascade.Scenarios.Importers;

/// <summary>Opens a file an importer reads as a stream, gunzipping it when it starts with gzip's magic bytes (1f 8b, RFC 1952), whatever its name.</summary>
public static class InputFile
{
    public static Stream Open(string path)
    {
        if (Directory.Exists(path)) throw new InputException("is a directory, not a file", path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException("no such file", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read the file: {e.Message}", path);
        }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) return new GZipStream(file, CompressionMode.Decompress);
        return file;
    }
}

/// <summary>
/// Reads a stream line by line into one reused buffer, so a file of any length is never held whole. A line
/// longer than <see cref="MaxLineBytes"/> is skipped and reported as such, which bounds the buffer too.
/// </summary>
public sealed class LineReader : IDisposable
{
    /// <summary>The longest line kept: an audit Event at level RequestResponse carries the whole response, so a LIST of a large cluster's pods can be tens of MiB.</summary>
    public const int MaxLineBytes = 256 << 20;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;

    public LineReader(Stream stream, int maxLineBytes = MaxLineBytes)
    {
        _stream = stream;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The line last returned was longer than the limit; it came back empty.</summary>
    public bool LastLineTooLong { get; private set; }

    /// <summary>The next line without its end (\n or \r\n) or a leading UTF-8 BOM; false at the end of the stream.</summary>
    public bool Next(out ReadOnlySpan<byte> line)
    {
        LastLineTooLong = false;
        int scanned = 0;
        while (true)
        {
            int nl = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                int end = _start + scanned + nl;
                line = Trim(_buffer.AsSpan(_start, end - _start));
                _start = end + 1;
                LineNumber++;
                if (LastLineTooLong) line = default;
                return true;
            }
            scanned = _end - _start;
            if (_eof)
            {
                if (_end == _start && !LastLineTooLong)
                {
                    line = default;
                    return false;
                }
                line = LastLineTooLong ? default : Trim(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                LineNumber++;
                return true;
            }
            if (scanned >= _maxLineBytes)
            {
                // Drop what is held of the overlong line and keep scanning for its end.
                LastLineTooLong = true;
                _start = _end = 0;
                scanned = 0;
            }
            Fill();
        }
    }

    private ReadOnlySpan<byte> Trim(Span<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        if (LineNumber == 0 && line.StartsWith("\uFEFF"u8)) line = line[3..];
        return line;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _maxLineBytes + (1 << 16)));
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true;
        _end += n;
    }

    public void Dispose() => _stream.Dispose();
}
