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
        var train = VariedLengthRows(mlContext);
        var random = SyntheticSequences.HstuOptions();
        random.GroupBatchesByLength = false;
        var lengthGrouped = SyntheticSequences.HstuOptions();
        lengthGrouped.GroupBatchesByLength = true;

        using var grouped = mlContext.Recommendation().Trainers.Hstu(lengthGrouped).Fit(train);
        using var shuffled = mlContext.Recommendation().Trainers.Hstu(random).Fit(train);

        Assert.IsTrue(shuffled.TrainingHistory.Epochs.All(e => double.IsFinite(e.Loss) && e.Loss > 0));
        CollectionAssert.AreNotEqual(
            grouped.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First(),
            shuffled.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First());
    }

    [TestMethod]
    public void Fit_LengthGroupBatches_OneBatchPerGroupIsRandomBatches_TwoIsNeither()
    {
        // 64 users of 2 to 10 items, batches of 16: the default group (32 batches) sorts all of them together.
        var mlContext = new MLContext(seed: 1);
        var train = VariedLengthRows(mlContext);
        var random = SyntheticSequences.HstuOptions();
        random.GroupBatchesByLength = false;
        HstuTrainer.Options Grouped(int? batchesPerGroup = null)
        {
            var options = SyntheticSequences.HstuOptions();
            options.GroupBatchesByLength = true;
            options.LengthGroupBatches = batchesPerGroup ?? options.LengthGroupBatches;
            return options;
        }

        float[] Scores(HstuTrainer.Options options)
        {
            using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(train);
            return model.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First();
        }

        float[] whole = Scores(Grouped()), one = Scores(Grouped(1)), two = Scores(Grouped(2));
        CollectionAssert.AreEqual(Scores(random), one);       // a group of one batch is sorted within the batch only
        CollectionAssert.AreNotEqual(whole, two);
        CollectionAssert.AreNotEqual(one, two);
        Assert.AreEqual(nameof(HstuTrainer.Options.LengthGroupBatches), Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Trainers.Hstu(new HstuTrainer.Options { LengthGroupBatches = 0 })).ParamName);
    }

    [TestMethod]
    [DataRow(true, DisplayName = "equal lengths: every batch holds the mean token count, so the weights are all 1")]
    [DataRow(false, DisplayName = "lengths 2 to 10: batches of short histories are scaled down")]
    public void Fit_WeighTokensEqually_ChangesTrainingOnlyWhenBatchesHoldDifferentTokenCounts(bool equalLengths)
    {
        var mlContext = new MLContext(seed: 1);
        var rows = Enumerable.Range(1, 64).Select(u =>
        {
            int length = equalLengths ? 6 : 2 + (u % 9);
            return new IntTrainingRow
            {
                History = [.. Enumerable.Range(0, length).Select(k => (u + k) % SyntheticSequences.ItemCount + 1)],
                Label = (u + length) % SyntheticSequences.ItemCount + 1,
            };
        });
        var train = mlContext.Data.LoadFromEnumerable(rows);
        var batchMean = SyntheticSequences.HstuOptions();
        batchMean.WeighTokensEqually = false;
        var weighed = SyntheticSequences.HstuOptions();
        weighed.WeighTokensEqually = true;

        using var plain = mlContext.Recommendation().Trainers.Hstu(batchMean).Fit(train);
        using var balanced = mlContext.Recommendation().Trainers.Hstu(weighed).Fit(train);

        var a = plain.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First();
        var b = balanced.Transform(train).GetColumn<float[]>(ColumnNames.Scores).First();
        if (equalLengths)
            CollectionAssert.AreEqual(a, b);
        else
            CollectionAssert.AreNotEqual(a, b);
    }

    [TestMethod]
    [DataRow("hstu")]
    [DataRow("sasrec")]
    public void Fit_BFloat16Precision_TrainsAFloat32ModelThatLearns(string kind)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: kind == "hstu");
        SequentialRecommenderTrainerOptions Options(TrainingPrecision precision)
        {
            SequentialRecommenderTrainerOptions options = kind == "hstu" ? SyntheticSequences.HstuOptions(epochs: 4) : SyntheticSequences.SasRecOptions(epochs: 4);
            options.Precision = precision;
            return options;
        }

        using var mixed = Fit(mlContext, kind, Options(TrainingPrecision.BFloat16), split.Train);
        using var full = Fit(mlContext, kind, Options(TrainingPrecision.Float32), split.Train);

        var losses = mixed.TrainingHistory.Epochs.Select(e => e.Loss).ToArray();
        Assert.IsTrue(losses.All(double.IsFinite), string.Join(", ", losses));
        Assert.IsLessThan(losses[0], losses[^1], $"the bfloat16 loss should fall: {string.Join(", ", losses)}");
        // Training arithmetic differs, so the weights do; each model still scores in float32 from float32 weights.
        var mixedScores = mixed.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).First();
        CollectionAssert.AreNotEqual(full.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).First(), mixedScores);
        Assert.IsTrue(mixedScores.All(float.IsFinite));
    }

    private static SequentialRecommenderTransformer Fit(MLContext mlContext, string kind, SequentialRecommenderTrainerOptions options, IDataView train)
        => kind == "hstu"
            ? mlContext.Recommendation().Trainers.Hstu((HstuTrainer.Options)options).Fit(train)
            : mlContext.Recommendation().Trainers.SasRec((SasRecTrainer.Options)options).Fit(train);

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
    public void Fit_MLContextCancelled_StopsWithinOneStep()
    {
        // AutoML stops a trial through MLContext.CancelExecution(), which ML.NET keeps internal: reached here by reflection.
        var mlContext = new MLContext(seed: 1);
        var cancelExecution = typeof(MLContext).GetMethod("CancelExecution",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, Type.EmptyTypes)!;
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        bool cancelled = false;
        int stepsAfterCancel = 0;
        var options = SyntheticSequences.HstuOptions(epochs: 50);
        options.Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (cancelled && !p.IsEpochEnd)
            {
                stepsAfterCancel++;
            }

            if (p.Epoch == 2 && p.Step == 1)
            {
                cancelExecution.Invoke(mlContext, null);
                cancelled = true;
            }
        });
        var trainer = mlContext.Recommendation().Trainers.Hstu(options);

        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(split.Train));

        Assert.IsTrue(cancelled);
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
    [DataRow((int)LearningRateSchedule.Constant)]
    [DataRow((int)LearningRateSchedule.Cosine)]
    public void Fit_LearningRateSchedule_EveryStepReportsTheScheduledRate(int scheduleValue)
    {
        var schedule = (LearningRateSchedule)scheduleValue;
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var reports = new List<TrainingProgress>();
        var options = SyntheticSequences.HstuOptions(epochs: 3);
        options.LearningRate = 0.002;
        options.LearningRateSchedule = schedule;
        options.Progress = new SynchronousProgress<TrainingProgress>(p => { if (!p.IsEpochEnd) reports.Add(p); });

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);

        // Cosine over all T = epochs × steps-per-epoch steps: step s (from 0) runs at lr₀·(1 + cos(π·s/T))/2.
        int total = 3 * reports[0].StepsPerEpoch;
        Assert.HasCount(total, reports);
        for (int s = 0; s < total; s++)
        {
            double expected = schedule == LearningRateSchedule.Constant ? 0.002 : 0.002 * (1 + Math.Cos(Math.PI * s / total)) / 2;
            Assert.AreEqual(expected, reports[s].LearningRate, 1e-12, $"step {s}");
        }
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
    [DataRow(nameof(HstuTrainer.Options.NumberOfRecommendations))]
    [DataRow(nameof(HstuTrainer.Options.NumberOfHeads))]
    [DataRow(nameof(HstuTrainer.Options.NumberOfThreads))]
    [DataRow(nameof(HstuTrainer.Options.CheckpointFrequency))]
    [DataRow(nameof(HstuTrainer.Options.WeightDecay))]
    [DataRow(nameof(HstuTrainer.Options.Precision))]
    [DataRow(nameof(HstuTrainer.Options.LearningRateSchedule))]
    [DataRow(nameof(HstuTrainer.Options.NegativeSampling))]
    [DataRow(nameof(HstuTrainer.Options.PaddedLength))]
    public void Options_OutOfRange_ThrowsNamingTheField(string field)
    {
        var options = new HstuTrainer.Options();
        switch (field)
        {
            case nameof(options.NumberOfRecommendations): options.NumberOfRecommendations = 0; break;
            case nameof(options.NumberOfHeads): options.NumberOfHeads = 0; break;
            case nameof(options.NumberOfThreads): options.NumberOfThreads = 0; break;
            case nameof(options.CheckpointFrequency): options.CheckpointFrequency = 0; break;
            case nameof(options.WeightDecay): options.WeightDecay = double.PositiveInfinity; break;
            case nameof(options.Precision): options.Precision = (TrainingPrecision)7; break;
            case nameof(options.LearningRateSchedule): options.LearningRateSchedule = (LearningRateSchedule)7; break;
            case nameof(options.NegativeSampling): options.NegativeSampling = (NegativeSampling)7; break;
            case nameof(options.NumberOfEpochs): options.NumberOfEpochs = 0; break;
            case nameof(options.BatchSize): options.BatchSize = 0; break;
            case nameof(options.DropoutRate): options.DropoutRate = 1; break;
            case nameof(options.LearningRate): options.LearningRate = -1e-3; break;
            case nameof(options.NumberOfNegatives): options.NumberOfNegatives = 0; break;
            case nameof(options.Temperature): options.Temperature = double.NaN; break;
            case nameof(options.PaddedLength): options.PaddedLength = options.MaxSequenceLength; break;   // Fit needs N > max length
        }

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.Hstu(options));

        // The exception names the option, carries the rejected value and says what is expected.
        Assert.AreEqual(field, error.ParamName);
        var option = typeof(HstuTrainer.Options).GetMember(field).Single();
        object? rejected = option is System.Reflection.FieldInfo f ? f.GetValue(options) : ((System.Reflection.PropertyInfo)option).GetValue(options);
        Assert.AreEqual(rejected, error.ActualValue);
        Assert.IsTrue(error.Message.StartsWith("Must be", StringComparison.Ordinal) || error.Message.StartsWith("Unknown", StringComparison.Ordinal),
            error.Message);
    }

    [TestMethod]
    public void SasRecOptions_HeadsNotDividingDimension_Throws()
    {
        var options = new SasRecTrainer.Options { EmbeddingDimension = 50, NumberOfHeads = 3 };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.SasRec(options));

        Assert.AreEqual(nameof(SasRecTrainer.Options.EmbeddingDimension), error.ParamName);
    }

    // HSTU's heads each have their own query/key and value widths (AttentionDimension, ValueDimension), projected back
    // to D, so unlike SASRec it has no divisibility rule.
    [TestMethod]
    public void HstuOptions_HeadsNotDividingDimension_Trains()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.NumberOfHeads = 3;                      // D = 8
        options.AttentionDimension = 8;
        options.ValueDimension = 8;

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);

        var scores = model.Transform(split.Test).GetColumn<float[]>(ColumnNames.Scores).ToArray();
        Assert.IsTrue(scores.All(row => row.Length == 5 && row.All(float.IsFinite)));
    }

    [TestMethod]
    [DataRow(ColumnNames.History, "HistoryColumnName")]
    [DataRow(ColumnNames.Label, "LabelColumnName")]
    public void Fit_MissingColumn_ThrowsNamingIt(string missing, string parameter)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var data = mlContext.Transforms.DropColumns(missing).Fit(split.Train).Transform(split.Train);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(data));

        Assert.AreEqual(parameter, error.ParamName);
        StringAssert.Contains(error.Message, $"column '{missing}' was not found");
    }

    [TestMethod]
    [DataRow(nameof(ScalarHistoryRow), "Schema mismatch for history column 'History': expected a vector of", "got Int32")]
    [DataRow(nameof(LongLabelRow), "Schema mismatch for label column 'Label': expected the item type of 'History' (Int32)", "got Int64")]
    [DataRow(nameof(IntTimesRow), "Schema mismatch for history timestamps column 'HistoryTimestamps': expected a vector of Int64", "got Vector<Int32>")]
    [DataRow(nameof(TextTimestampRow), "Schema mismatch for timestamp column 'Timestamp'", "got String")]
    public void Fit_WrongColumnType_ThrowsSchemaMismatchNamingTheColumn(string rowType, string expected, string got)
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = rowType switch
        {
            nameof(ScalarHistoryRow) => mlContext.Data.LoadFromEnumerable(new[] { new ScalarHistoryRow { History = 1, Label = 2 } }),
            nameof(LongLabelRow) => mlContext.Data.LoadFromEnumerable(new[] { new LongLabelRow { History = [1], Label = 2 } }),
            nameof(IntTimesRow) => mlContext.Data.LoadFromEnumerable(new[] { new IntTimesRow { History = [1], HistoryTimestamps = [1], Label = 2, Timestamp = 2 } }),
            _ => mlContext.Data.LoadFromEnumerable(new[] { new TextTimestampRow { History = [1], HistoryTimestamps = [1], Label = 2, Timestamp = "now" } }),
        };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(data));

        StringAssert.Contains(error.Message, expected);
        StringAssert.Contains(error.Message, got);
    }

    [TestMethod]
    public void Fit_EmptyView_ThrowsSayingThereAreNoRows()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Array.Empty<IntTrainingRow>());

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions()).Fit(data));

        StringAssert.Contains(error.Message, "The data view has no rows");
    }

    [TestMethod]
    public void Fit_NoRowHasHistory_ThrowsSayingThereIsNothingToLearn()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new IntTrainingRow { History = [], Label = 1 }, new IntTrainingRow { History = [], Label = 2 } });

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(data));

        StringAssert.Contains(error.Message, "No training row has a history item before its label");
    }

    [TestMethod]
    [DataRow(-5L, double.NaN, "Column 'HistoryTimestamps', row index 1: timestamp -5 is negative")]
    [DataRow(5L, double.NaN, "Column 'Timestamp', row index 1: timestamp NaN is not a number")]
    [DataRow(5L, -1.0, "Column 'Timestamp', row index 1: timestamp -1 is negative")]
    public void Fit_BadTimestamp_ThrowsNamingColumnRowAndValue(long historyTime, double requestTime, string expected)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[]
        {
            new DoubleTimestampRow { History = [1, 2], HistoryTimestamps = [1, 2], Label = 3, Timestamp = 3 },
            new DoubleTimestampRow { History = [1, 2], HistoryTimestamps = [1, historyTime], Label = 3, Timestamp = historyTime < 0 ? 3 : requestTime },
        });

        var error = Assert.ThrowsExactly<InvalidDataException>(
            () => mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions()).Fit(data));

        StringAssert.Contains(error.Message, expected);
    }

    // ToSequences sorts by time; rows made elsewhere are read as given. HSTU buckets |t[i+1] − t[j]| (hstu-spec.md §3.4),
    // so times that run backwards, or a request time before the history, are valid input.
    [TestMethod]
    public void Fit_TimestampsOutOfOrder_TrainsAndScoresAsGiven()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var reversed = mlContext.Data.LoadFromEnumerable(mlContext.Data.CreateEnumerable<TimedTrainingRow>(split.Train, reuseRowObject: false)
            .Select(r => new TimedTrainingRow { History = r.History, HistoryTimestamps = [.. r.HistoryTimestamps.Reverse()], Label = r.Label, Timestamp = 0 }));

        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(reversed);

        Assert.IsTrue(model.UsesTimestamps);
        var scores = model.Transform(reversed).GetColumn<float[]>(ColumnNames.Scores).ToArray();
        Assert.IsTrue(scores.All(row => row.Length == 5 && row.All(float.IsFinite)));
    }

    // Each kind of id at its extremes: the model must give back exactly the ids it was trained on.
    [TestMethod]
    [DataRow(nameof(UInt32Interaction))]
    [DataRow(nameof(Int64Interaction))]
    [DataRow(nameof(TextInteractionRow))]
    public void Fit_ExtremeOrNonAsciiItemIds_RecommendsThemUnchanged(string kind)
    {
        var mlContext = new MLContext(seed: 1);
        var plain = mlContext.Data.CreateEnumerable<Interaction>(SyntheticSequences.Interactions(mlContext), reuseRowObject: false).ToArray();
        // 20 items → ids at the ends of each type's range, negatives, and text outside ASCII (Cyrillic, CJK, an emoji).
        static uint UInt(int i) => uint.MaxValue - (uint)i;
        static long Long(int i) => i % 2 == 0 ? long.MaxValue - i : -1_000_000_007L * i;
        static string Text(int i) => $"фильм-{i}-映画-🎬";
        IDataView interactions = kind switch
        {
            nameof(UInt32Interaction) => mlContext.Data.LoadFromEnumerable(plain.Select(r => new UInt32Interaction { UserId = r.UserId, ItemId = UInt(r.ItemId), Timestamp = r.Timestamp })),
            nameof(Int64Interaction) => mlContext.Data.LoadFromEnumerable(plain.Select(r => new Int64Interaction { UserId = r.UserId, ItemId = Long(r.ItemId), Timestamp = r.Timestamp })),
            _ => mlContext.Data.LoadFromEnumerable(plain.Select(r => new TextInteractionRow { UserId = r.UserId, ItemId = Text(r.ItemId), Timestamp = r.Timestamp })),
        };
        var catalogue = Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => kind switch
        {
            nameof(UInt32Interaction) => UInt(i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            nameof(Int64Interaction) => Long(i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => Text(i),
        }).ToHashSet();
        var sequences = mlContext.Recommendation().Data.ToSequences(interactions, "UserId", "ItemId", "Timestamp");
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var scored = model.Transform(split.Test);

        Assert.AreEqual(SyntheticSequences.ItemCount, model.ItemCount);
        var predicted = ReadIds(scored, ColumnNames.PredictedItems);
        var histories = ReadIds(scored, ColumnNames.History);
        for (int i = 0; i < predicted.Length; i++)
        {
            Assert.HasCount(5, predicted[i]);
            Assert.IsTrue(predicted[i].All(catalogue.Contains), $"row {i}: {string.Join(", ", predicted[i])}");
            Assert.IsFalse(predicted[i].Intersect(histories[i][^10..]).Any(), $"row {i}");
        }
    }

    private static string[][] ReadIds(IDataView view, string column)
    {
        var type = ((VectorDataViewType)view.Schema[column].Type).ItemType;
        return type.RawType == typeof(uint) ? [.. view.GetColumn<uint[]>(column).Select(r => r.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray())]
            : type.RawType == typeof(long) ? [.. view.GetColumn<long[]>(column).Select(r => r.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray())]
            : [.. view.GetColumn<string[]>(column)];
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
        CollectionAssert.AreEqual(EpochFigures.Of(model.TrainingHistory.Epochs), EpochFigures.Of(reloaded.TrainingHistory.Epochs));

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

    public sealed class ScalarHistoryRow
    {
        public int History { get; set; }

        public int Label { get; set; }
    }

    public sealed class LongLabelRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        public long Label { get; set; }
    }

    public sealed class IntTimesRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public int[] HistoryTimestamps { get; set; } = [];

        public int Label { get; set; }

        public long Timestamp { get; set; }
    }

    public sealed class TextTimestampRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public int Label { get; set; }

        public string Timestamp { get; set; } = "";
    }

    public sealed class DoubleTimestampRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public int Label { get; set; }

        public double Timestamp { get; set; }
    }

    public sealed class TimedTrainingRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public int Label { get; set; }

        public long Timestamp { get; set; }
    }

    public sealed class UInt32Interaction
    {
        public int UserId { get; set; }

        public uint ItemId { get; set; }

        public long Timestamp { get; set; }
    }

    public sealed class Int64Interaction
    {
        public int UserId { get; set; }

        public long ItemId { get; set; }

        public long Timestamp { get; set; }
    }

    public sealed class TextInteractionRow
    {
        public int UserId { get; set; }

        public string ItemId { get; set; } = "";

        public long Timestamp { get; set; }
    }

    // 64 training rows whose histories have 2 to 10 items, so grouping by length changes which users share a batch.
    private static IDataView VariedLengthRows(MLContext mlContext)
        => mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, 64).Select(u => new IntTrainingRow
        {
            History = [.. Enumerable.Range(0, 2 + (u % 9)).Select(k => (u + k) % SyntheticSequences.ItemCount + 1)],
            Label = (u + 2 + (u % 9)) % SyntheticSequences.ItemCount + 1,
        }));
}
