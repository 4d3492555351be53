using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Loads the MovieLens files published by GroupLens: ratings, movies, and per-user item sequences.</summary>
/// <remarks>
/// <para>
/// Ratings: ML-1M/10M <c>ratings.dat</c> (<c>userId::movieId::rating::timestamp</c>) and ML-20M/25M
/// <c>ratings.csv</c> (header <c>userId,movieId,rating,timestamp</c>). Movies: <c>movies.dat</c>
/// (<c>movieId::title::genres</c>, Latin-1) and <c>movies.csv</c> (<c>movieId,title,genres</c>, UTF-8, CSV quoting).
/// The format is recognised from the first line, not from the file name. Any file may be gzip-compressed; gzip is
/// recognised by its magic bytes. Empty lines are skipped.
/// </para>
/// <para>
/// The files are parsed by a span-based line parser, about a second per million lines. A malformed line throws a
/// <see cref="FormatException"/> naming the file, the 1-based line number, the line and what was expected.
/// To fetch the files themselves, see <see cref="MovieLensDownloader"/>.
/// </para>
/// <para>
/// MovieLens data is licensed by GroupLens for research use only and may not be redistributed; see the README in
/// each archive.
/// </para>
/// </remarks>
public static class MovieLens
{
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
    /// <param name="mlContext">The context whose <see cref="MLContext.Data"/> builds the data view.</param>
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
        var ratings = new List<MovieLensRating>();
        using (var reader = RatingsFileReader.Open(ResolveFile(path, _ratingsFileNames, "ratings")))
        {
            while (reader.TryRead(out var rating))
                ratings.Add(rating);
        }
        return mlContext.Data.LoadFromEnumerable(ratings);
    }

    /// <summary>Reads a MovieLens ratings file lazily, one rating at a time, in file order.</summary>
    /// <remarks>
    /// The same parser as <see cref="LoadRatings"/>; the path is resolved now, the file is read while enumerating,
    /// and each enumeration reads it again.
    /// </remarks>
    /// <param name="path">A ratings file, or a folder holding one; see <see cref="LoadRatings"/>.</param>
    /// <returns>The ratings, in file order; a new object per rating.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or no ratings file in the folder.</exception>
    /// <exception cref="FormatException">While enumerating: a line is malformed.</exception>
    public static IEnumerable<MovieLensRating> ReadRatings(string path)
    {
        string file = ResolveFile(path, _ratingsFileNames, "ratings");
        return Enumerate(file);

        static IEnumerable<MovieLensRating> Enumerate(string file)
        {
            using var reader = RatingsFileReader.Open(file);
            while (reader.TryRead(out var rating))
                yield return rating;
        }
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
        => MoviesFileReader.Read(ResolveFile(path, _moviesFileNames, "movies")).AsReadOnly();

    /// <summary>Loads a sequences file into an <see cref="IDataView"/>, one row per user in file order.</summary>
    /// <remarks>
    /// Each line is <c>userId item item ...</c>, integers separated by single spaces, items oldest first, plain or
    /// gzip; this is the format of <c>ml-1m/sequences.all-users.txt.gz</c>. The columns are
    /// <see cref="ColumnNames.UserId"/> (<see cref="int"/>) and <see cref="ColumnNames.History"/> (variable-length
    /// vector of <see cref="int"/>). The file is read completely here.
    /// </remarks>
    /// <param name="mlContext">The context whose <see cref="MLContext.Data"/> builds the data view.</param>
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
        var rows = new List<SequenceRow>();
        foreach (var (userId, items) in ReadSequences(path))
            rows.Add(new SequenceRow { UserId = userId, History = items });
        return mlContext.Data.LoadFromEnumerable(rows);
    }

    /// <summary>Reads a sequences file lazily, one user at a time, in file order.</summary>
    /// <remarks>The same parser as <see cref="LoadSequences"/>; each enumeration reads the file again.</remarks>
    /// <param name="path">The sequences file; see <see cref="LoadSequences"/> for its format.</param>
    /// <returns>Each user's id and items, oldest first; a new array per user.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="FormatException">While enumerating: a line is malformed or has no items.</exception>
    public static IEnumerable<(int UserId, int[] Items)> ReadSequences(string path)
    {
        string file = ResolveFile(path, [], "sequences");
        return Enumerate(file);

        static IEnumerable<(int UserId, int[] Items)> Enumerate(string file)
        {
            using var reader = SequencesFileReader.Open(file);
            while (reader.TryRead(out int userId, out int[] items))
                yield return (userId, items);
        }
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
}
