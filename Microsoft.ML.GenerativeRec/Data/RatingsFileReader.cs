using System.Globalization;
using System.Text;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Parses a MovieLens ratings file, ML-1M/10M <c>ratings.dat</c> or ML-20M/25M <c>ratings.csv</c>.</summary>
/// <remarks>
/// The format is chosen by the first non-empty line: one holding <c>::</c> is a <c>.dat</c> line, otherwise it must be
/// the <c>.csv</c> header. Empty lines are skipped. Fields are parsed from the raw bytes, without a string per line.
/// </remarks>
internal sealed class RatingsFileReader : IDisposable
{
    internal const string DatFormat = "'userId::movieId::rating::timestamp' (ML-1M/10M ratings.dat)";
    internal const string CsvHeader = "userId,movieId,rating,timestamp";
    internal const string CsvFormat = "'userId,movieId,rating,timestamp' (ML-20M/25M ratings.csv)";

    private static ReadOnlySpan<byte> DatSeparator => "::"u8;
    private static ReadOnlySpan<byte> CsvSeparator => ","u8;
    private static readonly byte[] _csvHeaderBytes = Encoding.ASCII.GetBytes(CsvHeader);

    private readonly LineReader _lines;
    private bool? _isCsv;    // null until the first non-empty line is seen

    private RatingsFileReader(LineReader lines) => _lines = lines;

    /// <summary>Opens a ratings file, plain or gzip.</summary>
    public static RatingsFileReader Open(string path) => new(LineReader.Open(path));

    /// <summary>Reads the next rating.</summary>
    /// <returns><see langword="false"/> at the end of the file.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names file, line and expectation.</exception>
    public bool TryRead(out MovieLensRating rating)
    {
        while (_lines.TryReadLine(out var line))
        {
            if (line.IsEmpty)
                continue;
            if (_isCsv is null)
            {
                if (_lines.LineNumber == 1)
                    line = LineReader.TrimByteOrderMark(line);
                _isCsv = line.IndexOf(DatSeparator) < 0;
                if (_isCsv.Value)
                {
                    if (!line.SequenceEqual(_csvHeaderBytes))
                    {
                        throw _lines.Error(line, $"either a line {DatFormat} or the header '{CsvHeader}' " +
                            "(ML-20M/25M ratings.csv) as the first line");
                    }
                    continue;
                }
            }
            rating = Parse(line, _isCsv.Value ? CsvSeparator : DatSeparator, _isCsv.Value ? CsvFormat : DatFormat);
            return true;
        }
        rating = null!;
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => _lines.Dispose();

    private MovieLensRating Parse(ReadOnlySpan<byte> line, ReadOnlySpan<byte> separator, string format)
    {
        var rest = line;
        if (!TryTakeField(ref rest, separator, out var user) || !TryTakeField(ref rest, separator, out var movie) ||
            !TryTakeField(ref rest, separator, out var rating) || rest.IndexOf(separator) >= 0)
        {
            throw _lines.Error(line, $"{format}: exactly 4 fields");
        }
        var timestamp = rest;
        return new MovieLensRating
        {
            UserId = ParseId(line, user, "userId", format),
            MovieId = ParseId(line, movie, "movieId", format),
            Rating = ParseRating(line, rating, format),
            Timestamp = long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
                ? seconds
                : throw FieldError(line, timestamp, "timestamp (unix seconds, a non-negative integer)", format),
        };
    }

    private int ParseId(ReadOnlySpan<byte> line, ReadOnlySpan<byte> field, string name, string format)
        => int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
            ? id
            : throw FieldError(line, field, $"{name} (a non-negative 32-bit integer)", format);

    private float ParseRating(ReadOnlySpan<byte> line, ReadOnlySpan<byte> field, string format)
        => float.TryParse(field, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out float rating) &&
           float.IsFinite(rating)
            ? rating
            : throw FieldError(line, field, "rating (a number such as 4 or 3.5)", format);

    private FormatException FieldError(ReadOnlySpan<byte> line, ReadOnlySpan<byte> field, string what, string format)
        => _lines.Error(line, $"{format}, but '{LineReader.Shorten(field)}' is not a valid {what}");

    /// <summary>Splits off the text before the next <paramref name="separator"/>.</summary>
    internal static bool TryTakeField(ref ReadOnlySpan<byte> rest, ReadOnlySpan<byte> separator,
        out ReadOnlySpan<byte> field)
    {
        int at = rest.IndexOf(separator);
        if (at < 0)
        {
            field = default;
            return false;
        }
        field = rest[..at];
        rest = rest[(at + separator.Length)..];
        return true;
    }
}
