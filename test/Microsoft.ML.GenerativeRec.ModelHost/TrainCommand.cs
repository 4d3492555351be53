using Microsoft.ML;
using Microsoft.ML.GenerativeRec;

namespace Microsoft.ML.GenerativeRec.ModelHost;

/// <summary>
/// The <c>train</c> command: trains a small HSTU on deterministic synthetic data with a checkpoint folder and saves the
/// model zip, so a test can kill the process mid-epoch and resume it. The same data and options serve the test's
/// uninterrupted reference run, in the test process.
/// </summary>
/// <remarks>
/// Standard output gets one <c>step E S</c> line per training step (E = epoch, S = step), <c>log: ...</c> for every
/// MLContext log message about checkpoints, and <c>saved</c> once the zip is written. An optional delay after each step
/// slows the run down without changing its arithmetic, so the test can aim its kill inside an epoch.
/// </remarks>
public static class TrainCommand
{
    /// <summary>The number of epochs a run trains.</summary>
    public const int Epochs = 5;

    private const int Users = 160;
    private const int Items = 30;
    private const int Length = 14;

    /// <summary>Runs the command: <c>train &lt;checkpoint folder&gt; &lt;model.zip&gt; [step delay ms]</c>.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(string checkpointFolder, string modelPath, int stepDelayMilliseconds)
    {
        var mlContext = new MLContext(seed: 1);
        mlContext.Log += (_, e) =>
        {
            if (e.Message.Contains("checkpoint", StringComparison.OrdinalIgnoreCase))
            {
                Console.WriteLine($"log: {e.Message}");
            }
        };
        var split = Split(mlContext);
        var options = Options(checkpointFolder);
        options.Progress = new StepPrinter(stepDelayMilliseconds);
        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);
        mlContext.Model.Save(model, split.Train.Schema, modelPath);
        Console.WriteLine("saved");
        return 0;
    }

    /// <summary>The training data: every user walks the items in a cycle with a user-specific stride and pace.</summary>
    public static SequenceSplit Split(MLContext mlContext)
    {
        var rows = new List<Interaction>();
        for (int u = 1; u <= Users; u++)
        {
            for (int k = 0; k < Length; k++)
            {
                rows.Add(new Interaction
                {
                    UserId = u,
                    ItemId = ((u * (1 + (u % 4))) + (k * (1 + (u % 3)))) % Items + 1,
                    Timestamp = 1_000_000 + (u * 500) + (k * 90L * (1 + (u % 5))),
                });
            }
        }

        var sequences = mlContext.Recommendation().Data.ToSequences(mlContext.Data.LoadFromEnumerable(rows), "UserId", "ItemId", "Timestamp");
        return mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);
    }

    /// <summary>A small HSTU, CPU, one thread, fixed seed, a checkpoint after every epoch.</summary>
    public static HstuTrainer.Options Options(string? checkpointFolder) => new()
    {
        EmbeddingDimension = 16, AttentionDimension = 16, ValueDimension = 16, NumberOfBlocks = 2, MaxSequenceLength = 12,
        NumberOfEpochs = Epochs, BatchSize = 12, NumberOfNegatives = 16, EarlyStoppingPatience = 100, RestoreBestWeights = false, Seed = 11, NumberOfThreads = 1,
        Device = ComputeDevice.Cpu, NumberOfRecommendations = 10, CheckpointFolder = checkpointFolder, CheckpointFrequency = 1,
    };

    private sealed class Interaction
    {
        public int UserId { get; set; }

        public int ItemId { get; set; }

        public long Timestamp { get; set; }
    }

    private sealed class StepPrinter(int delayMilliseconds) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.IsEpochEnd)
            {
                return;
            }

            Console.WriteLine($"step {value.Epoch} {value.Step}");
            if (delayMilliseconds > 0)
            {
                Thread.Sleep(delayMilliseconds);
            }
        }
    }
}
