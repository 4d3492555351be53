using System.Globalization;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Parses a sequences file: one user per line, <c>userId item item ...</c>, single spaces between.</summary>
/// <remarks>Items are in time order, oldest first. Empty lines are skipped; plain or gzip.</remarks>
internal sealed class SequencesFileReader : IDisposable
{
    internal const string Format = "'userId item1 item2 ...' (integers separated by single spaces, at least one item)";

    private readonly LineReader _lines;
    private readonly List<int> _items = [];

    private SequencesFileReader(LineReader lines) => _lines = lines;

    /// <summary>Opens a sequences file, plain or gzip.</summary>
    public static SequencesFileReader Open(string path) => new(LineReader.Open(path));

    /// <summary>Reads the next user's sequence.</summary>
    /// <returns><see langword="false"/> at the end of the file.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names file, line and expectation.</exception>
    public bool TryRead(out int userId, out int[] items)
    {
        while (_lines.TryReadLine(out var line))
        {
            if (line.IsEmpty)
                continue;
            _items.Clear();
            var rest = line;
            int index = 0;
            userId = 0;
            while (true)
            {
                int space = rest.IndexOf((byte)' ');
                var token = space < 0 ? rest : rest[..space];
                if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    string what = index == 0 ? "user id" : $"item (token {index + 1})";
                    throw _lines.Error(line, $"{Format}, but '{LineReader.Shorten(token)}' " +
                        $"is not a valid {what}");
                }
                if (index == 0)
                    userId = id;
                else
                    _items.Add(id);
                index++;
                if (space < 0)
                    break;
                rest = rest[(space + 1)..];
            }
            if (_items.Count == 0)
                throw _lines.Error(line, $"{Format}, but user {userId} has no items");
            items = _items.ToArray();
            return true;
        }
        userId = 0;
        items = null!;
        return false;
    }

    /// <inheritdoc/>
    public void Dispose() => _lines.Dispose();
}
