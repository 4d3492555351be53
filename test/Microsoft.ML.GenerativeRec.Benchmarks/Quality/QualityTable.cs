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
        ResultFiles.ReplaceSection(root, "quality-headline", Headline(results));
        ResultFiles.ReplaceSection(root, "quality-batching", Batching(root, results));
    }

    private const int SeedsWanted = 3;

    // Published ML-1M rows (hstu-spec.md §6): HR@10, NDCG@10, HR@50, NDCG@50, HR@200, NDCG@200.
    private static readonly Dictionary<string, double[]> Published = new()
    {
        ["sasrec"] = [0.2853, 0.1603, 0.5474, 0.2185, 0.7528, 0.2498],
        ["hstu"] = [0.3097, 0.1720, 0.5754, 0.2307, 0.7716, 0.2606],
        ["hstu-large"] = [0.3294, 0.1893, 0.5935, 0.2481, 0.7839, 0.2771],
    };

    private static readonly string[] MetricNames = ["hr@10", "ndcg@10", "hr@50", "ndcg@50", "hr@200", "ndcg@200"];

    // The issue #19 rows: three seeds each, mean [min–max], against the published row and the HR@10 target.
    private static string Headline(List<(string FileName, JsonObject Result)> results)
    {
        (string Run, string Protocol, double? Target)[] rows =
        [
            ("sasrec-reference", "reference", 0.2853), ("hstu-reference", "reference", 0.3097), ("hstu-large-reference", "reference", 0.3294),
            ("sasrec-validation", "validation", null), ("hstu-validation", "validation", null), ("hstu-large-validation", "validation", 0.33),
            ("ratings-sasrec", "validation", null), ("ratings-hstu", "validation", null), ("ratings-hstu-no-time-bias", "validation", null),
            ("ratings-hstu-large", "validation", null),
        ];
        var lines = new List<IEnumerable<string>>();
        foreach (var (run, protocol, target) in rows)
        {
            var seeds = results.Where(r => (string?)r.Result["name"] == run).Select(r => r.Result).OrderBy(r => (int?)r["seed"]).ToList();
            var config = QualityConfigs.Find(run)!;
            string model = config.Model;
            string data = config.Dataset == QualityConfigs.Ratings ? "users 1–2999, timestamps" : "all users, no timestamps";
            string done = $"{seeds.Count} of {SeedsWanted}" + (seeds.Count == 0 ? "" : $" ({string.Join(", ", seeds.Select(r => r["seed"]))})");
            if (seeds.Count == 0)
            {
                lines.Add([$"`{run}`", model, protocol, data, done, "pending", "pending", "pending", "pending", "pending", "pending", "–"]);
                continue;
            }

            var cells = MetricNames.Select(m => MeanAndRange(seeds, m)).ToList();
            string verdict = "–";
            double[] hr10 = Values(seeds, "hr@10");
            if (target is { } t)
            {
                double mean = hr10.Average();
                string against = protocol == "reference" ? "published" : "target";
                verdict = mean >= t
                    ? Invariant($"mean ≥ {against} {t:F4}")
                    : Invariant($"mean {t - mean:F4} under {against} {t:F4}; {against} {(t >= hr10.Min() && t <= hr10.Max() ? "inside" : "outside")} the seed range");
                if (seeds.Count < SeedsWanted)
                    verdict += " (seeds pending)";
            }

            lines.Add([$"`{run}`", model, protocol, data, done, .. cells, verdict]);
        }

        var published = Published.Select(p => (IEnumerable<string>)[$"published {p.Key}", p.Key, "reference", "all users, timestamps", "–", .. p.Value.Select(v => Invariant($"{v:F4}")), "–"]);
        return ResultFiles.Table(["run", "model", "protocol", "data", "seeds", "HR@10", "NDCG@10", "HR@50", "NDCG@50", "HR@200", "NDCG@200", "HR@10 against the published row / target"],
            lines.Concat(published), textColumns: 5);
    }

    // The batching experiment: quality of each arm over its seeds, with the padding and one-process epoch times of batching-speed.json.
    private static string Batching(string root, List<(string FileName, JsonObject Result)> results)
    {
        // The newest batching-speed file (file names sort by their date suffix).
        JsonObject? speed = ResultFiles.ReadAll(root, "batching-speed").Select(r => r.Result).LastOrDefault();
        string[] arms = ["batching-random", "batching-random-weighted", "batching-groups-512-weighted", "batching-groups-1024-weighted", "batching-groups-4096-weighted",
            "batching-groups-512", "batching-groups-1024", "batching-groups-4096"];
        var lines = new List<IEnumerable<string>>();
        foreach (string arm in arms)
        {
            var seeds = results.Where(r => (string?)r.Result["name"] == arm).Select(r => r.Result).OrderBy(r => (int?)r["seed"]).ToList();
            string speedArm = arm.Replace("batching-", "", StringComparison.Ordinal).Replace("-weighted", "", StringComparison.Ordinal);
            var timing = speed?["arms"]?[speedArm];
            string padding = timing?["padding_fraction"] is { } p ? Invariant($"{(double)p! * 100:F1} %") : "–";
            var rounds = (timing?["seconds"] as JsonArray)?.Select(x => (double)x!).ToList();
            string seconds = rounds is { Count: > 0 } ? Invariant($"{rounds.Average():F1} [{rounds.Min():F1}–{rounds.Max():F1}]") : "–";
            bool queued = arm is "batching-random" or "batching-groups-512-weighted" or "batching-groups-1024-weighted" or "batching-groups-4096-weighted";
            if (seeds.Count == 0 && !queued)
                continue;
            string done = $"{seeds.Count} of {SeedsWanted}" + (seeds.Count == 0 ? "" : $" ({string.Join(", ", seeds.Select(r => r["seed"]))})");
            string bestValidation = seeds.Count == 0 ? "–" : Invariant($"{Values(seeds, "best_validation_ndcg@10", top: true).Average():F4}");
            lines.Add([$"`{arm}`", done, MeanAndRange(seeds, "hr@10"), MeanAndRange(seeds, "ndcg@10"), bestValidation,
                seeds.Count == 0 ? "–" : Invariant($"{seeds.Average(r => (double?)r["seconds_per_epoch"] ?? double.NaN):F1}"), Fastest(seeds), seconds, padding]);
        }

        if (lines.Count == 0)
            return "No batching runs yet.";
        return ResultFiles.Table(["arm", "seeds", "test HR@10", "test NDCG@10", "best validation NDCG@10 (mean)", "s/epoch in its own runs (shared VM)", "fastest training epoch of its runs, s", "s per training epoch, one process (batching-speed): mean [min–max] of the rounds", "padded slots"],
            lines, textColumns: 2);
    }

    // The fastest training epoch over an arm's runs: the least-contended one (older files lack per-epoch times).
    private static string Fastest(List<JsonObject> seeds)
    {
        var fastest = seeds.Select(r => (double?)r["fastest_epoch_training_seconds"]).OfType<double>().ToList();
        return fastest.Count == 0 ? "–" : Invariant($"{fastest.Min():F1}");
    }

    private static double[] Values(IEnumerable<JsonObject> seeds, string metric, bool top = false)
        => [.. seeds.Select(r => top ? (double?)r[metric] : (double?)r["metrics"]?[metric]).OfType<double>()];

    private static string MeanAndRange(IReadOnlyCollection<JsonObject> seeds, string metric)
    {
        var v = Values(seeds, metric);
        return v.Length switch
        {
            0 => "–",
            1 => Invariant($"{v[0]:F4}"),
            _ => Invariant($"{v.Average():F4} [{v.Min():F4}–{v.Max():F4}]"),
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
            MeanAndRange("hr@10"), MeanAndRange("ndcg@10"), MeanAndRange("hr@50"), MeanAndRange("ndcg@50"), MeanAndRange("hr@200"), MeanAndRange("ndcg@200"), Mean("mrr"),
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
