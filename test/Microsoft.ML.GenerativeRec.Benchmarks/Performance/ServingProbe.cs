using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Benchmarks.Reporting;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>
/// Serving figures measured in a fresh process, so its peak working set is that of serving alone: load a saved
/// model zip, PredictionEngine latency for one user at a time, then full-ranking evaluation of every test user.
/// </summary>
internal static class ServingProbe
{
    private const int WarmUpCalls = 200;

    /// <summary>Runs the probe in a child process and returns its figures.</summary>
    public static JsonObject RunInChildProcess(string modelZip, string dataFolder, int calls)
    {
        string dll = typeof(ServingProbe).Assembly.Location;
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(dll);
        foreach (string arg in new[] { "perf-serving", modelZip, dataFolder, calls.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("The serving probe did not start.");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string? json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (child.ExitCode != 0 || json is null)
            throw new InvalidOperationException($"The serving probe failed with exit code {child.ExitCode}: {output}");
        return (JsonObject)JsonNode.Parse(json)!;
    }

    /// <summary>The child process's work; prints one JSON line.</summary>
    public static int RunProbe(string modelZip, string dataFolder, int calls)
    {
        var mlContext = new MLContext(seed: 1);
        var clock = Stopwatch.StartNew();
        var model = mlContext.Model.Load(modelZip, out _);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(dataFolder, "sequences.all-users.txt.gz"));
        var test = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences).Test;
        var histories = test.GetColumn<int[]>(ColumnNames.History).ToArray();

        var engine = mlContext.Model.CreatePredictionEngine<HistoryRow, RecommendationRow>(model);
        var output = new RecommendationRow();
        for (int i = 0; i < WarmUpCalls; i++)
            engine.Predict(new HistoryRow { History = histories[i % histories.Length] }, ref output);
        var latencies = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            var input = new HistoryRow { History = histories[(i * 7919) % histories.Length] };
            long begin = Stopwatch.GetTimestamp();
            engine.Predict(input, ref output);
            latencies[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        }

        Array.Sort(latencies);
        if (Environment.GetEnvironmentVariable("GENREC_SERVING_BREAKDOWN") == "1")
            ServingBreakdown.Run((SequentialRecommenderTransformer)model, histories, calls);
        long workingSetAfterPredictions = BenchmarkEnvironment.PeakWorkingSetMb();
        clock.Restart();
        var metrics = mlContext.Recommendation().Evaluate((SequentialRecommenderTransformer)model, test);
        double evalSeconds = clock.Elapsed.TotalSeconds;
        var result = new JsonObject
        {
            ["prediction_p50_ms"] = Math.Round(latencies[calls / 2], 3),
            ["prediction_p99_ms"] = Math.Round(latencies[(int)(calls * 0.99)], 3),
            ["prediction_mean_ms"] = Math.Round(latencies.Average(), 3),
            ["prediction_calls"] = calls,
            ["full_eval_seconds"] = Math.Round(evalSeconds, 2),
            ["full_eval_users"] = metrics.EvaluatedCount,
            ["full_eval_users_per_second"] = Math.Round(metrics.EvaluatedCount / evalSeconds),
            ["model_load_seconds"] = Math.Round(loadSeconds, 2),
            ["peak_working_set_mb_serving"] = BenchmarkEnvironment.PeakWorkingSetMb(),
            ["peak_working_set_mb_after_predictions"] = workingSetAfterPredictions,
        };
        Console.WriteLine(result.ToJsonString());
        return 0;
    }

    public sealed class HistoryRow
    {
        [VectorType]
        public int[] History { get; set; } = [];
    }

    public sealed class RecommendationRow
    {
        [VectorType]
        public int[] PredictedItems { get; set; } = [];

        [VectorType]
        public float[] Scores { get; set; } = [];
    }
}
