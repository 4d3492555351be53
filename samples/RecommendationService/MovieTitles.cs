using System.Globalization;
using System.Text;

namespace GenerativeRec.Samples.Serving;

/// <summary>Item titles for the answers, read from a MovieLens <c>movies.dat</c> or <c>movies.csv</c>.</summary>
/// <remarks>
/// Read here rather than with the library's <c>MovieLens.LoadMovies</c>: the service must not reference the library, which
/// brings TorchSharp and Microsoft.ML into the deployment (docs/serving.md).
/// </remarks>
public sealed class MovieTitles
{
    private readonly Dictionary<long, string> _titles;

    private MovieTitles(Dictionary<long, string> titles) => _titles = titles;

    /// <summary>No titles: every answer's titles are null.</summary>
    public static MovieTitles None { get; } = new([]);

    /// <summary>Gets the number of titles.</summary>
    public int Count => _titles.Count;

    /// <summary>Reads <c>id::title::genres</c> lines (Latin-1, ML-1M) or <c>id,title,genres</c> csv lines after a header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">A line has no id, naming the file and the line.</exception>
    public static MovieTitles Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The movies file '{path}' does not exist (the Movies setting).", path);
        }

        bool csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        var titles = new Dictionary<long, string>();
        int number = 0;
        foreach (string line in File.ReadLines(path, csv ? Encoding.UTF8 : Encoding.Latin1))
        {
            number++;
            if (line.Length == 0 || (csv && number == 1))
            {
                continue;
            }

            var (id, title) = csv ? SplitCsv(line) : SplitDat(line);
            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                throw new FormatException($"{path}: line {number} does not start with a movie id: '{line}'.");
            }

            titles[value] = title;
        }

        return new MovieTitles(titles);
    }

    /// <summary>The title of <paramref name="id"/>, or null.</summary>
    public string? TitleOf(long id) => _titles.GetValueOrDefault(id);

    // The title is everything between the first and the last "::" (titles may hold ':').
    private static (string Id, string Title) SplitDat(string line)
    {
        int first = line.IndexOf("::", StringComparison.Ordinal);
        int last = line.LastIndexOf("::", StringComparison.Ordinal);
        return first < 0 || last <= first ? (line, "") : (line[..first], line[(first + 2)..last]);
    }

    // A quoted title ("Title, The (1999)") holds commas; genres never do.
    private static (string Id, string Title) SplitCsv(string line)
    {
        int first = line.IndexOf(',');
        int last = line.LastIndexOf(',');
        if (first < 0 || last <= first)
        {
            return (line, "");
        }

        string title = line[(first + 1)..last];
        return (line[..first], title.Length > 1 && title[0] == '"' ? title[1..^1].Replace("\"\"", "\"") : title);
    }
}
