using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class MovieLensTests
{
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "movielens-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    // ---- ratings ----

    [TestMethod]
    public void LoadRatings_DatFile_ReturnsTypedColumnsInFileOrder()
    {
        string path = Write("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1357::5::978298709\n");

        var view = MovieLens.LoadRatings(new MLContext(seed: 1), path);

        Assert.AreEqual(NumberDataViewType.Int32, view.Schema[ColumnNames.UserId].Type);
        Assert.AreEqual(NumberDataViewType.Int32, view.Schema[nameof(MovieLensRating.MovieId)].Type);
        Assert.AreEqual(NumberDataViewType.Single, view.Schema[nameof(MovieLensRating.Rating)].Type);
        Assert.AreEqual(NumberDataViewType.Int64, view.Schema[ColumnNames.Timestamp].Type);
        Assert.AreEqual("1::1193::5::978300760|1::661::3::978302109|2::1357::5::978298709", Format(view));
    }

    [TestMethod]
    public void LoadRatings_GzipWithoutGzExtension_DetectsGzipByMagicBytes()
    {
        string path = WriteGzip("ratings.dat", "6040::858::4::956703932\n");

        var view = MovieLens.LoadRatings(new MLContext(seed: 1), path);

        Assert.AreEqual("6040::858::4::956703932", Format(view));
    }

    [TestMethod]
    public void LoadRatings_CsvWithHeader_ReadsFractionalRatings()
    {
        string path = Write("ratings.csv",
            "userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n1,29,0.5,1112484676\n");

        var view = MovieLens.LoadRatings(new MLContext(seed: 1), path);

        Assert.AreEqual("1::2::3.5::1112486027|1::29::0.5::1112484676", Format(view));
    }

    [TestMethod]
    public void ReadRatings_CrLfLineEndingsAndNoFinalNewline_StripsCarriageReturns()
    {
        string path = Write("ratings.dat", "1::10::4::100\r\n\r\n2::20::3::200");

        var ratings = MovieLens.ReadRatings(path).ToList();

        Assert.AreEqual("1::10::4::100|2::20::3::200", Format(ratings));
    }

    [TestMethod]
    public void LoadRatings_FolderWithGzipAndCsv_PrefersRatingsDatGz()
    {
        WriteGzip("ratings.dat.gz", "7::70::1::700\n");
        Write("ratings.csv", "userId,movieId,rating,timestamp\n8,80,2,800\n");

        var view = MovieLens.LoadRatings(new MLContext(seed: 1), _folder);

        Assert.AreEqual("7::70::1::700", Format(view));
    }

    [TestMethod]
    public void LoadRatings_FolderWithoutRatings_ThrowsNamingWhatItLookedFor()
    {
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FileNotFoundException>(() => MovieLens.LoadRatings(ml, _folder));

        StringAssert.Contains(error.Message, _folder);
        StringAssert.Contains(error.Message, "ratings.dat, ratings.dat.gz, ratings.csv");
    }

    [TestMethod]
    [DataRow("2::x::5::978300760", "'x' is not a valid movieId")]
    [DataRow("2::1193::5", "exactly 4 fields")]
    [DataRow("2::1193::5::978300760::1", "exactly 4 fields")]
    [DataRow("2::1193::five::978300760", "'five' is not a valid rating")]
    [DataRow("2::1193::NaN::978300760", "'NaN' is not a valid rating")]
    [DataRow("2::1193::5::-1", "'-1' is not a valid timestamp")]
    [DataRow("99999999999::1193::5::1", "'99999999999' is not a valid userId")]
    [DataRow("2::1193::4.5::978300760.5", "'978300760.5' is not a valid timestamp")]
    [DataRow("2:7:1193::5::978300760", "exactly 4 fields")]                 // ':'-split: a non-empty gap field
    [DataRow("2::1193::5::978300760:", "'978300760:' is not a valid timestamp")]    // ':'-split: a fifth value
    public void LoadRatings_MalformedDatLine_ThrowsNamingFileLineContentAndExpectation(string line, string reason)
    {
        string path = Write("ratings.dat", $"1::1193::5::978300760\n{line}\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadRatings(ml, path));

        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, "line 2");
        StringAssert.Contains(error.Message, $"'{line}'");
        StringAssert.Contains(error.Message, "userId::movieId::rating::timestamp");
        StringAssert.Contains(error.Message, reason);
    }

    [TestMethod]
    public void LoadRatings_MalformedCsvLine_ThrowsNamingFileLineAndContent()
    {
        string path = Write("ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n1;29;0.5;1\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadRatings(ml, path));

        StringAssert.Contains(error.Message, $"{path}: line 3");
        StringAssert.Contains(error.Message, "'1;29;0.5;1'");
        StringAssert.Contains(error.Message, "exactly 4 fields");
    }

    [TestMethod]
    public void LoadRatings_MalformedLineAfterSkippedLines_NamesItsLineInTheFile()
    {
        string path = Write("ratings.dat", "1::10::4::100\n\n// a comment\n2::x::3::200\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadRatings(ml, path));

        StringAssert.Contains(error.Message, $"{path}: line 4 is malformed: '2::x::3::200'");
    }

    [TestMethod]
    public void LoadRatings_CsvWithoutHeader_ThrowsExpectingHeader()
    {
        string path = Write("ratings.csv", "1,2,3.5,1112486027\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadRatings(ml, path));

        StringAssert.Contains(error.Message, "line 1");
        StringAssert.Contains(error.Message, "the header of 'userId,movieId,rating,timestamp'");
    }

    [TestMethod]
    public void LoadRatings_LongMalformedLine_TruncatesContentTo200Characters()
    {
        string line = "1::2::3::" + new string('9', 500) + "x";
        string path = Write("ratings.dat", line + "\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadRatings(ml, path));

        StringAssert.Contains(error.Message, $"'{line[..200]}...'");
        Assert.DoesNotContain(new string('9', 201), error.Message);     // neither the line nor the field in full
    }

    // ---- movies ----

    [TestMethod]
    public void LoadMovies_DatFile_DecodesLatin1AndKeepsColonsInTitles()
    {
        string path = Path.Combine(_folder, "movies.dat");
        File.WriteAllText(path, "73::Misérables, Les (1995)::Drama|Musical\n" +
            "260::Star Wars: Episode IV - A New Hope (1977)::Action|Adventure|Fantasy|Sci-Fi\n", Encoding.Latin1);

        var movies = MovieLens.LoadMovies(path);

        Assert.HasCount(2, movies);
        Assert.AreEqual(73, movies[0].Id);
        Assert.AreEqual("Misérables, Les (1995)", movies[0].Title);
        CollectionAssert.AreEqual(new[] { "Drama", "Musical" }, movies[0].Genres.ToArray());
        Assert.AreEqual("Star Wars: Episode IV - A New Hope (1977)", movies[1].Title);
        Assert.HasCount(4, movies[1].Genres);
    }

    [TestMethod]
    public void LoadMovies_CsvFileInFolder_ParsesQuotedFieldsAndUtf8()
    {
        Write("movies.csv", "movieId,title,genres\n" +
            "11,\"American President, The (1995)\",Comedy|Drama|Romance\n" +
            "1,Toy Story (1995),Adventure|Animation\n" +
            "73,\"Misérables, Les (1995)\",Drama|War\n" +
            "26587,\"\"\"Great Performances\"\" Cats (1998)\",Musical\n" +
            "131260,Rentun Ruusu (2001),(no genres listed)\n");

        var movies = MovieLens.LoadMovies(_folder);

        Assert.AreEqual("11::American President, The (1995)::Comedy|Drama|Romance", movies[0].ToString());
        Assert.AreEqual("1::Toy Story (1995)::Adventure|Animation", movies[1].ToString());
        Assert.AreEqual("Misérables, Les (1995)", movies[2].Title);
        Assert.AreEqual("\"Great Performances\" Cats (1998)", movies[3].Title);
        Assert.IsEmpty(movies[4].Genres);
    }

    [TestMethod]
    public void LoadMovies_MalformedDatLine_ThrowsNamingFileLineAndContent()
    {
        string path = Write("movies.dat", "1::Toy Story (1995)::Animation\n2::Jumanji (1995) Adventure\n");

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadMovies(path));

        StringAssert.Contains(error.Message, $"{path}: line 2");
        StringAssert.Contains(error.Message, "'2::Jumanji (1995) Adventure'");
        StringAssert.Contains(error.Message, "movieId::title::genre1|genre2");
    }

    [TestMethod]
    [DataRow("11,\"American President, The (1995),Comedy", "in double quotes")]   // TextLoader: empty fields
    [DataRow("11,Toy Story (1995)", "3 non-empty fields")]
    [DataRow("x11,Toy Story (1995),Comedy", "'x11' is not a valid movieId")]
    public void LoadMovies_MalformedCsvLine_ThrowsNamingFileLineAndReason(string line, string reason)
    {
        string path = Write("movies.csv", $"movieId,title,genres\n1,Toy Story (1995),Comedy\n{line}\n");

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadMovies(path));

        StringAssert.Contains(error.Message, $"{path}: line 3");
        StringAssert.Contains(error.Message, "movies.csv");
        StringAssert.Contains(error.Message, reason);
    }

    // ---- sequences ----

    [TestMethod]
    public void LoadSequences_GzipFile_ReturnsUserIdAndVariableLengthHistory()
    {
        string path = WriteGzip("sequences.txt.gz", "1 3186 1721 1270\n2 1198\n");

        var view = MovieLens.LoadSequences(new MLContext(seed: 1), path);

        Assert.AreEqual(NumberDataViewType.Int32, view.Schema[ColumnNames.UserId].Type);
        var history = (VectorDataViewType)view.Schema[ColumnNames.History].Type;
        Assert.AreEqual(NumberDataViewType.Int32, history.ItemType);
        Assert.IsFalse(history.IsKnownSize);
        CollectionAssert.AreEqual(new[] { 1, 2 }, view.GetColumn<int>(ColumnNames.UserId).ToArray());
        var histories = view.GetColumn<int[]>(ColumnNames.History).ToArray();
        CollectionAssert.AreEqual(new[] { 3186, 1721, 1270 }, histories[0]);
        CollectionAssert.AreEqual(new[] { 1198 }, histories[1]);
    }

    [TestMethod]
    [DataRow("7", "user 7 has no items")]
    [DataRow("7 10  11", "'' is not a valid item (token 3)")]
    [DataRow("7 10 x", "'x' is not a valid item (token 3)")]
    [DataRow("u7 10", "'u7' is not a valid user id")]
    public void LoadSequences_MalformedLine_ThrowsNamingFileLineContentAndReason(string line, string reason)
    {
        string path = Write("sequences.txt", $"1 5 6\n{line}\n");
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FormatException>(() => MovieLens.LoadSequences(ml, path));

        StringAssert.Contains(error.Message, $"{path}: line 2");
        StringAssert.Contains(error.Message, $"'{line}'");
        StringAssert.Contains(error.Message, reason);
    }

    [TestMethod]
    public void LoadSequences_Folder_ThrowsExpectingAFile()
    {
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<FileNotFoundException>(() => MovieLens.LoadSequences(ml, _folder));

        StringAssert.Contains(error.Message, $"'{_folder}' is a folder");
    }

    // ---- real ML-1M files in ../shared/data ----

    [TestMethod]
    public void LoadSequences_MovieLens1M_HasAllUsersAndInteractions()
    {
        string path = Path.Combine(TestData.RequireMovieLens1M(), "sequences.all-users.txt.gz");
        var watch = Stopwatch.StartNew();

        var view = MovieLens.LoadSequences(new MLContext(seed: 1), path);

        TestContext.WriteLine($"LoadSequences({Path.GetFileName(path)}): {watch.Elapsed.TotalMilliseconds:F0} ms");
        var histories = view.GetColumn<int[]>(ColumnNames.History).ToList();
        Assert.HasCount(6_040, histories);                                       // data README: 6,040 lines
        Assert.AreEqual(1_000_209, histories.Sum(h => h.Length));               // the full ML-1M rating count
        Assert.AreEqual(3_706, histories.SelectMany(h => h).Distinct().Count()); // movies rated at least once
    }

    [TestMethod]
    public void LoadRatings_MovieLens1MSubset_HasUsers1To2999()
    {
        string path = Path.Combine(TestData.RequireMovieLens1M(), "ratings.users-1-2999.dat.gz");
        var watch = Stopwatch.StartNew();

        var view = MovieLens.LoadRatings(new MLContext(seed: 1), path);

        TestContext.WriteLine($"LoadRatings({Path.GetFileName(path)}): {watch.Elapsed.TotalMilliseconds:F0} ms");
        var users = view.GetColumn<int>(ColumnNames.UserId).ToList();
        Assert.HasCount(487_650, users);                                         // data README
        Assert.AreEqual(2_999, users.Distinct().Count());
        var first = new MLContext(seed: 1).Data.CreateEnumerable<MovieLensRating>(view, reuseRowObject: false).First();
        Assert.AreEqual("1::1193::5::978300760", Format([first]));
    }

    [TestMethod]
    public void LoadMovies_MovieLens1M_Has3883Movies()
    {
        string folder = TestData.RequireMovieLens1M();

        var movies = MovieLens.LoadMovies(folder);

        Assert.HasCount(3_883, movies);                                          // data README
        Assert.AreEqual("1::Toy Story (1995)::Animation|Children's|Comedy", movies[0].ToString());
    }

    [TestMethod]
    public void ReadRatings_MovieLens1MSubset_AgreesWithSequencesUpToSameSecondTies()
    {
        string folder = TestData.RequireMovieLens1M();
        var ratingsByUser = MovieLens.ReadRatings(Path.Combine(folder, "ratings.users-1-2999.dat.gz"))
            .GroupBy(r => r.UserId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).ToList());   // OrderBy is stable
        var sequences = MovieLens.ReadSequences(Path.Combine(folder, "sequences.all-users.txt.gz"))
            .Where(s => s.UserId <= 2_999)
            .ToDictionary(s => s.UserId, s => s.Items);
        int usersInExactOrder = 0;

        foreach (var (user, ratings) in ratingsByUser)
        {
            int[] sequence = sequences[user];
            var timeOf = ratings.ToDictionary(r => r.MovieId, r => r.Timestamp);
            Assert.HasCount(sequence.Length, ratings, $"user {user}");
            Assert.IsTrue(timeOf.Keys.ToHashSet().SetEquals(sequence), $"user {user}: different movies");
            for (int i = 1; i < sequence.Length; i++)
                Assert.IsLessThanOrEqualTo(timeOf[sequence[i]], timeOf[sequence[i - 1]], $"user {user}, item {i}");
            if (ratings.Select(r => r.MovieId).SequenceEqual(sequence))
                usersInExactOrder++;
        }

        Assert.HasCount(2_999, ratingsByUser);
        TestContext.WriteLine($"{usersInExactOrder} of 2,999 users have the same order in both files.");
    }

    [TestMethod]
    public void ToSequences_MovieLens1MRatingsSubset_KeepsTheFileOrderOfSameSecondRatings()
    {
        // The quality benchmark's ratings-* runs: LoadRatings + ToSequences must order each user's ratings by time and
        // keep the file's order among ratings of the same second (a stable sort), unlike the reference's pandas sort.
        string path = Path.Combine(TestData.RequireMovieLens1M(), "ratings.users-1-2999.dat.gz");
        var mlContext = new MLContext(seed: 1);
        var expected = MovieLens.ReadRatings(path)
            .GroupBy(r => r.UserId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).Select(r => r.MovieId).ToArray());   // OrderBy is stable

        var sequences = mlContext.Recommendation().Data.ToSequences(MovieLens.LoadRatings(mlContext, path), "UserId", "MovieId", "Timestamp");

        var users = sequences.GetColumn<int>(ColumnNames.UserId).ToArray();
        var histories = sequences.GetColumn<int[]>(ColumnNames.History).ToArray();
        Assert.HasCount(2_999, users);
        int usersWithTies = 0;
        for (int u = 0; u < users.Length; u++)
        {
            CollectionAssert.AreEqual(expected[users[u]], histories[u], $"user {users[u]}");
        }

        foreach (var g in MovieLens.ReadRatings(path).GroupBy(r => r.UserId))
        {
            if (g.GroupBy(r => r.Timestamp).Any(t => t.Count() > 1))
                usersWithTies++;
        }

        TestContext.WriteLine($"{usersWithTies} of 2,999 users have ratings given in the same second.");
    }

    // ---- helpers ----

    private string Write(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    private string WriteGzip(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        gzip.Write(Encoding.ASCII.GetBytes(content));
        return path;
    }

    private static string Format(IDataView view)
        => Format(new MLContext(seed: 1).Data.CreateEnumerable<MovieLensRating>(view, reuseRowObject: false));

    private static string Format(IEnumerable<MovieLensRating> ratings)
        => string.Join('|', ratings.Select(r =>
            FormattableString.Invariant($"{r.UserId}::{r.MovieId}::{r.Rating}::{r.Timestamp}")));
}
