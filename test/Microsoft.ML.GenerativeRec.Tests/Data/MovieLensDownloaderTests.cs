using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

// No test touches the network: each serves a zip built here through a file:// URI.
[TestClass]
public sealed class MovieLensDownloaderTests
{
    private const string ArchiveName = "ml-test";

    private string _folder = null!;
    private string _cache = null!;
    private string _zip = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateArchive()
    {
        _folder = Path.Combine(Path.GetTempPath(), "movielens-downloader-tests-" + Guid.NewGuid().ToString("N"));
        _cache = Path.Combine(_folder, "cache");
        string content = Path.Combine(_folder, "content", ArchiveName);
        Directory.CreateDirectory(content);
        File.WriteAllText(Path.Combine(content, "ratings.dat"), "1::10::5::100\n1::20::4::200\n2::10::3::300\n");
        File.WriteAllText(Path.Combine(content, "movies.dat"), "10::Ten (2000)::Drama\n20::Twenty (2001)::Comedy\n");
        _zip = Path.Combine(_folder, ArchiveName + ".zip");
        ZipFile.CreateFromDirectory(content, _zip, CompressionLevel.Optimal, includeBaseDirectory: true);
    }

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task DownloadAsync_LocalZip_ReturnsExtractedFolderAndLeavesNoTemporaryFiles()
    {
        var archive = Describe(_zip);

        string folder = await DownloadAsync(archive);

        Assert.AreEqual(Path.Combine(_cache, ArchiveName), folder);
        CollectionAssert.AreEquivalent(new[] { folder }, Directory.GetFileSystemEntries(_cache));
        var ratings = MovieLens.ReadRatings(folder).ToList();
        Assert.HasCount(3, ratings);
        Assert.HasCount(2, MovieLens.LoadMovies(folder));
    }

    [TestMethod]
    public async Task DownloadAsync_SecondCall_UsesCacheWithoutReadingSource()
    {
        var archive = Describe(_zip);
        string first = await DownloadAsync(archive);
        File.Delete(_zip);

        string second = await DownloadAsync(archive);

        Assert.AreEqual(first, second);
        Assert.HasCount(3, MovieLens.ReadRatings(second).ToList());
    }

    [TestMethod]
    public async Task DownloadAsync_WrongMd5_ThrowsNamingBothValuesAndLeavesNoFiles()
    {
        var good = Describe(_zip);
        string wrongMd5 = new('0', 32);
        var archive = new MovieLensArchive(ArchiveName, good.Source, good.Size, wrongMd5, good.RequiredFiles);

        var error = await Assert.ThrowsExactlyAsync<InvalidDataException>(() =>
            DownloadAsync(archive));

        StringAssert.Contains(error.Message, $"has MD5 {good.Md5}, expected {wrongMd5}");
        Assert.IsEmpty(Directory.GetFileSystemEntries(_cache));
    }

    [TestMethod]
    public async Task DownloadAsync_WrongSize_ThrowsNamingBothSizesAndLeavesNoFiles()
    {
        var good = Describe(_zip);
        var archive = new MovieLensArchive(ArchiveName, good.Source, good.Size + 1, good.Md5, good.RequiredFiles);

        var error = await Assert.ThrowsExactlyAsync<InvalidDataException>(() =>
            DownloadAsync(archive));

        StringAssert.Contains(error.Message, $"is {good.Size} bytes, expected {good.Size + 1} bytes");
        Assert.IsEmpty(Directory.GetFileSystemEntries(_cache));
    }

    [TestMethod]
    public async Task DownloadAsync_OfficialDatasetFromMirror_ChecksGroupLensSize()
    {
        // The test zip is not the official ml-1m.zip, so the published size (5,917,549 bytes) rejects it.
        var error = await Assert.ThrowsExactlyAsync<InvalidDataException>(() =>
            MovieLensDownloader.DownloadAsync(MovieLensDataset.ML1M, _cache, new Uri(_zip),
                TestContext.CancellationToken));

        StringAssert.Contains(error.Message, "expected 5917549 bytes");
        Assert.IsFalse(Directory.Exists(Path.Combine(_cache, "ml-1m")));
    }

    [TestMethod]
    public async Task DownloadAsync_CancelledToken_ThrowsAndLeavesNoFiles()
    {
        var archive = Describe(_zip);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            MovieLensDownloader.DownloadAsync(archive, _cache, new Uri(_zip), cancelled.Token));

        Assert.IsFalse(Directory.Exists(_cache) && Directory.GetFileSystemEntries(_cache).Length > 0);
    }

    [TestMethod]
    public async Task DownloadAsync_IncompleteTargetFolder_ThrowsInvalidOperationNamingIt()
    {
        var archive = Describe(_zip);
        string target = Path.Combine(_cache, ArchiveName);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "ratings.dat"), "1::10::5::100\n");      // movies.dat is missing

        var error = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() =>
            DownloadAsync(archive));

        StringAssert.Contains(error.Message, target);
        StringAssert.Contains(error.Message, "Delete it");
    }

    [TestMethod]
    public void DownloadAsync_UndefinedDataset_ThrowsArgumentOutOfRange()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            MovieLensDownloader.DownloadAsync((MovieLensDataset)42, _cache, TestContext.CancellationToken));

        Assert.AreEqual("dataset", error.ParamName);
    }

    [TestMethod]
    public void DownloadAsync_FtpSource_ThrowsArgumentException()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            MovieLensDownloader.DownloadAsync(MovieLensDataset.ML1M, _cache, new Uri("ftp://example.org/ml-1m.zip")));

        Assert.AreEqual("source", error.ParamName);
    }

    private Task<string> DownloadAsync(MovieLensArchive archive)
        => MovieLensDownloader.DownloadAsync(archive, _cache, new Uri(_zip), TestContext.CancellationToken);

    private static MovieLensArchive Describe(string zip)
    {
        byte[] bytes = File.ReadAllBytes(zip);
        return new MovieLensArchive(ArchiveName, new Uri(zip), bytes.Length,
            Convert.ToHexStringLower(MD5.HashData(bytes)), ["ratings.dat", "movies.dat"]);
    }
}
