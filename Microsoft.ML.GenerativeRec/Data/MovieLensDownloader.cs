using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Downloads, verifies and extracts the official MovieLens archives, with a local cache.</summary>
/// <remarks>
/// <para>
/// <see cref="DownloadAsync(MovieLensDataset, string, CancellationToken)"/> returns
/// <c>&lt;cacheFolder&gt;/ml-1m</c> (or <c>ml-20m</c>), ready for <see cref="MovieLens.LoadRatings"/> and
/// <see cref="MovieLens.LoadMovies"/>. If that folder already holds the extracted files, nothing is downloaded.
/// Otherwise the zip is downloaded to a temporary file in the cache folder, its size and then its MD5 are checked
/// against the values GroupLens publishes, it is extracted into a temporary folder, and that folder is renamed to its
/// final name in one step, so the final folder is either absent or complete. Temporary files are deleted on failure
/// and on cancellation.
/// </para>
/// <para>
/// MovieLens data is licensed by GroupLens for research use only and may not be redistributed: keep the cache out
/// of source control and packages.
/// </para>
/// </remarks>
public static class MovieLensDownloader
{
    private static readonly Lazy<HttpClient> _http = new(() => new HttpClient());

    /// <summary>Downloads a MovieLens archive from GroupLens into a cache folder, unless it is already there.</summary>
    /// <param name="dataset">The archive to fetch.</param>
    /// <param name="cacheFolder">The folder that holds the extracted archives; created if absent.</param>
    /// <param name="cancellationToken">Cancels the download; temporary files are then deleted.</param>
    /// <returns>The folder holding the extracted files, <c>&lt;cacheFolder&gt;/ml-1m</c> or <c>ml-20m</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cacheFolder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dataset"/> is not a defined value.</exception>
    /// <exception cref="InvalidDataException">
    /// The download has the wrong size or MD5, or lacks the expected files.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The target folder exists but is not a complete extraction.
    /// </exception>
    /// <exception cref="HttpRequestException">The server could not be reached or answered with an error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<string> DownloadAsync(MovieLensDataset dataset, string cacheFolder,
        CancellationToken cancellationToken = default)
    {
        var archive = MovieLensArchive.For(dataset);
        return DownloadAsync(archive, cacheFolder, archive.Source, cancellationToken);
    }

    /// <summary>Downloads a MovieLens archive from a mirror into a cache folder, unless it is already there.</summary>
    /// <remarks>
    /// The archive must be byte-for-byte the official one: its size and MD5 are checked against GroupLens's values.
    /// </remarks>
    /// <param name="dataset">The archive to fetch.</param>
    /// <param name="cacheFolder">The folder that holds the extracted archives; created if absent.</param>
    /// <param name="source">Where to fetch the zip from: an <c>http</c>, <c>https</c> or <c>file</c> URI.</param>
    /// <param name="cancellationToken">Cancels the download; temporary files are then deleted.</param>
    /// <returns>The folder holding the extracted files, <c>&lt;cacheFolder&gt;/ml-1m</c> or <c>ml-20m</c>.</returns>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="cacheFolder"/> or <paramref name="source"/> is null.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="source"/> is not an absolute http, https or file URI.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dataset"/> is not a defined value.</exception>
    /// <exception cref="InvalidDataException">
    /// The download has the wrong size or MD5, or lacks the expected files.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The target folder exists but is not a complete extraction.
    /// </exception>
    /// <exception cref="HttpRequestException">The server could not be reached or answered with an error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<string> DownloadAsync(MovieLensDataset dataset, string cacheFolder, Uri source,
        CancellationToken cancellationToken = default)
        => DownloadAsync(MovieLensArchive.For(dataset), cacheFolder, source, cancellationToken);

    /// <summary>Downloads <paramref name="archive"/> from <paramref name="source"/>; used by tests.</summary>
    internal static Task<string> DownloadAsync(MovieLensArchive archive, string cacheFolder, Uri source,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(cacheFolder);
        ArgumentNullException.ThrowIfNull(source);
        if (!source.IsAbsoluteUri || (!source.IsFile && source.Scheme != Uri.UriSchemeHttp &&
            source.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException(
                $"Cannot download '{source}': expected an absolute http, https or file URI.", nameof(source));
        }
        return DownloadCoreAsync(archive, Path.GetFullPath(cacheFolder), source, cancellationToken);
    }

    private static async Task<string> DownloadCoreAsync(MovieLensArchive archive, string cacheFolder, Uri source,
        CancellationToken cancellationToken)
    {
        string target = Path.Combine(cacheFolder, archive.Name);
        if (archive.IsExtractedIn(target))
            return target;
        if (Directory.Exists(target))
            throw IncompleteFolder(archive, target);
        cancellationToken.ThrowIfCancellationRequested();

        Directory.CreateDirectory(cacheFolder);
        string unique = Guid.NewGuid().ToString("N");
        string zipFile = Path.Combine(cacheFolder, $".{archive.Name}.{unique}.zip.tmp");
        string extractFolder = Path.Combine(cacheFolder, $".{archive.Name}.{unique}.tmp");
        try
        {
            await CopyAsync(source, zipFile, cancellationToken).ConfigureAwait(false);
            await VerifyAsync(archive, source, zipFile, cancellationToken).ConfigureAwait(false);
            await ZipFile.ExtractToDirectoryAsync(zipFile, extractFolder, cancellationToken).ConfigureAwait(false);

            // The official zips hold one folder named like the archive; accept a flat zip too.
            string extracted = Directory.GetFiles(extractFolder).Length == 0 &&
                               Directory.GetDirectories(extractFolder) is [string single]
                ? single
                : extractFolder;
            if (!archive.IsExtractedIn(extracted))
            {
                throw new InvalidDataException($"The archive from {source} does not hold the expected files " +
                    $"{string.Join(", ", archive.RequiredFiles)} (at its root or in its single top folder).");
            }
            try
            {
                Directory.Move(extracted, target);      // atomic: the target is absent or complete
            }
            catch (IOException) when (archive.IsExtractedIn(target))
            {
                // Another process finished the same download first; its copy is as good as ours.
            }
            return target;
        }
        finally
        {
            File.Delete(zipFile);
            if (Directory.Exists(extractFolder))
                Directory.Delete(extractFolder, recursive: true);
        }
    }

    private static async Task CopyAsync(Uri source, string destination, CancellationToken cancellationToken)
    {
        await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None,
            bufferSize: 1 << 16, useAsync: true);
        if (source.IsFile)
        {
            // HttpClient has no file: handler; a file URI lets tests and offline mirrors use a local copy.
            await using var input = new FileStream(source.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read,
                bufferSize: 1 << 16, useAsync: true);
            await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var response = await _http.Value.GetAsync(source, HttpCompletionOption.ResponseHeadersRead,
            cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Downloading {source} failed: the server answered " +
                $"{(int)response.StatusCode} {response.ReasonPhrase}.", inner: null, response.StatusCode);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await body.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task VerifyAsync(MovieLensArchive archive, Uri source, string zipFile,
        CancellationToken cancellationToken)
    {
        long size = new FileInfo(zipFile).Length;
        if (size != archive.Size)
        {
            throw new InvalidDataException($"The download of {archive.Name}.zip from {source} is {size} bytes, " +
                $"expected {archive.Size} bytes. It was incomplete or is not the official archive; it was deleted, " +
                "try again.");
        }
        byte[] hash;
        await using (var stream = new FileStream(zipFile, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, useAsync: true))
        {
            hash = await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        string md5 = Convert.ToHexStringLower(hash);
        if (!string.Equals(md5, archive.Md5, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"The download of {archive.Name}.zip from {source} has MD5 {md5}, " +
                $"expected {archive.Md5.ToLowerInvariant()}. It is corrupt or is not the official archive; it was " +
                "deleted, try again.");
        }
    }

    private static InvalidOperationException IncompleteFolder(MovieLensArchive archive, string target)
        => new($"The folder '{target}' exists but does not hold {string.Join(", ", archive.RequiredFiles)}, so it " +
            $"is not a complete extraction of {archive.Name}.zip. Delete it and call again.");
}
