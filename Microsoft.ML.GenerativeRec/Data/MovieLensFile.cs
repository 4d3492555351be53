using System.IO.Compression;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>One MovieLens text file, plain or gzip, as a source for ML.NET's <see cref="TextLoader"/>.</summary>
/// <remarks>
/// Gzip is recognised by its magic bytes <c>1F 8B</c>, not by the file name. <see cref="Lines"/> yields the lines
/// TextLoader makes rows of: it skips empty lines and lines starting with <c>//</c>. So row r of
/// <see cref="Read{TLine, T}"/> is line r of <see cref="Lines"/>, which is how an error on a row names its line: the file
/// is read again, on the error path only.
/// </remarks>
internal sealed class MovieLensFile(string path, Encoding encoding) : IMultiStreamSource
{
    private const int MaxQuotedLength = 200;

    /// <summary>The path of the file, as given.</summary>
    public string Path { get; } = path;

    /// <inheritdoc/>
    public int Count => 1;

    /// <inheritdoc/>
    public string GetPathOrNull(int index) => Path;

    /// <inheritdoc/>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public Stream Open(int index)
    {
        if (!File.Exists(Path))
            throw new FileNotFoundException($"The MovieLens file '{Path}' does not exist.", Path);
        var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16,
            FileOptions.SequentialScan);
        bool isGzip = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <inheritdoc/>
    public TextReader OpenTextReader(int index) => new StreamReader(Open(index), encoding);

    /// <summary>The lines TextLoader makes rows of, with their 1-based numbers in the file.</summary>
    public IEnumerable<(long Number, string Text)> Lines()
    {
        using var reader = OpenTextReader(0);
        long number = 0;
        while (reader.ReadLine() is string text)
        {
            number++;
            if (text.Length > 0 && !text.StartsWith("//", StringComparison.Ordinal))
                yield return (number, text);
        }
    }

    /// <summary>Loads the file with a <see cref="TextLoader"/> and converts each row, in file order.</summary>
    /// <typeparam name="TLine">A row of the loader: one member per column of <paramref name="options"/>, named after it.</typeparam>
    /// <typeparam name="T">What a row becomes.</typeparam>
    /// <param name="mlContext">The context that creates the loader.</param>
    /// <param name="options">The loader's columns and separators.</param>
    /// <param name="hasHeader">Whether the first row is a header, skipped unread.</param>
    /// <param name="convert">Converts a row, given its 0-based index (a header included); it throws through
    /// <see cref="Error(long, Func{string, string})"/>. The row object is reused for the next row.</param>
    public IEnumerable<T> Read<TLine, T>(MLContext mlContext, TextLoader.Options options, bool hasHeader, Func<TLine, long, T> convert)
        where TLine : class, new()
    {
        var view = mlContext.Data.CreateTextLoader(options).Load(this);
        long row = 0;
        foreach (TLine line in mlContext.Data.CreateEnumerable<TLine>(view, reuseRowObject: true))
        {
            if (row > 0 || !hasHeader)
                yield return convert(line, row);
            row++;
        }
    }

    /// <summary>Builds the exception for row <paramref name="row"/> of <see cref="Read{TLine, T}"/>.</summary>
    /// <param name="row">The 0-based row, which is also the index of its line in <see cref="Lines"/>.</param>
    /// <param name="expected">Given the line, what a valid line looks like and why this one is not.</param>
    public FormatException Error(long row, Func<string, string> expected)
    {
        var (number, text) = Lines().Skip(checked((int)row)).FirstOrDefault();
        return text is null
            ? throw new InvalidOperationException($"'{Path}' changed while it was read: it has no row {row} any more.")
            : Error(number, text, expected(text));
    }

    /// <summary>Builds the exception for a malformed line, naming the file, the line and what was expected.</summary>
    public FormatException Error(long number, string text, string expected)
        => new($"{Path}: line {number} is malformed: '{Shorten(text)}'. Expected {expected}.");

    /// <summary>Truncates text quoted in an error message to 200 characters, marking the cut with "...".</summary>
    public static string Shorten(string text)
        => text.Length <= MaxQuotedLength ? text : text[..MaxQuotedLength] + "...";
}
