using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.ModelHost;

/// <summary>
/// The <c>memory</c> command: after a warm-up, serves many PredictionEngine calls and then trains a few epochs, and
/// prints TorchSharp's live tensor count and the process working set before, between and after. A fresh process keeps
/// the figures free of other tests' garbage (and each call's no-GC region cheap, see docs/reliability.md).
/// </summary>
/// <remarks>
/// Output: <c>live-tensors B S T</c> and <c>working-set-bytes B S T</c> (before, after serving, after training), then
/// <c>seconds P F</c> (predictions, training).
/// </remarks>
public static class MemoryCommand
{
    private const int WarmUpPredictions = 1_000;

    /// <summary>Runs the command: <c>memory &lt;predictions&gt; &lt;epochs&gt;</c>.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(int predictions, int epochs)
    {
        var mlContext = new MLContext(seed: 1);
        var split = TrainCommand.Split(mlContext);
        using var model = mlContext.Recommendation().Trainers.Hstu(TrainCommand.Options(checkpointFolder: null)).Fit(split.Train);
        TimedHistory[] requests =
        [
            .. mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false),
            new() { History = [], HistoryTimestamps = [], Timestamp = 1_000_000 },
            new() { History = [998, 999], HistoryTimestamps = [1_000_000, 1_000_060], Timestamp = 1_000_120 },
        ];
        var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, Recommendations>(model);
        void Predict(int count)
        {
            for (int i = 0; i < count; i++)
            {
                engine.Predict(requests[i % requests.Length]);
            }
        }

        void Train()
        {
            var options = TrainCommand.Options(checkpointFolder: null);
            options.NumberOfEpochs = epochs;
            using var trained = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);
        }

        // One intra-op thread, as docs/reliability.md advises for serving: on a busy machine libtorch's worker threads
        // wait for a core, and a call to this tiny model then takes about ten times longer.
        torch.set_num_threads(1);
        Predict(WarmUpPredictions);
        Train();
        var before = Measure();
        var clock = Stopwatch.StartNew();
        Predict(predictions);
        double predictionSeconds = clock.Elapsed.TotalSeconds;
        var afterServing = Measure();
        clock.Restart();
        Train();
        double trainingSeconds = clock.Elapsed.TotalSeconds;
        var afterTraining = Measure();

        Console.WriteLine($"live-tensors {before.Tensors} {afterServing.Tensors} {afterTraining.Tensors}");
        Console.WriteLine($"working-set-bytes {before.WorkingSet} {afterServing.WorkingSet} {afterTraining.WorkingSet}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seconds {predictionSeconds:F2} {trainingSeconds:F2}"));
        return 0;
    }

    private static (long Tensors, long WorkingSet) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (OperatingSystem.IsLinux())
        {
            // glibc keeps freed blocks mapped; hand them back so the working set counts live memory, not allocator slack.
            MallocTrim(0);
        }

        using var process = Process.GetCurrentProcess();
        return (DisposeScopeManager.Statistics.ThreadTotalLiveCount, process.WorkingSet64);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private sealed class TimedHistory
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public long Timestamp { get; set; }
    }

    private sealed class Recommendations
    {
        [VectorType]
        public int[] PredictedItems { get; set; } = [];

        [VectorType]
        public float[] Scores { get; set; } = [];
    }
}
