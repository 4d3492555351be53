using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Reporting;

/// <summary>
/// Benchmark result files: one JSON file per run under docs/benchmarks/ (design.md §7), and the tables of
/// docs/benchmarks.md regenerated from them between marker comments, so the page never disagrees with the files.
/// </summary>
internal static class ResultFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Folder(string root) => Path.Combine(root, "docs", "benchmarks");

    /// <summary>Writes <paramref name="result"/> atomically to docs/benchmarks/<paramref name="fileName"/>.</summary>
    public static string Write(string root, string fileName, JsonObject result)
    {
        string folder = Folder(root);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, fileName);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, result.ToJsonString(Indented) + "\n");
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>Every result file of the given kind, oldest first by file name order.</summary>
    public static IEnumerable<(string FileName, JsonObject Result)> ReadAll(string root, string kind)
    {
        string folder = Folder(root);
        if (!Directory.Exists(folder))
            yield break;
        foreach (string path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject result && (string?)result["kind"] == kind)
                yield return (Path.GetFileName(path), result);
        }
    }

    /// <summary>Replaces the text between <c>&lt;!-- name:begin --&gt;</c> and <c>&lt;!-- name:end --&gt;</c> in docs/benchmarks.md.</summary>
    public static void ReplaceSection(string root, string name, string content)
    {
        string path = Path.Combine(root, "docs", "benchmarks.md");
        string begin = $"<!-- {name}:begin -->", end = $"<!-- {name}:end -->";
        string text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        int start = text.IndexOf(begin, StringComparison.Ordinal);
        int stop = text.IndexOf(end, StringComparison.Ordinal);
        string block = $"{begin}\n{content.TrimEnd()}\n{end}";
        text = start >= 0 && stop > start
            ? text[..start] + block + text[(stop + end.Length)..]
            : text.TrimEnd() + "\n\n" + block + "\n";
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public static string Format(JsonNode? node, string format = "F4")
        => node is JsonValue value && value.TryGetValue(out double number) ? number.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, int textColumns = 1)
    {
        var builder = new StringBuilder();
        var columns = header.ToList();
        builder.AppendLine("| " + string.Join(" | ", columns) + " |");
        builder.AppendLine("|" + string.Concat(columns.Select((_, i) => i < textColumns ? "---|" : "---:|")));
        foreach (var row in rows)
            builder.AppendLine("| " + string.Join(" | ", row) + " |");
        return builder.ToString();
    }
}
