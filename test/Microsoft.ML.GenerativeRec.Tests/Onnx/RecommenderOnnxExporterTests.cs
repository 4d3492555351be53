using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.GenerativeRec.Tests.Onnx;

/// <summary><c>rec.ConvertToOnnx</c>: the stand-alone graph scored by ONNX Runtime equals the TorchSharp model (docs/onnx.md).</summary>
[TestClass]
public sealed class RecommenderOnnxExporterTests
{
    public TestContext TestContext { get; set; } = null!;

    // Histories of lengths 1, 4, 10 (= max), 15 (> max) and 13 with 3 unknown ids, in one ORT call padded with an unknown id.
    [TestMethod]
    public void ConvertToOnnx_HstuWithTimestamps_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);

        AssertOnnxMatchesTorchSharp(mlContext, model, timed: true);
    }

    [TestMethod]
    public void ConvertToOnnx_HstuWithoutTimestamps_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);

        AssertOnnxMatchesTorchSharp(mlContext, model, timed: false);
    }

    [TestMethod]
    public void ConvertToOnnx_SasRec_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        AssertOnnxMatchesTorchSharp(mlContext, model, timed: false);
    }

    // Freshly initialised (0 epochs is not allowed, so 1), wider models: several blocks and heads, Dqk ≠ Dv for HSTU.
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ConvertToOnnx_TwoBlocksFourHeads_MatchesTorchSharp(bool hstu)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        SequentialRecommenderTransformer model;
        if (hstu)
        {
            var options = SyntheticSequences.HstuOptions(epochs: 1);
            (options.EmbeddingDimension, options.NumberOfBlocks, options.NumberOfHeads, options.AttentionDimension, options.ValueDimension) = (16, 2, 4, 3, 5);
            model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);
        }
        else
        {
            var options = SyntheticSequences.SasRecOptions(epochs: 1);
            (options.EmbeddingDimension, options.FeedForwardDimension, options.NumberOfBlocks, options.NumberOfHeads) = (16, 24, 2, 4);
            model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train);
        }

        using (model)
        {
            AssertOnnxMatchesTorchSharp(mlContext, model, timed: hstu);
        }
    }

    [TestMethod]
    public void ConvertToOnnx_TextIds_MatchesTorchSharpWithStringTensors()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(OnnxFixtures.ToText(mlContext, split.Train));
        string[][] histories = [.. OnnxFixtures.Histories().Select(r => r.History.Select(OnnxFixtures.TextId).ToArray())];
        var scored = model.Transform(mlContext.Data.LoadFromEnumerable(histories.Select(h => new TextTrainingRow { History = h })));
        var expectedItems = scored.GetColumn<string[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();

        using var session = OnnxRecommenderSession.Export(mlContext, model);
        var (items, scores) = session.RunText(histories, padding: "");

        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
        Assert.IsTrue(items.SelectMany(row => row).All(id => id.StartsWith("movie-", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void ConvertToOnnx_TimedModel_DeclaresTheRowSchemaAsInputsAndOutputs()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);

        using var session = OnnxRecommenderSession.Export(mlContext, model);

        CollectionAssert.AreEqual(new[] { ColumnNames.History, ColumnNames.HistoryTimestamps, ColumnNames.Timestamp }, session.InputNames.ToArray());
        CollectionAssert.AreEqual(new[] { ColumnNames.PredictedItems, ColumnNames.Scores }, session.OutputNames.ToArray());
        AssertTensor(session.Inputs[ColumnNames.History], typeof(int), ["batch", "historyLength"]);
        AssertTensor(session.Inputs[ColumnNames.HistoryTimestamps], typeof(long), ["batch", "historyLength"]);
        AssertTensor(session.Inputs[ColumnNames.Timestamp], typeof(long), ["batch", "1"]);
        AssertTensor(session.Outputs[ColumnNames.PredictedItems], typeof(int), ["batch", "5"]);
        AssertTensor(session.Outputs[ColumnNames.Scores], typeof(float), ["batch", "5"]);
    }

    // The optional user vector column is a third output, zeros for the fallback, as in the TorchSharp model.
    [TestMethod]
    public void ConvertToOnnx_UserEmbeddingColumn_IsAnOutputEqualToTorchSharps()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.SasRecOptions(epochs: 1);
        options.UserEmbeddingColumnName = "UserVector";
        using var model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train);
        TimedRow[] rows = [OnnxFixtures.Row(start: 2, length: 6), new TimedRow { History = [OnnxFixtures.UnknownItem] }];
        var expected = model.Transform(mlContext.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("UserVector").ToArray();

        using var session = OnnxRecommenderSession.Export(mlContext, model);
        float[] actual;
        using (var history = OrtValue.CreateTensorValueFromMemory(OnnxRecommenderSession.Padded([.. rows.Select(r => r.History)], 6, OnnxFixtures.UnknownItem), [2, 6]))
        using (var outputs = session.RunRaw(new Dictionary<string, OrtValue> { [ColumnNames.History] = history }, "UserVector"))
        {
            actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        Assert.HasCount(2 * model.EmbeddingDimension, actual);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.AreEqual(expected[i / model.EmbeddingDimension][i % model.EmbeddingDimension], actual[i], 1e-5f, $"element {i}");
        }

        Assert.IsTrue(actual[model.EmbeddingDimension..].All(v => v == 0f), "the fallback row's vector is zero");
    }

    // Empty and all-unknown histories get the popularity fallback with all-zero scores; one known item is enough to be encoded.
    [TestMethod]
    public void Run_EmptyOrUnknownHistories_GetThePopularityFallbackLikeTorchSharp()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        TimedRow[] rows =
        [
            new() { History = [], HistoryTimestamps = [], Timestamp = 40 },
            new() { History = [997, 998], HistoryTimestamps = [10, 20], Timestamp = 40 },
            new() { History = [997, 7, 998], HistoryTimestamps = [10, 20, 30], Timestamp = 40 },
        ];
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, rows);
        using var session = OnnxRecommenderSession.Export(mlContext, model);

        var (items, scores) = session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem, [.. rows.Select(r => r.HistoryTimestamps)],
            [.. rows.Select(r => r.Timestamp)]);
        var (emptyItems, emptyScores) = session.Run([[], []], OnnxFixtures.UnknownItem, [[], []], [40L, 40L]);   // History is [2, 0]

        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
        Assert.IsTrue(scores[0].Concat(scores[1]).All(s => s == 0f), "the fallback is marked by zero scores");
        CollectionAssert.AreEqual(items[0], items[1]);
        Assert.IsFalse(scores[2].All(s => s == 0f), "one known item is enough to be encoded");
        CollectionAssert.AreEqual(items[0], emptyItems[0], "a batch of empty histories only");
        Assert.IsTrue(emptyScores.SelectMany(s => s).All(s => s == 0f));
    }

    [TestMethod]
    public void Run_UnknownIdsInsideAHistory_AreSkipped()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var session = OnnxRecommenderSession.Export(mlContext, model);

        var (withUnknown, withUnknownScores) = session.Run([[-5, 1, 999, 2, int.MaxValue]], padding: 0);
        var (without, withoutScores) = session.Run([[1, 2]], padding: 0);

        CollectionAssert.AreEqual(without[0], withUnknown[0]);
        CollectionAssert.AreEqual(withoutScores[0], withUnknownScores[0]);
    }

    // K larger than what lies outside the history: TorchSharp returns the shorter list, the graph K entries ending in −∞ (docs/onnx.md).
    [TestMethod]
    public void Run_FewerItemsThanKOutsideTheHistory_EndsTheListWithMinusInfinity()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.NumberOfRecommendations = 1000;
        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, [new TimedRow { History = [3, 4, 5, 4] }]);
        using var session = OnnxRecommenderSession.Export(mlContext, model);

        var (items, scores) = session.Run([[3, 4, 5, 4]], OnnxFixtures.UnknownItem);

        Assert.HasCount(SyntheticSequences.ItemCount, items[0], "K = min(NumberOfRecommendations, items)");
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, [items[0][..17]], [scores[0][..17]]));
        Assert.IsTrue(scores[0][17..].All(float.IsNegativeInfinity), "the 3 history items fill the list at −∞");
    }

    // Wrong input types fail as the TorchSharp model's schema check does: ApplyOnnxModel throws a schema mismatch naming 'History'.
    [TestMethod]
    public void ApplyOnnxModel_HistoryOfAnotherType_ThrowsSchemaMismatchNamingTheColumn()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using (var file = File.Create(path))
        {
            mlContext.Recommendation().ConvertToOnnx(model, file);
        }

        var input = mlContext.Data.LoadFromEnumerable(new[] { new TextTrainingRow { History = ["1", "2"] } });

        var fromModel = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(input));
        var fromOnnx = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.ApplyOnnxModel(path).Fit(input).Transform(input));

        StringAssert.Contains(fromModel.Message, "'History'");
        StringAssert.Contains(fromOnnx.Message, "Schema mismatch for input column 'History'");
    }

    [TestMethod]
    public void Run_HistoryOfAnotherElementType_OnnxRuntimeThrows()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var session = OnnxRecommenderSession.Export(mlContext, model);

        var error = Assert.ThrowsExactly<OnnxRuntimeException>(() => session.Run([[1L, 2L]], padding: 0L));

        StringAssert.Contains(error.Message, "tensor(int64)");
    }

    // TorchSharp throws InvalidDataException naming the row; the graph cannot line the two up and ONNX Runtime fails the call.
    [TestMethod]
    public void Run_FewerTimestampsThanItems_OnnxRuntimeThrows()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var session = OnnxRecommenderSession.Export(mlContext, model);
        var inputs = new Dictionary<string, OrtValue>
        {
            [ColumnNames.History] = OrtValue.CreateTensorValueFromMemory(new[] { 1, 2, 3 }, [1, 3]),
            [ColumnNames.HistoryTimestamps] = OrtValue.CreateTensorValueFromMemory(new[] { 10L, 20L }, [1, 2]),
            [ColumnNames.Timestamp] = OrtValue.CreateTensorValueFromMemory(new[] { 30L }, [1, 1]),
        };

        var error = Assert.ThrowsExactly<OnnxRuntimeException>(() => session.Run(inputs, ColumnNames.PredictedItems, ColumnNames.Scores, v => v.GetTensorDataAsSpan<int>().ToArray()));
        var fromModel = Assert.ThrowsExactly<InvalidDataException>(() => OnnxFixtures.Recommend(mlContext, model,
            [new TimedRow { History = [1, 2, 3], HistoryTimestamps = [10, 20], Timestamp = 30 }]));

        StringAssert.Contains(fromModel.Message, "'HistoryTimestamps' has 2 values but 'History' has 3");
        Assert.IsFalse(string.IsNullOrEmpty(error.Message));
    }

    // A timed model without its request time: every path names the missing column.
    [TestMethod]
    public void Run_TimedModelWithoutTimestamp_ThrowsNamingTheMissingInput()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using (var file = File.Create(path))
        {
            mlContext.Recommendation().ConvertToOnnx(model, file);
        }

        using var session = new OnnxRecommenderSession(File.ReadAllBytes(path));
        var input = mlContext.Data.LoadFromEnumerable(new[] { new TimedRow { History = [1, 2], HistoryTimestamps = [10, 20] } });
        var withoutTimestamp = mlContext.Transforms.DropColumns(ColumnNames.Timestamp).Fit(input).Transform(input);

        var fromModel = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(withoutTimestamp));
        var fromApply = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Transforms.ApplyOnnxModel(path).Fit(withoutTimestamp));
        var fromRuntime = Assert.ThrowsExactly<OnnxRuntimeException>(() => session.Run([[1, 2]], padding: 0));

        StringAssert.Contains(fromModel.Message, "'Timestamp'");
        StringAssert.Contains(fromApply.Message, ColumnNames.Timestamp);
        StringAssert.Contains(fromRuntime.Message, ColumnNames.HistoryTimestamps);
    }

    // The ML.NET way in a process that has neither TorchSharp nor this library: Microsoft.ML, OnnxTransformer and ONNX Runtime only.
    [TestMethod]
    public void ApplyOnnxModel_InAProcessWithoutTorchSharp_MatchesTorchSharp()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        TimedRow[] rows = [.. OnnxFixtures.Histories(), new TimedRow { History = [], HistoryTimestamps = [], Timestamp = 5 }];
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, rows);
        using var folder = new TempFolder();
        string path = folder.File("hstu.onnx");
        using (var file = File.Create(path))
        {
            mlContext.Recommendation().ConvertToOnnx(model, file);
        }

        var (output, assemblies) = OnnxHostProcess.Transform(mlContext, path, mlContext.Data.LoadFromEnumerable(rows), folder.Path);

        Assert.IsFalse(assemblies.Any(a => a.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)), string.Join(", ", assemblies));
        CollectionAssert.DoesNotContain(assemblies, "Microsoft.ML.GenerativeRec");
        CollectionAssert.Contains(assemblies, "Microsoft.ML.OnnxTransformer");
        CollectionAssert.Contains(assemblies, "Microsoft.ML.OnnxRuntime");
        var items = output.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var scores = output.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    [TestMethod]
    public void ConvertToOnnx_ChainOfSeveralStages_ThrowsPointingToMLNetsConverter()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var chain = mlContext.Transforms.CopyColumns("Copy", ColumnNames.History)
            .Append(mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1))).Fit(split.Train);

        var error = Assert.ThrowsExactly<ArgumentException>(() => mlContext.Recommendation().ConvertToOnnx(chain, Stream.Null));

        Assert.AreEqual("model", error.ParamName);
        StringAssert.Contains(error.Message, "mlContext.Model.ConvertToOnnx(model, data, stream)");
        ((IDisposable)chain.LastTransformer).Dispose();
    }

    [TestMethod]
    public void ConvertToOnnx_MostPopularModel_ThrowsNamingTheType()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var model = mlContext.Recommendation().Trainers.MostPopular().Fit(split.Train);

        var error = Assert.ThrowsExactly<ArgumentException>(() => mlContext.Recommendation().ConvertToOnnx(model, Stream.Null));

        StringAssert.Contains(error.Message, nameof(MostPopularTransformer));
    }

    [TestMethod]
    public void ConvertToOnnx_DisposedModel_ThrowsObjectDisposed()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        model.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => mlContext.Recommendation().ConvertToOnnx(model, Stream.Null));
    }

    [TestMethod]
    public void ConvertToOnnx_SingleStageChainLoadedFromAZip_Exports()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        mlContext.Model.Save(new TransformerChain<SasRecTransformer>(model), split.Train.Schema, folder.File("model.zip"));
        var loaded = mlContext.Model.Load(folder.File("model.zip"), out _);

        using var session = OnnxRecommenderSession.Export(mlContext, loaded);
        var (items, scores) = session.Run([[1, 2, 3]], padding: 0);

        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, [new TimedRow { History = [1, 2, 3] }]);
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
        foreach (var stage in (IEnumerable<ITransformer>)loaded)
        {
            (stage as IDisposable)?.Dispose();
        }
    }

    private void AssertOnnxMatchesTorchSharp(MLContext mlContext, SequentialRecommenderTransformer model, bool timed)
    {
        Assert.AreEqual(timed, model.UsesTimestamps);
        var rows = OnnxFixtures.Histories();
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, rows);

        using var session = OnnxRecommenderSession.Export(mlContext, model);
        var (items, scores) = timed
            ? session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem, [.. rows.Select(r => r.HistoryTimestamps)], [.. rows.Select(r => r.Timestamp)])
            : session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem);

        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    private static void AssertTensor(NodeMetadata metadata, Type elementType, string[] dimensions)
    {
        Assert.AreEqual(elementType, metadata.ElementType);
        var actual = metadata.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : metadata.SymbolicDimensions[i]);
        CollectionAssert.AreEqual(dimensions, actual.ToArray());
    }

    private void Report(double largest) => TestContext.WriteLine($"max |score difference| = {largest:E2}");
}
