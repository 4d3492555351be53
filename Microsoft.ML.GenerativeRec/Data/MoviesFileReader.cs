using System.Globalization;
using System.Text;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Parses a MovieLens movies file, ML-1M/10M <c>movies.dat</c> or ML-20M/25M <c>movies.csv</c>.</summary>
/// <remarks>
/// The format is chosen by the first non-empty line, as in <see cref="RatingsFileReader"/>. <c>movies.dat</c> is
/// Latin-1 and <c>movies.csv</c> UTF-8. The genre list "(no genres listed)" of ML-20M becomes an empty list.
/// </remarks>
internal static class MoviesFileReader
{
    internal const string DatFormat = "'movieId::title::genre1|genre2|...' (ML-1M/10M movies.dat)";
    internal const string CsvHeader = "movieId,title,genres";
    internal const string CsvFormat = "'movieId,title,genre1|genre2|...' (ML-20M/25M movies.csv)";
    internal const string NoGenresListed = "(no genres listed)";

    private static ReadOnlySpan<byte> DatSeparator => "::"u8;

    /// <summary>Reads every movie in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FormatException">A line is malformed; the message names file, line and expectation.</exception>
    public static List<Movie> Read(string path)
    {
        using var lines = LineReader.Open(path);
        var movies = new List<Movie>();
        bool? isCsv = null;
        var fields = new List<string>();
        while (lines.TryReadLine(out var line))
        {
            if (line.IsEmpty)
                continue;
            if (isCsv is null)
            {
                if (lines.LineNumber == 1)
                    line = LineReader.TrimByteOrderMark(line);
                isCsv = line.IndexOf(DatSeparator) < 0;
                if (isCsv.Value)
                {
                    if (Encoding.UTF8.GetString(line) != CsvHeader)
                    {
                        throw lines.Error(line, $"either a line {DatFormat} or the header '{CsvHeader}' " +
                            "(ML-20M/25M movies.csv) as the first line");
                    }
                    continue;
                }
            }
            movies.Add(isCsv.Value ? ParseCsv(lines, Encoding.UTF8.GetString(line), fields) : ParseDat(lines, line));
        }
        return movies;
    }

    private static Movie ParseDat(LineReader lines, ReadOnlySpan<byte> line)
    {
        // A title may hold a single ':', so the title is everything between the first and the last "::".
        int first = line.IndexOf(DatSeparator);
        int last = line.LastIndexOf(DatSeparator);
        if (first < 0 || last < first + DatSeparator.Length)
            throw lines.Error(line, $"{DatFormat}: 3 fields separated by '::'");
        var id = line[..first];
        if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int movieId))
        {
            throw lines.Error(line, $"{DatFormat}, but '{LineReader.Shorten(id)}' is not a valid movieId " +
                "(a non-negative 32-bit integer)");
        }
        string title = Encoding.Latin1.GetString(line[(first + DatSeparator.Length)..last]);
        string genres = Encoding.Latin1.GetString(line[(last + DatSeparator.Length)..]);
        return new Movie(movieId, title, SplitGenres(genres));
    }

    private static Movie ParseCsv(LineReader lines, string record, List<string> fields)
    {
        long firstLine = lines.LineNumber;
        CsvFields.Result result;
        while ((result = CsvFields.TrySplit(record, fields)) == CsvFields.Result.Unterminated)
        {
            if (!lines.TryReadLine(out var next))
                throw lines.Error(record, $"{CsvFormat}: a closing '\"' for the quoted field", firstLine);
            record += "\n" + Encoding.UTF8.GetString(next);
        }
        if (result == CsvFields.Result.Malformed)
        {
            throw lines.Error(record, $"{CsvFormat}: a ',' or the end of the line after a closing '\"'",
                firstLine);
        }
        if (fields.Count != 3)
            throw lines.Error(record, $"{CsvFormat}: exactly 3 fields, but found {fields.Count}", firstLine);
        if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int movieId))
        {
            throw lines.Error(record, $"{CsvFormat}, but '{LineReader.Shorten(fields[0])}' is not a valid movieId " +
                "(a non-negative 32-bit integer)", firstLine);
        }
        return new Movie(movieId, fields[1], SplitGenres(fields[2]));
    }

    private static string[] SplitGenres(string genres)
        => genres.Length == 0 || genres == NoGenresListed ? [] : genres.Split('|');
}
