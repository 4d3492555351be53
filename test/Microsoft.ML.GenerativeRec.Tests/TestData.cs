namespace Microsoft.ML.GenerativeRec.Tests;

/// <summary>Finds the real MovieLens data in <c>../shared/data</c>, relative to the repository root.</summary>
/// <remarks>
/// The data is licensed for research use only and is never copied into the repository; tests that need it call
/// <see cref="RequireMovieLens1M"/>, which marks them inconclusive where the folder is absent.
/// </remarks>
internal static class TestData
{
    private const string SolutionFileName = "ML.GenerativeRec.sln";

    /// <summary>The repository root: the first folder above the test binaries holding the solution file.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where the ML-1M files are expected: <c>../shared/data/ml-1m</c> from the repository root.</summary>
    public static string MovieLens1MPath { get; } = RepositoryRoot is null
        ? $"../shared/data/ml-1m (no {SolutionFileName} above {AppContext.BaseDirectory})"
        : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "ml-1m"));

    /// <summary>The ML-1M folder, or null if it is absent.</summary>
    public static string? MovieLens1MFolder => Directory.Exists(MovieLens1MPath) ? MovieLens1MPath : null;

    /// <summary>Returns the ML-1M folder, or ends the test as inconclusive if it is absent.</summary>
    public static string RequireMovieLens1M()
    {
        if (MovieLens1MFolder is { } folder)
            return folder;
        Assert.Inconclusive($"MovieLens data not found at {MovieLens1MPath}; see ../shared/data/README.md");
        return null!;
    }

    private static string? FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFileName)))
                return folder.FullName;
        }
        return null;
    }
}
