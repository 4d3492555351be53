using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Reads a plain or gzip text file as lines of raw bytes, without allocating per line.</summary>
/// <remarks>
/// Gzip is detected by the magic bytes <c>1F 8B</c>, not by the file name. Lines end with LF; a CR before the LF is
/// dropped, and the last line needs no LF. A returned span is valid until the next call to <see cref="TryReadLine"/>.
/// </remarks>
internal sealed class LineReader : IDisposable
{
    private const int InitialBufferSize = 1 << 16;
    private const int MaxLineLengthInMessages = 200;
    private static readonly byte[] _gzipMagic = [0x1F, 0x8B];
    private static readonly byte[] _utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly Stream _stream;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;     // first byte of the next line
    private int _scanned;   // bytes after _start already known to hold no LF
    private int _end;       // end of the valid bytes
    private bool _endOfStream;

    private LineReader(string path, Stream stream)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>The path of the file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The 1-based number of the line last returned, 0 before the first.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Opens <paramref name="path"/>, decompressing it if it starts with the gzip magic bytes.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LineReader Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The MovieLens file '{path}' does not exist.", path);

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1,
            FileOptions.SequentialScan);
        try
        {
            return new LineReader(path, IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next line, without its line ending.</summary>
    /// <returns><see langword="false"/> at the end of the file.</returns>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int length = _scanned + newline;
                line = TrimCarriageReturn(_buffer.AsSpan(_start, length));
                _start += length + 1;
                _scanned = 0;
                LineNumber++;
                return true;
            }
            _scanned = _end - _start;
            if (_endOfStream)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = TrimCarriageReturn(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                _scanned = 0;
                LineNumber++;
                return true;
            }
            Fill();
        }
    }

    /// <summary>Builds the exception for a malformed line, naming the file, the line and what was expected.</summary>
    /// <param name="line">The raw line, decoded as Latin-1 (every byte is one character) for the message.</param>
    /// <param name="expected">What a valid line looks like, and why this one is not.</param>
    public FormatException Error(ReadOnlySpan<byte> line, string expected)
        => Error(Encoding.Latin1.GetString(line), expected);

    /// <summary>Builds the exception for a malformed line, naming the file, the line and what was expected.</summary>
    /// <param name="line">The line as text; shown truncated to 200 characters.</param>
    /// <param name="expected">What a valid line looks like, and why this one is not.</param>
    /// <param name="lineNumber">The 1-based line number to report; <see cref="LineNumber"/> if null.</param>
    public FormatException Error(string line, string expected, long? lineNumber = null)
    {
        return new FormatException(
            $"{Path}: line {lineNumber ?? LineNumber} is malformed: '{Shorten(line)}'. Expected {expected}.");
    }

    /// <summary>Truncates text quoted in an error message to 200 characters, marking the cut with "...".</summary>
    public static string Shorten(string text)
        => text.Length <= MaxLineLengthInMessages ? text : text[..MaxLineLengthInMessages] + "...";

    /// <summary>Decodes a field as Latin-1 (one character per byte) and truncates it for an error message.</summary>
    public static string Shorten(ReadOnlySpan<byte> field) => Shorten(Encoding.Latin1.GetString(field));

    /// <summary>Removes a UTF-8 byte order mark from the start of <paramref name="line"/>, if there is one.</summary>
    public static ReadOnlySpan<byte> TrimByteOrderMark(ReadOnlySpan<byte> line)
        => line.StartsWith(_utf8ByteOrderMark) ? line[_utf8ByteOrderMark.Length..] : line;

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return read == magic.Length && magic.SequenceEqual(_gzipMagic);
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line)
        => line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private void Fill()
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _start = 0;
            _end = pending;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);          // a line longer than the buffer
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
            _endOfStream = true;
        _end += read;
    }
}
