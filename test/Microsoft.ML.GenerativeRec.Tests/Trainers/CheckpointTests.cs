using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

[TestClass]
public sealed class CheckpointTests
{
    private const int Epochs = 4;

    [TestMethod]
    public void Fit_InterruptedThenResumed_EndsWithTheUninterruptedWeights()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var folder = new TempFolder();
        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null, validate: false);

        Assert.ThrowsExactly<OperationCanceledException>(() => Scores(mlContext, split, folder.Path, cancelAtEpoch: 3, validate: false));
        float[][] resumed = Scores(mlContext, split, folder.Path, cancelAtEpoch: null, validate: false);

        AssertSame(uninterrupted, resumed);
    }

    [TestMethod]
    public void Fit_NewestCheckpointDamaged_ResumesFromThePreviousOne()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var folder = new TempFolder();
        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null);
        Assert.ThrowsExactly<OperationCanceledException>(() => Scores(mlContext, split, folder.Path, cancelAtEpoch: 4));
        string newest = Directory.GetFiles(folder.Path, "checkpoint-*.bin").Order(StringComparer.Ordinal).Last();
        StringAssert.EndsWith(newest, "checkpoint-0003.bin");
        byte[] bytes = File.ReadAllBytes(newest);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);
        var warnings = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (warnings)
            {
                if (e.Message.Contains("damaged", StringComparison.Ordinal))
                {
                    warnings.Add(e.Message);
                }
            }
        };

        float[][] resumed = Scores(mlContext, split, folder.Path, cancelAtEpoch: null);

        AssertSame(uninterrupted, resumed);
        lock (warnings)
        {
            Assert.HasCount(1, warnings);
        }
    }

    [TestMethod]
    public void Fit_CheckpointOfAnotherRun_IsIgnored()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var folder = new TempFolder();
        var other = SyntheticSequences.HstuOptions(epochs: 1);
        other.LearningRate = 0.01;
        other.CheckpointFolder = folder.Path;
        using (mlContext.Recommendation().Trainers.Hstu(other).Fit(split.Train))
        {
        }

        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null);
        float[][] withForeignCheckpoint = Scores(mlContext, split, folder.Path, cancelAtEpoch: null);

        AssertSame(uninterrupted, withForeignCheckpoint);
    }

    // Without validation the model is the last epoch's, so every epoch after the resume must repeat exactly.
    private static float[][] Scores(MLContext mlContext, SequenceSplit split, string? checkpointFolder, int? cancelAtEpoch, bool validate = true)
    {
        using var cancellation = new CancellationTokenSource();
        var options = SyntheticSequences.HstuOptions(Epochs);
        options.EarlyStoppingPatience = 100;
        options.CheckpointFolder = checkpointFolder;
        options.CancellationToken = cancellation.Token;
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Epoch == cancelAtEpoch && p.Step == 2)
            {
                cancellation.Cancel();
            }
        });
        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, validate ? split.Validation : null);
        return model.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray();
    }

    private static void AssertSame(float[][] expected, float[][] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        }
    }
}
