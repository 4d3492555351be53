using System.IO.Compression;
using Microsoft.ML.GenerativeRec.ModelHost;
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
    public void Fit_CosineScheduleInterruptedThenResumed_EndsWithTheUninterruptedWeights()
    {
        // The resumed run must pick the schedule up at its step, not restart it or keep the checkpoint's last rate.
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var folder = new TempFolder();
        float[][] constant = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null, validate: false);
        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null, validate: false, LearningRateSchedule.Cosine);

        Assert.ThrowsExactly<OperationCanceledException>(
            () => Scores(mlContext, split, folder.Path, cancelAtEpoch: 3, validate: false, LearningRateSchedule.Cosine));
        float[][] resumed = Scores(mlContext, split, folder.Path, cancelAtEpoch: null, validate: false, LearningRateSchedule.Cosine);

        AssertSame(uninterrupted, resumed);
        Assert.IsFalse(constant.Zip(uninterrupted).All(rows => rows.First.SequenceEqual(rows.Second)), "the schedule changed nothing");
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

    // A real interruption: the ModelHost's "train" command is killed in the middle of epoch 3 (its checkpoints of
    // epochs 1 and 2 are on disk), started again with the same arguments, and must end with the weights of a run that
    // was never interrupted. The model is the last epoch's (RestoreBestWeights = false), so epochs 3 to 5 must repeat
    // exactly after the resume; validation runs every epoch, so the best-weights snapshot goes through the checkpoint too.
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_ChildProcessKilledMidEpoch_ResumesToTheUninterruptedWeights()
    {
        const string KillAfter = "step 3 4";                 // epoch 3 has 14 steps
        using var folder = new TempFolder();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        string resumedPath = folder.File("resumed.zip");

        string? last = null;
        using (var child = ModelHostProcess.Start("train", checkpoints, resumedPath, StepDelayMilliseconds))
        using (TestContext.CancellationToken.Register(() => child.Kill(entireProcessTree: true)))
        {
            _ = child.StandardError.ReadToEndAsync(TestContext.CancellationToken);
            while (last != KillAfter && child.StandardOutput.ReadLine() is { } line)
            {
                last = line;
            }

            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        Assert.AreEqual(KillAfter, last, "the child ended before it reached epoch 3");
        CollectionAssert.AreEqual(new[] { "checkpoint-0001.bin", "checkpoint-0002.bin" },
            Directory.GetFiles(checkpoints, "checkpoint-*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.IsFalse(File.Exists(resumedPath));

        string resumedOutput = ModelHostProcess.Run("train", checkpoints, resumedPath);

        StringAssert.Contains(resumedOutput, "Resumed from the checkpoint after epoch 2");
        StringAssert.StartsWith(resumedOutput.Split('\n').First(l => l.StartsWith("step ", StringComparison.Ordinal)), "step 3 1");
        var mlContext = new MLContext(seed: 1);
        var split = TrainCommand.Split(mlContext);
        string uninterruptedPath = folder.File("uninterrupted.zip");
        using (var uninterrupted = mlContext.Recommendation().Trainers.Hstu(TrainCommand.Options(checkpointFolder: null)).Fit(split.Train, split.Validation))
        {
            mlContext.Model.Save(uninterrupted, split.Train.Schema, uninterruptedPath);
        }

        CollectionAssert.AreEqual(ReadEntry(uninterruptedPath, "TorchWeights"), ReadEntry(resumedPath, "TorchWeights"), "the saved weights differ");
        using var expected = (SequentialRecommenderTransformer)mlContext.Model.Load(uninterruptedPath, out _);
        using var actual = (SequentialRecommenderTransformer)mlContext.Model.Load(resumedPath, out _);
        AssertSame(expected.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray(),
            actual.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray());
        CollectionAssert.AreEqual(expected.TrainingHistory.Epochs.Select(e => (e.Epoch, e.Loss, e.ValidationNdcgAt10)).ToArray(),
            actual.TrainingHistory.Epochs.Select(e => (e.Epoch, e.Loss, e.ValidationNdcgAt10)).ToArray());
        Assert.HasCount(TrainCommand.Epochs, actual.TrainingHistory.Epochs);
    }

    // What a crash during a write or a failing disk leaves behind: a newest checkpoint cut short and a stray temporary
    // file. The checksum rejects the first, the file pattern never reads the second.
    [TestMethod]
    public void Fit_TruncatedNewestCheckpointAndStrayTemporaryFile_ResumesFromThePreviousOne()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var folder = new TempFolder();
        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null, validate: false);
        Assert.ThrowsExactly<OperationCanceledException>(() => Scores(mlContext, split, folder.Path, cancelAtEpoch: 4, validate: false));
        string newest = folder.File("checkpoint-0003.bin");
        byte[] bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length * 2 / 3)]);
        File.WriteAllBytes(folder.File("checkpoint-0004.bin.tmp"), bytes[..(bytes.Length / 3)]);
        var warnings = CaptureWarnings(mlContext);

        float[][] resumed = Scores(mlContext, split, folder.Path, cancelAtEpoch: null, validate: false);

        AssertSame(uninterrupted, resumed);
        lock (warnings)
        {
            Assert.HasCount(1, warnings, string.Join("\n", warnings));
            StringAssert.Contains(warnings[0], "checkpoint-0003.bin' is damaged or incomplete");
        }
    }

    [TestMethod]
    public void Fit_EveryCheckpointDamaged_WarnsForEachAndTrainsFromTheStart()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var folder = new TempFolder();
        float[][] uninterrupted = Scores(mlContext, split, checkpointFolder: null, cancelAtEpoch: null, validate: false);
        Assert.ThrowsExactly<OperationCanceledException>(() => Scores(mlContext, split, folder.Path, cancelAtEpoch: 4, validate: false));
        foreach (string file in Directory.GetFiles(folder.Path, "checkpoint-*.bin"))
        {
            File.WriteAllBytes(file, []);
        }

        var warnings = CaptureWarnings(mlContext);

        float[][] restarted = Scores(mlContext, split, folder.Path, cancelAtEpoch: null, validate: false);

        AssertSame(uninterrupted, restarted);
        lock (warnings)
        {
            Assert.HasCount(2, warnings, string.Join("\n", warnings));
        }
    }

    private const string StepDelayMilliseconds = "25";

    public TestContext TestContext { get; set; } = null!;

    private static List<string> CaptureWarnings(MLContext mlContext)
    {
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
        return warnings;
    }

    private static byte[] ReadEntry(string zipPath, string suffix)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    // Without validation the model is the last epoch's, so every epoch after the resume must repeat exactly.
    private static float[][] Scores(MLContext mlContext, SequenceSplit split, string? checkpointFolder, int? cancelAtEpoch, bool validate = true,
        LearningRateSchedule schedule = LearningRateSchedule.Constant)
    {
        using var cancellation = new CancellationTokenSource();
        var options = SyntheticSequences.HstuOptions(Epochs);
        options.LearningRateSchedule = schedule;
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
