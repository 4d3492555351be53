using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

[TestClass]
public sealed class NeuralTrainerTests
{
    [TestMethod]
    public void Fit_SameSeedTwice_GivesIdenticalScores()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);

        using var first = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(split.Train);
        using var second = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(split.Train);

        var a = first.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var b = second.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            CollectionAssert.AreEqual(a[i], b[i], $"row {i}");
        }
    }

    [TestMethod]
    public void Fit_DifferentSeeds_GiveDifferentScores()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var other = SyntheticSequences.HstuOptions();
        other.Seed = 4;

        using var first = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(split.Train);
        using var second = mlContext.Recommendation().Trainers.Hstu(other).Fit(split.Train);

        var a = first.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).First();
        var b = second.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).First();
        CollectionAssert.AreNotEqual(a, b);
    }

    [TestMethod]
    public void Fit_RandomBatches_TrainOnOtherBatchesThanLengthGroupedOnes()
    {
        // Histories of 2 to 10 items: grouping by length changes which users share a batch.
        var mlContext = new MLContext(seed: 1);
        var rows = Enumerable.Range(1, 64).Select(u => new IntTrainingRow
        {
            History = [.. Enumerable.Range(0, 2 + (u % 9)).Select(k => (u + k) % SyntheticSequences.ItemCount + 1)],
            Label = (u + 2 + (u % 9)) % SyntheticSequences.ItemCount + 1,
        });
        var train = mlContext.Data.LoadFromEnumerable(rows);
        var random = SyntheticSequences.HstuOptions();
        random.GroupBatchesByLength = false;

        using var grouped = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(train);
        using var shuffled = mlContext.Recommendation().Trainers.Hstu(random).Fit(train);

        Assert.IsTrue(shuffled.TrainingHistory.Epochs.All(e => double.IsFinite(e.Loss) && e.Loss > 0));
        CollectionAssert.AreNotEqual(
            grouped.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First(),
            shuffled.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First());
    }

    [TestMethod]
    public void Fit_Cancelled_StopsWithinOneStep()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var cancellation = new CancellationTokenSource();
        int stepsAfterCancel = 0;
        var options = SyntheticSequences.HstuOptions(epochs: 50);
        options.CancellationToken = cancellation.Token;
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (cancellation.IsCancellationRequested && !p.IsEpochEnd)
            {
                stepsAfterCancel++;
            }

            if (p.Epoch == 2 && p.Step == 1)
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsExactly<OperationCanceledException>(() => mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train));

        Assert.AreEqual(0, stepsAfterCancel, "no step may start after the cancellation");
    }

    [TestMethod]
    public void Fit_ExplodingLearningRate_StopsNamingEpochAndStep()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 20);
        options.LearningRate = 1e30;

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train));

        StringAssert.Matches(error.Message, new System.Text.RegularExpressions.Regex(@"loss became (NaN|∞|-∞|Infinity|-Infinity) at epoch \d+, step \d+"));
    }

    [TestMethod]
    public void Fit_ThreeEpochs_LiveTensorCountStaysFlat()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var liveAtEpochEnd = new List<long>();
        var options = SyntheticSequences.HstuOptions(epochs: 4);
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.IsEpochEnd)
            {
                liveAtEpochEnd.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            }
        });

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);

        Assert.HasCount(4, liveAtEpochEnd);
        Assert.AreEqual(liveAtEpochEnd[1], liveAtEpochEnd[^1], string.Join(", ", liveAtEpochEnd));
    }

    [TestMethod]
    public void Fit_Validation_ReportsMetricsAndKeepsTheBestEpoch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var validationNdcg = new List<double>();
        var options = SyntheticSequences.HstuOptions(epochs: 6);
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.IsEpochEnd)
            {
                validationNdcg.Add(p.ValidationNdcgAt10!.Value);
            }
        });

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);
        var metrics = mlContext.Recommendation().Evaluate(model, split.Validation!, maxK: 10);

        Assert.AreEqual(validationNdcg.Max(), metrics.Ndcg(10), 1e-6, string.Join(", ", validationNdcg));
        Assert.AreEqual(validationNdcg.IndexOf(validationNdcg.Max()) + 1, model.TrainingHistory.BestEpoch);
        Assert.AreEqual(validationNdcg.Max(), model.TrainingHistory.BestValidationNdcgAt10!.Value, 1e-12);
        CollectionAssert.AreEqual(validationNdcg, model.TrainingHistory.Epochs.Select(e => e.ValidationNdcgAt10!.Value).ToList());
    }

    [TestMethod]
    public void Fit_EpochSummaries_GoToTheMLContextLog()
    {
        var mlContext = new MLContext(seed: 1);
        var messages = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (messages)
            {
                messages.Add(e.Message);
            }
        };
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);

        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 2)).Fit(split.Train, split.Validation);

        lock (messages)
        {
            Assert.IsTrue(messages.Any(m => m.Contains("epoch 2/2") && m.Contains("validation NDCG@10")), string.Join("\n", messages.TakeLast(5)));
        }
    }

    [TestMethod]
    public void Fit_Timestamps_TurnTheTimeBiasOnOnlyWhenPresent()
    {
        var mlContext = new MLContext(seed: 1);

        using var timed = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1))
            .Fit(SyntheticSequences.Split(mlContext, withTimestamps: true).Train);
        using var untimed = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1))
            .Fit(SyntheticSequences.Split(mlContext, withTimestamps: false).Train);

        Assert.IsTrue(timed.UsesTimestamps);
        Assert.IsFalse(untimed.UsesTimestamps);
    }

    [TestMethod]
    public void Transform_NeverRecommendsHistoryItems()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions()).Fit(split.Train);

        var scored = model.Transform(split.Test);
        var histories = scored.GetColumn<int[]>(ColumnNames.History).ToArray();
        var predicted = scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();

        for (int i = 0; i < histories.Length; i++)
        {
            Assert.HasCount(5, predicted[i]);
            Assert.IsFalse(predicted[i].Intersect(histories[i][^10..]).Any(), $"row {i}");
        }
    }

    [TestMethod]
    [DataRow(nameof(HstuTrainer.Options.NumberOfEpochs))]
    [DataRow(nameof(HstuTrainer.Options.BatchSize))]
    [DataRow(nameof(HstuTrainer.Options.DropoutRate))]
    [DataRow(nameof(HstuTrainer.Options.LearningRate))]
    [DataRow(nameof(HstuTrainer.Options.NumberOfNegatives))]
    [DataRow(nameof(HstuTrainer.Options.Temperature))]
    public void Options_OutOfRange_ThrowsNamingTheField(string field)
    {
        var options = new HstuTrainer.Options();
        switch (field)
        {
            case nameof(options.NumberOfEpochs): options.NumberOfEpochs = 0; break;
            case nameof(options.BatchSize): options.BatchSize = 0; break;
            case nameof(options.DropoutRate): options.DropoutRate = 1; break;
            case nameof(options.LearningRate): options.LearningRate = -1e-3; break;
            case nameof(options.NumberOfNegatives): options.NumberOfNegatives = 0; break;
            case nameof(options.Temperature): options.Temperature = double.NaN; break;
        }

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.Hstu(options));

        Assert.AreEqual(field, error.ParamName);
    }

    [TestMethod]
    public void SasRecOptions_HeadsNotDividingDimension_Throws()
    {
        var options = new SasRecTrainer.Options { EmbeddingDimension = 50, NumberOfHeads = 3 };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.SasRec(options));

        Assert.AreEqual(nameof(SasRecTrainer.Options.EmbeddingDimension), error.ParamName);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void SaveLoad_SeparateProcess_GivesIdenticalScores(bool hstu)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: hstu);
        using SequentialRecommenderTransformer model = hstu
            ? mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(split.Train)
            : mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions()).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);

        var fromChild = ModelHostProcess.Transform(mlContext, path, split.Test, folder.Path);
        using var reloaded = (SequentialRecommenderTransformer)mlContext.Model.Load(path, out _);
        CollectionAssert.AreEqual(model.TrainingHistory.Epochs.ToList(), reloaded.TrainingHistory.Epochs.ToList());

        var expected = model.Transform(split.Test);
        var expectedItems = expected.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = expected.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var actualItems = fromChild.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var actualScores = fromChild.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        for (int i = 0; i < expectedItems.Length; i++)
        {
            CollectionAssert.AreEqual(expectedItems[i], actualItems[i], $"row {i}");
            CollectionAssert.AreEqual(expectedScores[i], actualScores[i], $"row {i}");
        }
    }
}
