using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using Microsoft.ML.GenerativeRec.Transformers;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

/// <summary>
/// The checks ML.NET's own estimators pass (its <c>TestEstimatorCore</c>), for each of ours: the declared output
/// schema is the one the fitted transformer produces, for every supported id type; the model survives Save → Load,
/// also in a new process; a bad column is named in the error of both <c>GetOutputSchema</c> and <c>Fit</c>.
/// </summary>
[TestClass]
public sealed class EstimatorConformanceTests
{
    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Estimators => [["most-popular"], ["hstu"], ["sasrec"], ["hstu-with-user-vectors"]];

    public static IEnumerable<object[]> EstimatorsAndIdTypes =>
        from estimator in new[] { "most-popular", "hstu", "sasrec", "hstu-with-user-vectors" }
        from idType in new[] { "Int32", "UInt32", "Int64", "Single", "Double", "String", "Key" }
        select new object[] { estimator, idType };

    [TestMethod]
    [DynamicData(nameof(EstimatorsAndIdTypes))]
    public void GetOutputSchema_AnySupportedIdType_EqualsTheFittedTransformersSchema(string estimatorName, string idType)
    {
        var mlContext = new MLContext(seed: 1);
        var data = WithIdType(mlContext, SyntheticSequences.Split(mlContext, withTimestamps: false).Train, idType);
        var estimator = Estimator(mlContext, estimatorName);

        var declared = estimator.GetOutputSchema(RecommendationSchema.ShapeOf(data.Schema));
        var model = estimator.Fit(data);
        var produced = RecommendationSchema.ShapeOf(model.Transform(data).Schema);

        Assert.AreEqual(Describe(produced), Describe(declared));
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    [DynamicData(nameof(Estimators))]
    public void SaveLoad_InThisProcessAndInANewOne_GivesTheSameOutput(string estimatorName)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var model = Estimator(mlContext, estimatorName).Fit(split.Train);
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.zip");

        mlContext.Model.Save(model, split.Train.Schema, path);
        var reloaded = mlContext.Model.Load(path, out _);
        var fromChild = ModelHostProcess.Transform(mlContext, path, split.Test, folder.Path);

        var expected = Recommendations(mlContext, model.Transform(split.Test));
        CollectionAssert.AreEqual(expected, Recommendations(mlContext, reloaded.Transform(split.Test)), "reloaded in this process");
        CollectionAssert.AreEqual(expected, Recommendations(mlContext, fromChild), "reloaded in a new process");
        (model as IDisposable)?.Dispose();
        (reloaded as IDisposable)?.Dispose();
    }

    // The idiom of docs/api.md: integer ids → keys (one dictionary) → model → MapKeyToValue back to the integer ids.
    [TestMethod]
    [DynamicData(nameof(Estimators))]
    public void MapKeyToValue_AfterAModelOnKeysOfIntegerIds_GivesTheIntegerIds(string estimatorName)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var model = Estimator(mlContext, estimatorName).Fit(split.Train);
        var keyed = WithIdType(mlContext, split.Train, "Key");
        var keyModel = Estimator(mlContext, estimatorName).Fit(keyed);

        var mapped = mlContext.Transforms.Conversion.MapKeyToValue(ColumnNames.PredictedItems).Fit(keyModel.Transform(keyed)).Transform(keyModel.Transform(keyed));

        CollectionAssert.AreEqual(Recommendations(mlContext, model.Transform(split.Train)), Recommendations(mlContext, mapped));
        (model as IDisposable)?.Dispose();
        (keyModel as IDisposable)?.Dispose();
    }

    [TestMethod]
    [DynamicData(nameof(Estimators))]
    public void GetOutputSchemaAndFit_HistoryOfBooleans_BothRejectItNamingTheColumn(string estimatorName)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new BooleanHistoryRow { History = [true, false], Label = 1 } });
        var estimator = Estimator(mlContext, estimatorName);

        var fromSchema = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(RecommendationSchema.ShapeOf(data.Schema)));
        var fromFit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(fromSchema.Message, "history column 'History'");
        StringAssert.Contains(fromFit.Message, "history column 'History'");
    }

    private static IEstimator<ITransformer> Estimator(MLContext mlContext, string name) => name switch
    {
        "most-popular" => mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 5),
        "hstu" => mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)),
        "sasrec" => mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)),
        "hstu-with-user-vectors" => mlContext.Recommendation().Trainers.Hstu(WithUserVectors(SyntheticSequences.HstuOptions(epochs: 1))),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown estimator."),
    };

    private static HstuTrainer.Options WithUserVectors(HstuTrainer.Options options)
    {
        options.UserEmbeddingColumnName = "UserVector";
        return options;
    }

    /// <summary>The training rows with History and Label converted to <paramref name="idType"/>.</summary>
    private static IDataView WithIdType(MLContext mlContext, IDataView data, string idType)
    {
        InputOutputColumnPair[] columns = [new(ColumnNames.History), new(ColumnNames.Label)];
        var conversion = mlContext.Transforms.Conversion;
        IEstimator<ITransformer>? convert = idType switch
        {
            "Int32" => null,
            // ML.NET converts Int32 to UInt32 only through text.
            "UInt32" => conversion.ConvertType(columns, DataKind.String).Append(conversion.ConvertType(columns, DataKind.UInt32)),
            "Int64" => conversion.ConvertType(columns, DataKind.Int64),
            "Single" => conversion.ConvertType(columns, DataKind.Single),
            "Double" => conversion.ConvertType(columns, DataKind.Double),
            "String" => conversion.ConvertType(columns, DataKind.String),
            // One dictionary for both columns, as docs/api.md shows.
            "Key" => conversion.MapValueToKey(columns, keyData: mlContext.Data.LoadFromEnumerable(
                Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => new ItemRow { Item = i }))),
            _ => throw new ArgumentOutOfRangeException(nameof(idType), idType, "Unknown id type."),
        };
        return convert is null ? data : convert.Fit(data).Transform(data);
    }

    private static string Describe(SchemaShape shape) => string.Join("\n", shape.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c =>
        $"{c.Name}: {c.Kind} {c.ItemType}{(c.IsKey ? " key" : "")} [{string.Join(", ", c.Annotations.Select(a => a.Name))}]"));

    private static string[] Recommendations(MLContext mlContext, IDataView scored)
        => [.. mlContext.Data.CreateEnumerable<IntRecommendations>(scored, reuseRowObject: false)
            .Select(r => $"{string.Join(" ", r.PredictedItems)} | {string.Join(" ", r.Scores)}")];

    private sealed class ItemRow
    {
        public int Item { get; set; }
    }

    private sealed class BooleanHistoryRow
    {
        [VectorType]
        public bool[] History { get; set; } = [];

        public int Label { get; set; }
    }
}
