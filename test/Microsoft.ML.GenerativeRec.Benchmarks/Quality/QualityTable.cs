using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Quality;

/// <summary>The quality section of docs/benchmarks.md, rebuilt from every quality result file.</summary>
internal static class QualityTable
{
    public static void Write(string root)
    {
        var results = ResultFiles.ReadAll(root, "quality").ToList();
        var text = new StringBuilder();
        foreach (var group in results.GroupBy(r => ((string?)r.Result["dataset"], (string?)r.Result["protocol"])))
        {
            text.AppendLine($"**{group.Key.Item1}, {group.Key.Item2} protocol** " +
                (group.Key.Item2 == "reference" ? "(last epoch reported; the best epoch chosen on the test rows, as the reference's logs allow, in brackets)" : "(early stopping on the validation item; test on the last item)"));
            text.AppendLine();
            var rows = group.Select(r => Row(r.FileName, r.Result))
                .Concat(group.GroupBy(r => (string?)r.Result["name"]).Where(run => run.Count() > 1).Select(run => SeedSummary(run.Select(r => r.Result).ToList())));
            text.AppendLine(ResultFiles.Table(
                ["run (`quality <run> --seed <s>`)", "model", "HR@10", "NDCG@10", "HR@50", "NDCG@50", "HR@200", "NDCG@200", "MRR", "epochs: best / run", "s/epoch", "peak MB"],
                rows, textColumns: 2));
        }

        ResultFiles.ReplaceSection(root, "quality-results", results.Count == 0 ? "No quality results yet." : text.ToString());
    }

    // One row per run with several seeds: the mean of each metric over the seeds and, for HR@10 and NDCG@10, the range.
    private static IEnumerable<string> SeedSummary(IReadOnlyList<JsonObject> seeds)
    {
        double[] Values(string metric) => [.. seeds.Select(r => (double?)r["metrics"]?[metric]).OfType<double>()];
        string Mean(string metric) => Values(metric) is { Length: > 0 } v ? v.Average().ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "–";
        string MeanAndRange(string metric)
        {
            var v = Values(metric);
            return v.Length == 0 ? "–" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v.Average():F4} [{v.Min():F4}–{v.Max():F4}]");
        }

        return
        [
            $"**{seeds[0]["name"]}**, mean of {seeds.Count} seeds ({string.Join(", ", seeds.Select(r => r["seed"]))}), {seeds[0]["reported_epoch"]} epoch", (string?)seeds[0]["model"] ?? "",
            MeanAndRange("hr@10"), MeanAndRange("ndcg@10"), Mean("hr@50"), Mean("ndcg@50"), Mean("hr@200"), Mean("ndcg@200"), Mean("mrr"),
            "–", "–", "–",
        ];
    }

    private static IEnumerable<string> Row(string fileName, JsonObject r)
    {
        var m = r["metrics"];
        string hr10 = ResultFiles.Format(m?["hr@10"]), ndcg10 = ResultFiles.Format(m?["ndcg@10"]);
        string epochs;
        if (r["best_epoch_by_test"] is JsonObject best)
        {
            hr10 += $" ({ResultFiles.Format(best["hr@10"])})";
            ndcg10 += $" ({ResultFiles.Format(best["ndcg@10"])})";
            epochs = $"({best["epoch"]}) / {r["epochs_run"]}";
        }
        else
        {
            epochs = r["epochs_run"] is null ? "–" : $"{r["best_epoch"]} / {r["epochs_run"]}";
        }

        string change = (string?)r["change"] is { Length: > 0 } c ? $" — {c}" : "";
        return
        [
            $"[{r["name"]}](benchmarks/{fileName}) seed {r["seed"]}{change}", (string?)r["model"] ?? "",
            hr10, ndcg10, ResultFiles.Format(m?["hr@50"]), ResultFiles.Format(m?["ndcg@50"]),
            ResultFiles.Format(m?["hr@200"]), ResultFiles.Format(m?["ndcg@200"]), ResultFiles.Format(m?["mrr"]),
            epochs, ResultFiles.Format(r["seconds_per_epoch"], "F1"), r["peak_working_set_mb"]?.ToString() ?? "–",
        ];
    }
}
