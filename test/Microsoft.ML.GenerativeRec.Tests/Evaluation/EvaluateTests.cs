using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Evaluation;

[TestClass]
public sealed class EvaluateTests
{
    [TestMethod]
    public void EvaluateScored_HandMadeRows_RanksByListPosition()
    {
        var mlContext = new MLContext(seed: 1);
        var scored = mlContext.Data.LoadFromEnumerable(new[]
        {
            new ScoredRow { Label = 7, PredictedItems = [7, 1, 2] },   // rank 1
            new ScoredRow { Label = 2, PredictedItems = [7, 1, 2] },   // rank 3
            new ScoredRow { Label = 9, PredictedItems = [7, 1, 2] },   // absent: a miss
        });

        var metrics = mlContext.Recommendation().Evaluate(scored);

        Assert.AreEqual(3, metrics.MaximumK);
        Assert.AreEqual(1.0 / 3, metrics.HitRate(1), 1e-12);
        Assert.AreEqual(2.0 / 3, metrics.HitRate(3), 1e-12);
        Assert.AreEqual((1 + 0.5) / 3, metrics.Ndcg(3), 1e-12);          // 1/log2(2) + 1/log2(4)
        Assert.AreEqual((1 + 1.0 / 3) / 3, metrics.MeanReciprocalRank, 1e-12);
    }

    [TestMethod]
    public void EvaluateScored_LabelTypeDiffers_ThrowsNamingTheLabel()
    {
        var mlContext = new MLContext(seed: 1);
        var scored = mlContext.Data.LoadFromEnumerable(new[] { new MismatchedRow { Label = 1, PredictedItems = [1] } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Recommendation().Evaluate(scored));

        StringAssert.Contains(error.Message, "label column 'Label'");
    }

    [TestMethod]
    public void EvaluateScored_EmptyView_ThrowsSayingThereAreNoRows()
    {
        var mlContext = new MLContext(seed: 1);
        var scored = mlContext.Data.LoadFromEnumerable(Array.Empty<ScoredRow>());

        var error = Assert.ThrowsExactly<ArgumentException>(() => mlContext.Recommendation().Evaluate(scored));

        StringAssert.Contains(error.Message, "There are no rows to evaluate");
    }

    [TestMethod]
    public void EvaluateModel_EmptyView_ThrowsSayingThereAreNoRows()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => mlContext.Recommendation().Evaluate(model, mlContext.Data.LoadFromEnumerable(Array.Empty<IntTrainingRow>())));

        StringAssert.Contains(error.Message, "The data view has no rows");
    }

    [TestMethod]
    public void EvaluateModel_MissingLabelColumn_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Evaluate(model, split.Test, labelColumnName: "NextItem"));

        StringAssert.Contains(error.Message, "The label column 'NextItem' was not found");
    }

    [TestMethod]
    public void EvaluateModel_NonPositiveMaxK_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Recommendation().Evaluate(model, split.Test, maxK: 0));

        Assert.AreEqual("maxK", error.ParamName);
    }

    // The batched full-ranking evaluator against a brute force: the per-row transformer asked for every item of the
    // catalogue, where the label's position in that list is its rank.
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void EvaluateModel_MatchesBruteForceRanking(bool hstu)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: hstu, users: 80, length: 14);
        SequentialRecommenderTransformer model;
        if (hstu)
        {
            var options = SyntheticSequences.HstuOptions(epochs: 3);
            options.NumberOfRecommendations = SyntheticSequences.ItemCount;
            model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);
        }
        else
        {
            var options = SyntheticSequences.SasRecOptions(epochs: 3);
            options.NumberOfRecommendations = SyntheticSequences.ItemCount;
            model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train);
        }

        using (model)
        {
            var batched = mlContext.Recommendation().Evaluate(model, split.Test, maxK: 10);
            var bruteForce = mlContext.Recommendation().Evaluate(model.Transform(split.Test));

            for (int k = 1; k <= 10; k++)
            {
                Assert.AreEqual(bruteForce.HitRate(k), batched.HitRate(k), 1e-12, $"HR@{k}");
                Assert.AreEqual(bruteForce.Ndcg(k), batched.Ndcg(k), 1e-12, $"NDCG@{k}");
            }

            Assert.AreEqual(bruteForce.MeanReciprocalRank, batched.MeanReciprocalRank, 1e-12);
        }
    }

    [TestMethod]
    public void EvaluateModel_MovieLensSlice_MatchesBruteForceRanking()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(TestData.RequireMovieLens1M(), "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(mlContext.Data.TakeRows(sequences, 300));
        var options = new SasRecTrainer.Options
        {
            NumberOfEpochs = 1, BatchSize = 64, NegativeSampling = NegativeSampling.SharedAcrossBatch, Seed = 1, NumberOfRecommendations = 4000,
        };
        using var model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train);

        var batched = mlContext.Recommendation().Evaluate(model, split.Test, maxK: 200);
        var bruteForce = mlContext.Recommendation().Evaluate(model.Transform(split.Test));

        foreach (int k in new[] { 1, 10, 50, 200 })
        {
            Assert.AreEqual(bruteForce.HitRate(k), batched.HitRate(k), 1e-12, $"HR@{k}");
            Assert.AreEqual(bruteForce.Ndcg(k), batched.Ndcg(k), 1e-9, $"NDCG@{k}");
        }
    }

    [TestMethod]
    public void EvaluateModel_ItemCoverage_IsTheShareOfItemsInAnyTopKList()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false, users: 80, length: 14);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 2)).Fit(split.Train);

        var metrics = mlContext.Recommendation().Evaluate(model, split.Test);
        int shown = model.Transform(split.Test).GetColumn<int[]>(ColumnNames.PredictedItems).SelectMany(items => items).Distinct().Count();

        Assert.AreEqual((double)shown / model.ItemCount, metrics.ItemCoverage!.Value, 1e-12);
        Assert.IsNull(mlContext.Recommendation().Evaluate(model.Transform(split.Test)).ItemCoverage);
    }

    // A zip loads back as a chain; Evaluate unwraps it to the recommender at its end.
    [TestMethod]
    public void EvaluateModel_ChainLoadedFromAZip_EqualsTheModelItself()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        var loaded = mlContext.Model.Load(path, out _);

        var direct = mlContext.Recommendation().Evaluate(model, split.Test);
        var fromZip = mlContext.Recommendation().Evaluate(loaded, split.Test);

        CollectionAssert.AreEqual(direct.HitRates.ToArray(), fromZip.HitRates.ToArray());
        Assert.AreEqual(direct.MeanReciprocalRank, fromZip.MeanReciprocalRank);
        (loaded as IDisposable)?.Dispose();
    }

    // The stages before the recommender transform the data first, as the chain's Transform does.
    [TestMethod]
    public void EvaluateModel_PipelineOfKeysThenModel_EvaluatesTheModelOnTheKeyedRows()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var toKeys = mlContext.Transforms.Conversion.MapValueToKey([new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)],
            keyData: mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => new ItemRow { Item = i })));
        var pipeline = toKeys.Append(mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)));

        var chain = pipeline.Fit(split.Train);
        var metrics = mlContext.Recommendation().Evaluate(chain, split.Test);
        var alone = mlContext.Recommendation().Evaluate(chain.LastTransformer, chain.First().Transform(split.Test));

        CollectionAssert.AreEqual(alone.HitRates.ToArray(), metrics.HitRates.ToArray());
        chain.LastTransformer.Dispose();
    }

    // Popularity on the training rows: item 3 (4 times) > 1 (3) > 2 (2) > 4 (1). The test row's history is [1], so item
    // 1 is skipped: label 2 ranks 2nd (after 3), label 4 ranks 3rd, label 1 is in the history (a miss).
    [TestMethod]
    [DataRow(2, 2L)]
    [DataRow(4, 3L)]
    [DataRow(1, 0L)]
    [DataRow(99, 0L)]      // unknown to the model: a miss
    public void EvaluateModel_MostPopular_RanksTheWholeCatalogue(int label, long expectedRank)
    {
        var mlContext = new MLContext(seed: 1);
        var train = mlContext.Data.LoadFromEnumerable(new[]
        {
            new IntTrainingRow { History = [3, 3, 1], Label = 2 },
            new IntTrainingRow { History = [3, 1, 2], Label = 3 },
            new IntTrainingRow { History = [1], Label = 4 },
        });
        var model = mlContext.Recommendation().Trainers.MostPopular().Fit(train);
        var test = mlContext.Data.LoadFromEnumerable(new[] { new IntTrainingRow { History = [1], Label = label } });

        var metrics = mlContext.Recommendation().Evaluate(model, test, maxK: 4);

        Assert.AreEqual(expectedRank == 0 ? 0 : 1.0 / expectedRank, metrics.MeanReciprocalRank, 1e-12);
        Assert.AreEqual(expectedRank is > 0 and <= 2 ? 1.0 : 0.0, metrics.HitRate(2));
        Assert.AreEqual(3.0 / 4, metrics.ItemCoverage!.Value, 1e-12);                 // items 3, 2, 4 are shown; 1 never
    }

    [TestMethod]
    public void EvaluateModel_LastStageIsNotARecommender_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var copy = mlContext.Transforms.CopyColumns("Copy", ColumnNames.Label).Fit(split.Train);

        var error = Assert.ThrowsExactly<ArgumentException>(() => mlContext.Recommendation().Evaluate(copy, split.Test));

        Assert.AreEqual("model", error.ParamName);
        StringAssert.Contains(error.Message, "ColumnCopyingTransformer");
    }

    private sealed class ItemRow
    {
        public int Item { get; set; }
    }

    public sealed class ScoredRow
    {
        public int Label { get; set; }

        [VectorType]
        public int[] PredictedItems { get; set; } = [];
    }

    public sealed class MismatchedRow
    {
        public long Label { get; set; }

        [VectorType]
        public int[] PredictedItems { get; set; } = [];
    }
}
