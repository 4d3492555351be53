using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class TrainingHistoryTests
{
    [TestMethod]
    public void Fit_ValidationWithoutRestoringBestWeights_KeptEpochIsTheLastEpoch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 4);
        options.RestoreBestWeights = false;
        options.EarlyStoppingPatience = options.NumberOfEpochs;     // a fixed number of epochs, validated after each

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);
        var history = model.TrainingHistory;
        var metrics = mlContext.Recommendation().Evaluate(model, split.Validation!, maxK: 10);

        Assert.AreEqual(4, history.KeptEpoch);
        // The weights are the last epoch's: scoring the validation rows again gives that epoch's NDCG@10.
        Assert.AreEqual(history.Epochs[^1].ValidationNdcgAt10!.Value, metrics.Ndcg(10), 1e-6);
        var best = history.Epochs.MaxBy(e => e.ValidationNdcgAt10!.Value)!;
        Assert.AreEqual(best.Epoch, history.BestEpoch);
        Assert.AreEqual(best.ValidationNdcgAt10, history.BestValidationNdcgAt10);
    }

    [TestMethod]
    public void Fit_ValidationRestoringBestWeights_KeptEpochIsTheBestEpoch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);

        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 3)).Fit(split.Train, split.Validation);

        Assert.AreEqual(model.TrainingHistory.BestEpoch, model.TrainingHistory.KeptEpoch);
    }

    [TestMethod]
    public void WriteRead_RoundTrip_KeepsBestAndKeptEpochs()
    {
        var history = new TrainingHistory(bestEpoch: 2, keptEpoch: 3, bestValidationNdcgAt10: 0.25,
            [new EpochSummary(1, 4.0, 1, 10, 0.1, 0.2), new EpochSummary(2, 3.0, 1, 10, 0.25, 0.3), new EpochSummary(3, 2.5, 1, 10, 0.2, 0.3)]);
        using var stream = new MemoryStream();
        history.Write(new BinaryWriter(stream));
        stream.Position = 0;

        var read = TrainingHistory.Read(new BinaryReader(stream));

        Assert.AreEqual(2, read.BestEpoch);
        Assert.AreEqual(3, read.KeptEpoch);
        Assert.AreEqual(0.25, read.BestValidationNdcgAt10);
        CollectionAssert.AreEqual(EpochFigures.Of(history.Epochs), EpochFigures.Of(read.Epochs));
    }

    // Format 1, as zips and checkpoints were written before KeptEpoch: best epoch, best NDCG@10, then the epochs.
    [TestMethod]
    public void Read_Format1_KeptEpochIsTheBestEpoch()
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write(2);                                             // best epoch
        writer.Write(0.25);                                          // best validation NDCG@10
        writer.Write(2);                                             // epochs
        foreach (var (epoch, ndcg) in new[] { (1, 0.1), (2, 0.25) })
        {
            writer.Write(epoch);
            writer.Write(3.0);                                       // loss
            writer.Write(1.0);                                       // seconds
            writer.Write(10.0);                                      // tokens per second
            writer.Write(ndcg);
            writer.Write(0.5);                                       // HR@10
        }

        stream.Position = 0;

        var read = TrainingHistory.Read(new BinaryReader(stream));

        Assert.AreEqual(2, read.BestEpoch);
        Assert.AreEqual(2, read.KeptEpoch);
        Assert.AreEqual(0.25, read.BestValidationNdcgAt10);
        Assert.AreEqual((2, 3.0, 1.0, 10.0, (double?)0.25, (double?)0.5), EpochFigures.Of(read.Epochs[1]));
    }

    [TestMethod]
    public void Read_UnknownFormat_ThrowsSayingSo()
    {
        using var stream = new MemoryStream();
        new BinaryWriter(stream).Write(-7);
        stream.Position = 0;

        var error = Assert.ThrowsExactly<InvalidDataException>(() => TrainingHistory.Read(new BinaryReader(stream)));

        StringAssert.Contains(error.Message, "format 7");
    }

    [TestMethod]
    public void SaveLoad_WithoutRestoringBestWeights_KeepsKeptEpoch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.SasRecOptions(epochs: 3);
        options.RestoreBestWeights = false;
        using var model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train, split.Validation);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");

        mlContext.Model.Save(model, split.Train.Schema, path);
        using var reloaded = (SequentialRecommenderTransformer)mlContext.Model.Load(path, out _);

        Assert.AreEqual(3, reloaded.TrainingHistory.KeptEpoch);
        Assert.AreEqual(model.TrainingHistory.BestEpoch, reloaded.TrainingHistory.BestEpoch);
    }
}
