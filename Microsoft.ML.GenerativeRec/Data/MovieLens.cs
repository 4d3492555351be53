using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Loads the MovieLens files published by GroupLens: ratings, movies, and per-user item sequences.</summary>
/// <remarks>
/// <para>
/// Ratings: ML-1M/10M <c>ratings.dat</c> (<c>userId::movieId::rating::timestamp</c>) and ML-20M/25M
/// <c>ratings.csv</c> (header <c>userId,movieId,rating,timestamp</c>). Movies: <c>movies.dat</c>
/// (<c>movieId::title::genres</c>, Latin-1) and <c>movies.csv</c> (<c>movieId,title,genres</c>, UTF-8, RFC 4180
/// quoting; a quoted field cannot span lines). The format is recognised from the first line, not from the file name.
/// Any file may be gzip-compressed; gzip is recognised by its magic bytes. Empty lines and lines starting with
/// <c>//</c> are skipped, as <see cref="TextLoader"/> skips them.
/// </para>
/// <para>
/// Ratings, sequences and <c>movies.csv</c> are parsed by ML.NET's <see cref="TextLoader"/>; only <c>movies.dat</c>,
/// whose titles may hold <c>:</c>, is split by hand. A malformed line throws a <see cref="FormatException"/> naming
/// the file, the 1-based line number, the line and what was expected. The package reads the files; it does not fetch
/// them (the repository's setup step does). Why MovieLens is part of this package: docs/api.md, "MovieLens in the package".
/// </para>
/// <para>
/// MovieLens data is licensed by GroupLens for research use only and may not be redistributed; see the README in
/// each archive.
/// </para>
/// </remarks>
public static class MovieLens
{
    private const string DatSeparator = "::";
    private const string RatingsDatFormat = "'userId::movieId::rating::timestamp' (ML-1M/10M ratings.dat)";
    private const string RatingsCsvHeader = "userId,movieId,rating,timestamp";
    private const string RatingsCsvFormat = "'userId,movieId,rating,timestamp' (ML-20M/25M ratings.csv)";
    private const string MoviesDatFormat = "'movieId::title::genre1|genre2|...' (ML-1M/10M movies.dat)";
    private const string MoviesCsvHeader = "movieId,title,genres";
    private const string MoviesCsvFormat = "'movieId,title,genre1|genre2|...' (ML-20M/25M movies.csv)";
    private const string SequencesFormat =
        "'userId item1 item2 ...' (integers separated by single spaces, at least one item)";
    private const string NoGenresListed = "(no genres listed)";     // ML-20M's genres of a movie without any
    private const double MaxExactInteger = 1L << 53;               // larger timestamps would lose digits as double

    /// <summary>The fields of a ratings line, in order, as error messages describe them.</summary>
    private static readonly string[] _ratingFields =
    [
        "userId (a non-negative 32-bit integer)", "movieId (a non-negative 32-bit integer)",
        "rating (a number such as 4 or 3.5)", "timestamp (unix seconds, a non-negative integer)",
    ];

    /// <summary>The ratings files looked for in a folder, in this order.</summary>
    private static readonly string[] _ratingsFileNames = ["ratings.dat", "ratings.dat.gz", "ratings.csv"];

    /// <summary>The movies files looked for in a folder, in this order.</summary>
    private static readonly string[] _moviesFileNames = ["movies.dat", "movies.dat.gz", "movies.csv"];

    /// <summary>Loads a MovieLens ratings file into an <see cref="IDataView"/>, one row per rating.</summary>
    /// <remarks>
    /// The file is read completely here, so a malformed line fails this call and later cursors are cheap. The columns
    /// are those of <see cref="MovieLensRating"/>: <c>UserId</c> (<see cref="int"/>), <c>MovieId</c>
    /// (<see cref="int"/>), <c>Rating</c> (<see cref="float"/>) and <c>Timestamp</c> (<see cref="long"/>, unix
    /// seconds).
    /// </remarks>
    /// <param name="mlContext">The context whose <see cref="MLContext.Data"/> reads the file and builds the view.</param>
    /// <param name="path">
    /// A ratings file, or a folder holding <c>ratings.dat</c>, <c>ratings.dat.gz</c> or <c>ratings.csv</c> (the first
    /// found, in that order), such as the extracted <c>ml-1m</c> or <c>ml-20m</c> archive.
    /// </param>
    /// <returns>The ratings, in file order.</returns>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="mlContext"/> or <paramref name="path"/> is null.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no such file, or no ratings file in the folder.</exception>
    /// <exception cref="FormatException">A line is malformed.</exception>
    public static IDataView LoadRatings(MLContext mlContext, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var ratings = ReadRatingsFile(mlContext, ResolveFile(path, _ratingsFileNames, "ratings")).ToList();
        return mlContext.Data.LoadFromEnumerable(ratings);
    }

    /// <summary>Reads a MovieLens ratings file lazily, one rating at a time, in file order.</summary>
    /// <remarks>
    /// The same reader as <see cref="LoadRatings"/>. The path is resolved and the format recognised from the first
    /// line now; the ratings are read while enumerating, and each enumeration reads the file again.
    /// </remarks>
    /// <param name="path">A ratings file, or a folder holding one; see <see cref="LoadRatings"/>.</param>
    /// <returns>The ratings, in file order; a new object per rating.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or no ratings file in the folder.</exception>
    /// <exception cref="FormatException">
    /// The first line is neither a ratings line nor the csv header; or, while enumerating, a line is malformed.
    /// </exception>
    public static IEnumerable<MovieLensRating> ReadRatings(string path)
    {
        string file = ResolveFile(path, _ratingsFileNames, "ratings");
        return ReadRatingsFile(new MLContext(), file);
    }

    /// <summary>Reads a MovieLens movies file: ids, titles and genres, in file order.</summary>
    /// <param name="path">
    /// A movies file, or a folder holding <c>movies.dat</c>, <c>movies.dat.gz</c> or <c>movies.csv</c> (the first
    /// found, in that order).
    /// </param>
    /// <returns>The movies, in file order. The ML-20M genre list "(no genres listed)" becomes an empty list.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or no movies file in the folder.</exception>
    /// <exception cref="FormatException">A line is malformed.</exception>
    public static IReadOnlyList<Movie> LoadMovies(string path)
    {
        string resolved = ResolveFile(path, _moviesFileNames, "movies");
        var datFile = new MovieLensFile(resolved, Encoding.Latin1);
        var movies = IsCsv(datFile, MoviesCsvHeader, MoviesDatFormat, MoviesCsvFormat)
            ? ReadMoviesCsv(new MLContext(), new MovieLensFile(resolved, Encoding.UTF8))
            : ReadMoviesDat(datFile);
        return movies.ToList().AsReadOnly();
    }

    /// <summary>Loads a sequences file into an <see cref="IDataView"/>, one row per user in file order.</summary>
    /// <remarks>
    /// Each line is <c>userId item item ...</c>, integers separated by single spaces, items oldest first, plain or
    /// gzip; this is the format of <c>ml-1m/sequences.all-users.txt.gz</c>. The columns are
    /// <see cref="ColumnNames.UserId"/> (<see cref="int"/>) and <see cref="ColumnNames.History"/> (variable-length
    /// vector of <see cref="int"/>). The file is read completely here.
    /// </remarks>
    /// <param name="mlContext">The context whose <see cref="MLContext.Data"/> reads the file and builds the view.</param>
    /// <param name="path">The sequences file.</param>
    /// <returns>The users and their item sequences, in file order.</returns>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="mlContext"/> or <paramref name="path"/> is null.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="FormatException">A line is malformed or has a user id but no items.</exception>
    public static IDataView LoadSequences(MLContext mlContext, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var rows = ReadSequencesFile(mlContext, ResolveFile(path, [], "sequences"))
            .Select(sequence => new SequenceRow { UserId = sequence.UserId, History = sequence.Items })
            .ToList();
        return mlContext.Data.LoadFromEnumerable(rows);
    }

    /// <summary>Reads a sequences file lazily, one user at a time, in file order.</summary>
    /// <remarks>The same reader as <see cref="LoadSequences"/>; each enumeration reads the file again.</remarks>
    /// <param name="path">The sequences file; see <see cref="LoadSequences"/> for its format.</param>
    /// <returns>Each user's id and items, oldest first; a new array per user.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="FormatException">While enumerating: a line is malformed or has no items.</exception>
    public static IEnumerable<(int UserId, int[] Items)> ReadSequences(string path)
    {
        string file = ResolveFile(path, [], "sequences");
        return ReadSequencesFile(new MLContext(), file);
    }

    /// <summary>Returns the file <paramref name="path"/>, or the first of <paramref name="fileNames"/> in it.</summary>
    private static string ResolveFile(string path, string[] fileNames, string kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
            return path;
        if (Directory.Exists(path))
        {
            foreach (string name in fileNames)
            {
                string candidate = Path.Combine(path, name);
                if (File.Exists(candidate))
                    return candidate;
            }
            throw new FileNotFoundException(fileNames.Length == 0
                ? $"'{path}' is a folder; expected a MovieLens {kind} file."
                : $"No MovieLens {kind} file in the folder '{path}': looked for {string.Join(", ", fileNames)}, " +
                  "in that order.");
        }
        throw new FileNotFoundException($"The MovieLens {kind} file or folder '{path}' does not exist.", path);
    }

    /// <summary>
    /// Whether <paramref name="file"/> is the <c>.csv</c> variant: its first line holds no <c>::</c> and is the header.
    /// </summary>
    private static bool IsCsv(MovieLensFile file, string csvHeader, string datFormat, string csvFormat)
    {
        var (number, text) = file.Lines().FirstOrDefault();
        if (text is null || text.Contains(DatSeparator, StringComparison.Ordinal))
            return false;
        if (text != csvHeader)
            throw file.Error(number, text, $"either a line {datFormat} or the header of {csvFormat} as the first line");
        return true;
    }

    private static IEnumerable<MovieLensRating> ReadRatingsFile(MLContext mlContext, string path)
    {
        var file = new MovieLensFile(path, Encoding.UTF8);
        bool isCsv = IsCsv(file, RatingsCsvHeader, RatingsDatFormat, RatingsCsvFormat);
        // TextLoader splits on single characters. Split on ':', "a::b" is a, an empty field, b: a .dat line holds its
        // values in fields 0, 2, 4, 6, and fields 1, 3, 5 must be empty. A .csv line holds them in fields 0 to 3.
        int stride = isCsv ? 1 : 2, gaps = isCsv ? 0 : 3;
        var options = new TextLoader.Options
        {
            Separators = [isCsv ? ',' : ':'],
            MissingRealsAsNaNs = true,
            Columns =
            [
                new(nameof(RatingLine.Values), DataKind.Double, [.. Enumerable.Range(0, 4).Select(i => new TextLoader.Range(i * stride))]),
                new(nameof(RatingLine.Others), DataKind.String,
                    [.. Enumerable.Range(0, gaps).Select(i => new TextLoader.Range(2 * i + 1)), ToEnd(3 * stride + 1)]),
            ],
        };
        return file.Read<RatingLine, MovieLensRating>(mlContext, options, hasHeader: isCsv, (line, row) =>
        {
            double user = line.Values[0], movie = line.Values[1], rating = line.Values[2], timestamp = line.Values[3];
            int bad = !IsId(user) ? 0 : !IsId(movie) ? 1 : !(double.IsFinite(rating) && rating >= 0) ? 2
                : !(double.IsInteger(timestamp) && timestamp is >= 0 and <= MaxExactInteger) ? 3 : -1;
            if (bad < 0 && line.Others.Length == gaps && line.Others.All(field => field.Length == 0))
            {
                return new MovieLensRating
                {
                    UserId = (int)user, MovieId = (int)movie, Rating = (float)rating, Timestamp = (long)timestamp,
                };
            }
            throw file.Error(row, text => RatingsError(text, isCsv, bad));
        });
    }

    /// <summary>What is wrong with a ratings line: its field count, or field <paramref name="bad"/>.</summary>
    private static string RatingsError(string line, bool isCsv, int bad)
    {
        string format = isCsv ? RatingsCsvFormat : RatingsDatFormat;
        string[] fields = line.Split(isCsv ? "," : DatSeparator);
        if (fields.Length != _ratingFields.Length)
            return $"{format}: exactly {_ratingFields.Length} fields";
        if (bad < 0)
            bad = Array.FindIndex(fields, field => field.Contains(':'));    // a stray ':' that TextLoader split on
        return $"{format}, but '{MovieLensFile.Shorten(fields[bad])}' is not a valid {_ratingFields[bad]}";
    }

    private static IEnumerable<(int UserId, int[] Items)> ReadSequencesFile(MLContext mlContext, string path)
    {
        var file = new MovieLensFile(path, Encoding.UTF8);
        var options = new TextLoader.Options
        {
            Separators = [' '],
            MissingRealsAsNaNs = true,
            Columns = [new(nameof(SequenceLine.UserId), DataKind.Double, 0), new(nameof(SequenceLine.Items), DataKind.Double, [ToEnd(1)])],
        };
        return file.Read<SequenceLine, (int, int[])>(mlContext, options, hasHeader: false, (line, row) =>
        {
            int badItem = Array.FindIndex(line.Items, item => !IsId(item));
            int bad = !IsId(line.UserId) ? 0 : badItem >= 0 ? badItem + 1 : -1;   // the 0-based token: 0 is the user id, i + 1 item i
            if (bad < 0 && line.Items.Length > 0)
                return ((int)line.UserId, Array.ConvertAll(line.Items, item => (int)item));
            throw file.Error(row, text => bad < 0
                ? $"{SequencesFormat}, but user {(int)line.UserId} has no items"
                : $"{SequencesFormat}, but '{MovieLensFile.Shorten(text.Split(' ')[bad])}' is not a valid " +
                  (bad == 0 ? "user id" : $"item (token {bad + 1})"));
        });
    }

    private static IEnumerable<Movie> ReadMoviesCsv(MLContext mlContext, MovieLensFile file)
    {
        var options = new TextLoader.Options
        {
            Separators = [','],
            AllowQuoting = true,
            MissingRealsAsNaNs = true,
            Columns =
            [
                new(nameof(MovieLine.MovieId), DataKind.Double, 0), new(nameof(MovieLine.Title), DataKind.String, 1),
                new(nameof(MovieLine.Genres), DataKind.String, 2), new(nameof(MovieLine.Others), DataKind.String, [ToEnd(3)]),
            ],
        };
        return file.Read<MovieLine, Movie>(mlContext, options, hasHeader: true, (line, row) =>
        {
            // TextLoader reads a badly quoted field as empty; no MovieLens title or genre list is empty.
            if (IsId(line.MovieId) && line.Title.Length > 0 && line.Genres.Length > 0 && line.Others.Length == 0)
                return new Movie((int)line.MovieId, line.Title, SplitGenres(line.Genres));
            throw file.Error(row, text => IsId(line.MovieId)
                ? $"{MoviesCsvFormat}: 3 non-empty fields, a field holding ',' or '\"' in double quotes"
                : $"{MoviesCsvFormat}, but '{MovieLensFile.Shorten(text.Split(',')[0])}' is not a valid movieId");
        });
    }

    /// <summary>Reads <c>movies.dat</c> by hand: a title may hold ':', which TextLoader would split on.</summary>
    private static IEnumerable<Movie> ReadMoviesDat(MovieLensFile file)
    {
        foreach (var (number, line) in file.Lines())
        {
            // The title is everything between the first and the last "::".
            int first = line.IndexOf(DatSeparator, StringComparison.Ordinal);
            int last = line.LastIndexOf(DatSeparator, StringComparison.Ordinal);
            if (first < 0 || last < first + DatSeparator.Length)
                throw file.Error(number, line, $"{MoviesDatFormat}: 3 fields separated by '{DatSeparator}'");
            if (!int.TryParse(line.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            {
                throw file.Error(number, line, $"{MoviesDatFormat}, but '{MovieLensFile.Shorten(line[..first])}' " +
                    "is not a valid movieId");
            }
            yield return new Movie(id, line[(first + DatSeparator.Length)..last],
                SplitGenres(line[(last + DatSeparator.Length)..]));
        }
    }

    private static string[] SplitGenres(string genres)
        => genres.Length == 0 || genres == NoGenresListed ? [] : genres.Split('|');

    /// <summary>Whether a value TextLoader read is an id: an integer from 0 to <see cref="int.MaxValue"/>.</summary>
    private static bool IsId(double value) => double.IsInteger(value) && value is >= 0 and <= int.MaxValue;

    /// <summary>The fields from <paramref name="first"/> to the end of the line, however many there are.</summary>
    private static TextLoader.Range ToEnd(int first) => new(first, null) { AutoEnd = false, VariableEnd = true };

    // The rows of the TextLoaders above: one member per loader column, named after it.
    private sealed class RatingLine
    {
        public double[] Values { get; set; } = [];
        public string[] Others { get; set; } = [];
    }

    private sealed class SequenceLine
    {
        public double UserId { get; set; }
        public double[] Items { get; set; } = [];
    }

    private sealed class MovieLine
    {
        public double MovieId { get; set; }
        public string Title { get; set; } = "";
        public string Genres { get; set; } = "";
        public string[] Others { get; set; } = [];
    }

    /// <summary>The row type behind <see cref="LoadSequences"/>: a user and their items, oldest first.</summary>
    private sealed class SequenceRow
    {
        [ColumnName(ColumnNames.UserId)]
        public int UserId { get; set; }

        /// <summary>The user's item ids in time order; a variable-length vector column.</summary>
        [ColumnName(ColumnNames.History)]
        [VectorType]
        public int[] History { get; set; } = [];
    }
}
