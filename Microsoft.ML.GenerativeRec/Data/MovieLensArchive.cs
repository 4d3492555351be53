namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>A MovieLens zip archive: where it is published, its expected size and MD5, and what it holds.</summary>
internal sealed class MovieLensArchive
{
    private const string GroupLensFolder = "https://files.grouplens.org/datasets/movielens/";

    // GroupLens's published values for the official archives: the size in bytes and the MD5 of each zip. Change them
    // only if GroupLens republishes an archive.

    /// <summary>MovieLens 1M, <c>ml-1m.zip</c>, extracting to <c>ml-1m/</c>.</summary>
    public static MovieLensArchive ML1M { get; } = new("ml-1m", new Uri(GroupLensFolder + "ml-1m.zip"),
        size: 5_917_549, md5: "c4d9eecfca2ab87c1945afe126590906", requiredFiles: ["ratings.dat", "movies.dat"]);

    /// <summary>MovieLens 20M, <c>ml-20m.zip</c>, extracting to <c>ml-20m/</c>.</summary>
    public static MovieLensArchive ML20M { get; } = new("ml-20m", new Uri(GroupLensFolder + "ml-20m.zip"),
        size: 198_702_078, md5: "cd245b17a1ae2cc31bb14903e1204af3", requiredFiles: ["ratings.csv", "movies.csv"]);

    /// <summary>Creates an archive description; tests use it to describe a zip of their own.</summary>
    /// <param name="name">The folder the archive extracts to, also the zip's name without <c>.zip</c>.</param>
    /// <param name="source">Where the archive is published.</param>
    /// <param name="size">The expected size of the zip, in bytes.</param>
    /// <param name="md5">The expected MD5 of the zip, 32 hexadecimal digits.</param>
    /// <param name="requiredFiles">Files that a complete extraction holds, relative to its folder.</param>
    public MovieLensArchive(string name, Uri source, long size, string md5, IReadOnlyList<string> requiredFiles)
    {
        Name = name;
        Source = source;
        Size = size;
        Md5 = md5;
        RequiredFiles = requiredFiles;
    }

    /// <summary>The folder the archive extracts to, such as <c>ml-1m</c>.</summary>
    public string Name { get; }

    /// <summary>The official download address.</summary>
    public Uri Source { get; }

    /// <summary>The expected size of the zip, in bytes.</summary>
    public long Size { get; }

    /// <summary>The expected MD5 of the zip, as 32 hexadecimal digits.</summary>
    public string Md5 { get; }

    /// <summary>Files that a complete extraction holds, relative to its folder.</summary>
    public IReadOnlyList<string> RequiredFiles { get; }

    /// <summary>Returns the description of <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dataset"/> is not a defined value.</exception>
    public static MovieLensArchive For(MovieLensDataset dataset) => dataset switch
    {
        MovieLensDataset.ML1M => ML1M,
        MovieLensDataset.ML20M => ML20M,
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset,
            $"Expected one of {string.Join(", ", Enum.GetNames<MovieLensDataset>())}."),
    };

    /// <summary>Whether <paramref name="folder"/> holds every one of <see cref="RequiredFiles"/>.</summary>
    public bool IsExtractedIn(string folder) => RequiredFiles.All(file => File.Exists(Path.Combine(folder, file)));
}
