using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Transformers;

[TestClass]
public sealed class MostPopularTransformerTests
{
    // Counts over History + Label: item 3 ×3, items 2 and 4 ×2, items 1 and 5 ×1.
    // Ranking (count desc, id asc): 3, 2, 4, 1, 5.
    private static readonly IntTrainingRow[] Training =
    [
        new() { History = [1, 2, 3], Label = 4 },
        new() { History = [2, 3], Label = 4 },
        new() { History = [3], Label = 5 },
    ];

    [TestMethod]
    public void Transform_HistoryHoldsTopItem_SkipsItAndKeepsRankOrder()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 3);

        var output = Predict(mlContext, model, [3]);

        CollectionAssert.AreEqual(new[] { 2, 4, 1 }, output.PredictedItems);
        CollectionAssert.AreEqual(new[] { 2f, 2f, 1f }, output.Scores);
    }

    [TestMethod]
    public void Transform_KLargerThanCatalogue_ReturnsEveryUnseenItem()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 50);

        var output = Predict(mlContext, model, [5, 1]);

        CollectionAssert.AreEqual(new[] { 3, 2, 4 }, output.PredictedItems);
    }

    [TestMethod]
    public void Transform_UnknownAndEmptyHistory_FallsBackToTheRanking()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 2);

        CollectionAssert.AreEqual(new[] { 3, 2 }, Predict(mlContext, model, [99]).PredictedItems);
        CollectionAssert.AreEqual(new[] { 3, 2 }, Predict(mlContext, model, []).PredictedItems);
    }

    [TestMethod]
    public void SaveLoad_SameProcess_GivesIdenticalOutput()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 3);
        var data = mlContext.Data.LoadFromEnumerable(Training);
        using var folder = new TempFolder();
        string path = folder.File("most-popular.zip");

        mlContext.Model.Save(model, data.Schema, path);
        var loaded = new MLContext(seed: 2).Model.Load(path, out var inputSchema);

        Assert.IsInstanceOfType<MostPopularTransformer>(loaded);
        Assert.IsNotNull(inputSchema.GetColumnOrNull(ColumnNames.History));
        AssertSameRecommendations(model.Transform(data), loaded.Transform(data));
    }

    // Keep forever: it is the first thing to fail if a Microsoft.ML update breaks the publicized plumbing
    // (LoadableClass registration, ModelSaveContext, a binary entry in the zip) — docs/mlnet-plumbing.md.
    [TestMethod]
    public void SaveLoad_SeparateProcess_GivesIdenticalOutput()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 3);
        var data = mlContext.Data.LoadFromEnumerable(Training);
        using var folder = new TempFolder();
        string path = folder.File("most-popular.zip");
        mlContext.Model.Save(model, data.Schema, path);

        var fromChild = ModelHostProcess.Transform(mlContext, path, data, folder.Path);

        AssertSameRecommendations(model.Transform(data), fromChild);
    }

    [TestMethod]
    public void SaveLoad_ZipHoldsThePopularityEntry()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 3);
        using var folder = new TempFolder();
        string path = folder.File("most-popular.zip");

        mlContext.Model.Save(model, mlContext.Data.LoadFromEnumerable(Training).Schema, path);

        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        Assert.IsTrue(zip.Entries.Any(e => e.FullName.EndsWith("/Popularity", StringComparison.Ordinal)),
            string.Join(", ", zip.Entries.Select(e => e.FullName)));
    }

    [TestMethod]
    public void PredictionEngine_AfterReload_Works()
    {
        var mlContext = new MLContext(seed: 1);
        var model = Fit(mlContext, k: 3);
        using var folder = new TempFolder();
        string path = folder.File("most-popular.zip");
        mlContext.Model.Save(model, mlContext.Data.LoadFromEnumerable(Training).Schema, path);
        var loaded = mlContext.Model.Load(path, out _);

        var engine = mlContext.Model.CreatePredictionEngine<IntHistory, IntRecommendations>(loaded);
        var output = engine.Predict(new IntHistory { History = [3] });

        CollectionAssert.AreEqual(new[] { 2, 4, 1 }, output.PredictedItems);
    }

    [TestMethod]
    public void Pipeline_KeyTypedItems_MapKeyToValueRecoversTheIds()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = Training.Select(r => new TextRow { History = r.History.Select(i => $"m{i}").ToArray(), Label = $"m{r.Label}" });
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var allItems = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, 5).Select(i => new ItemRow { Item = $"m{i}" }));
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey(
                [new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)], keyData: allItems)
            .Append(mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 3))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedIds", ColumnNames.PredictedItems));

        var model = pipeline.Fit(data);
        var output = model.Transform(data);

        var predicted = output.GetColumn<VBuffer<ReadOnlyMemory<char>>>("PredictedIds").First();
        CollectionAssert.AreEqual(new[] { "m4", "m5" }, predicted.DenseValues().Select(v => v.ToString()).ToArray());
        Assert.IsInstanceOfType<KeyDataViewType>(((VectorDataViewType)output.Schema[ColumnNames.PredictedItems].Type).ItemType);
    }

    [TestMethod]
    public void Fit_LabelTypeDiffersFromHistory_ThrowsNamingTheLabel()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new MixedRow { History = [1, 2], Label = 3 } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Recommendation().Trainers.MostPopular().Fit(data));

        StringAssert.Contains(error.Message, "label column 'Label'");
    }

    [TestMethod]
    public void Fit_EmptyView_ThrowsSayingThereAreNoRows()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Array.Empty<IntTrainingRow>());

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Recommendation().Trainers.MostPopular().Fit(data));

        StringAssert.Contains(error.Message, "The training view has no rows");
    }

    [TestMethod]
    public void Options_NonPositiveK_ThrowsNamingTheField()
    {
        var mlContext = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 0));

        Assert.AreEqual(nameof(MostPopularTrainer.Options.NumberOfRecommendations), error.ParamName);
    }

    private static MostPopularTransformer Fit(MLContext mlContext, int k)
        => mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: k).Fit(mlContext.Data.LoadFromEnumerable(Training));

    private static IntRecommendations Predict(MLContext mlContext, ITransformer model, int[] history)
        => mlContext.Model.CreatePredictionEngine<IntHistory, IntRecommendations>(model).Predict(new IntHistory { History = history });

    private static void AssertSameRecommendations(IDataView expected, IDataView actual)
    {
        var expectedItems = expected.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var actualItems = actual.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = expected.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var actualScores = actual.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        Assert.HasCount(expectedItems.Length, actualItems);
        for (int i = 0; i < expectedItems.Length; i++)
        {
            CollectionAssert.AreEqual(expectedItems[i], actualItems[i], $"row {i}");
            CollectionAssert.AreEqual(expectedScores[i], actualScores[i], $"row {i}");
        }
    }

    public sealed class TextRow
    {
        [VectorType]
        public string[] History { get; set; } = [];

        public string Label { get; set; } = "";
    }

    public sealed class ItemRow
    {
        public string Item { get; set; } = "";
    }

    public sealed class MixedRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        public long Label { get; set; }
    }
}
