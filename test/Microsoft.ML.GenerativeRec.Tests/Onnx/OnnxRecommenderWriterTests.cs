using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.GenerativeRec.Tests.Onnx;

/// <summary>
/// The graph written through ML.NET's converter, <c>mlContext.Model.ConvertToOnnx</c> (Microsoft.ML.OnnxConverter): on the
/// model alone and on a pipeline ending in it, with inputs in whatever types the pipeline gives the model.
/// </summary>
[TestClass]
public sealed class OnnxRecommenderWriterTests
{
    private const string ItemsOutput = ColumnNames.PredictedItems + ".output";     // the converter's name for a column's output
    private const string ScoresOutput = ColumnNames.Scores + ".output";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void MLNetConvertToOnnx_HstuModel_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var rows = OnnxFixtures.Histories();
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, rows);

        using var session = OnnxRecommenderSession.Convert(mlContext, model, mlContext.Data.LoadFromEnumerable(rows), ColumnNames.PredictedItems, ColumnNames.Scores);
        var (items, scores) = session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem, [.. rows.Select(r => r.HistoryTimestamps)],
            [.. rows.Select(r => r.Timestamp)], ItemsOutput, ScoresOutput);

        CollectionAssert.AreEquivalent(new[] { ColumnNames.History, ColumnNames.HistoryTimestamps, ColumnNames.Timestamp }, session.InputNames.ToArray());
        CollectionAssert.AreEquivalent(new[] { ItemsOutput, ScoresOutput }, session.OutputNames.ToArray());
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    [TestMethod]
    public void MLNetConvertToOnnx_SasRecModel_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var rows = OnnxFixtures.Histories().Select(r => new IntHistory { History = r.History }).ToArray();
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, OnnxFixtures.Histories());

        using var session = OnnxRecommenderSession.Convert(mlContext, model, mlContext.Data.LoadFromEnumerable(rows), ColumnNames.PredictedItems, ColumnNames.Scores);
        var (items, scores) = session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem, itemsOutput: ItemsOutput, scoresOutput: ScoresOutput);

        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    // The pipeline of the getting-started guide: text ids → keys → HSTU → text ids, run by ApplyOnnxModel without TorchSharp.
    [TestMethod]
    public void MLNetConvertToOnnx_TextIdsThroughKeysToTextIds_RunsInAProcessWithoutTorchSharp()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var train = OnnxFixtures.ToText(mlContext, split.Train);
        var items = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => new ItemRow { Item = OnnxFixtures.TextId(i) }));
        var chain = mlContext.Transforms.Conversion.MapValueToKey(
                [new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)], keyData: items)
            .Append(mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("RecommendedIds", ColumnNames.PredictedItems))
            .Fit(train);
        // Every id known: TorchSharp reads an unknown text id as the missing key 0 and throws (docs/onnx.md).
        var rows = OnnxFixtures.Histories().Take(4).Select(r => new TextTrainingRow { History = [.. r.History.Select(OnnxFixtures.TextId)], Label = "movie-1" }).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var scored = chain.Transform(data);
        var expectedItems = scored.GetColumn<string[]>("RecommendedIds").ToArray();
        var expectedScores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        using var folder = new TempFolder();
        string path = folder.File("chain.onnx");
        using (var file = File.Create(path))
        {
            mlContext.Model.ConvertToOnnx(chain, data, file, "RecommendedIds", ColumnNames.Scores);
        }

        var (output, assemblies) = OnnxHostProcess.Transform(mlContext, path, data, folder.Path);

        Assert.IsFalse(assemblies.Any(a => a.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)), string.Join(", ", assemblies));
        CollectionAssert.DoesNotContain(assemblies, "Microsoft.ML.GenerativeRec");
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores,
            output.GetColumn<string[]>("RecommendedIds").ToArray(), output.GetColumn<float[]>(ColumnNames.Scores).ToArray()));
        foreach (var stage in chain)
        {
            (stage as IDisposable)?.Dispose();
        }
    }

    // The same chain in one ONNX Runtime call: unknown text ids (the padding "") become the missing key 0, which the graph skips.
    [TestMethod]
    public void MLNetConvertToOnnx_TextIdsThroughKeys_BatchPaddedWithUnknownTextMatchesTorchSharp()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var items = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => new ItemRow { Item = OnnxFixtures.TextId(i) }));
        var chain = mlContext.Transforms.Conversion.MapValueToKey(
                [new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)], keyData: items)
            .Append(mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)))
            .Fit(OnnxFixtures.ToText(mlContext, split.Train));
        var rows = OnnxFixtures.Histories().Take(4).Select(r => new TextTrainingRow { History = [.. r.History.Select(OnnxFixtures.TextId)], Label = "movie-1" }).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var scored = chain.Transform(data);
        var expectedKeys = scored.GetColumn<uint[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        using var session = OnnxRecommenderSession.Convert(mlContext, chain, data, ColumnNames.PredictedItems, ColumnNames.Scores);
        int width = rows.Max(r => r.History.Length);
        var inputs = new Dictionary<string, OrtValue>
        {
            [ColumnNames.History] = OnnxRecommenderSession.Strings(OnnxRecommenderSession.Padded([.. rows.Select(r => r.History)], width, ""), [rows.Length, width]),
            [ColumnNames.Label] = OnnxRecommenderSession.Strings([.. rows.Select(r => r.Label)], [rows.Length, 1]),
        };

        var (keys, scores) = session.Run(inputs, ItemsOutput, ScoresOutput, v => v.GetTensorDataAsSpan<uint>().ToArray());

        Report(OnnxFixtures.AssertSameRecommendations(expectedKeys, expectedScores, keys, scores));
        (chain.LastTransformer as IDisposable)?.Dispose();
    }

    // TimestampReader floors a Double request time to whole seconds; so does the graph.
    [TestMethod]
    public void MLNetConvertToOnnx_DoubleRequestTime_IsFlooredLikeTorchSharp()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var rows = OnnxFixtures.Histories().Select(r => new DoubleTimedRow { History = r.History, HistoryTimestamps = r.HistoryTimestamps, Timestamp = r.Timestamp + 0.75 }).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var scored = model.Transform(data);
        var expectedItems = scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        using var session = OnnxRecommenderSession.Convert(mlContext, model, data, ColumnNames.PredictedItems, ColumnNames.Scores);
        int width = rows.Max(r => r.History.Length);
        var inputs = new Dictionary<string, OrtValue>
        {
            [ColumnNames.History] = OrtValue.CreateTensorValueFromMemory(OnnxRecommenderSession.Padded([.. rows.Select(r => r.History)], width, OnnxFixtures.UnknownItem), [rows.Length, width]),
            [ColumnNames.HistoryTimestamps] = OrtValue.CreateTensorValueFromMemory(OnnxRecommenderSession.Padded([.. rows.Select(r => r.HistoryTimestamps)], width, 0L), [rows.Length, width]),
            [ColumnNames.Timestamp] = OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.Timestamp).ToArray(), [rows.Length, 1]),
        };

        var (items, scores) = session.Run(inputs, ItemsOutput, ScoresOutput, v => v.GetTensorDataAsSpan<int>().ToArray());

        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    // Single ids: whole numbers are ids as in TorchSharp; 2.5 (which TorchSharp rejects with InvalidDataException) is skipped.
    [TestMethod]
    public void MLNetConvertToOnnx_SingleIds_WholeNumbersMatchTorchSharpAndOthersAreSkipped()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var train = mlContext.Transforms.Conversion.ConvertType(
            [new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)], DataKind.Single).Fit(split.Train).Transform(split.Train);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(train);
        var known = mlContext.Data.LoadFromEnumerable(new[] { new SingleHistory { History = [1f, 3f, 4f] } });
        var scored = model.Transform(known);
        var expectedItems = scored.GetColumn<long[]>(ColumnNames.PredictedItems).ToArray();
        var expectedScores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        using var session = OnnxRecommenderSession.Convert(mlContext, model, known, ColumnNames.PredictedItems, ColumnNames.Scores);

        float[] history = [1f, 2.5f, 3f, float.NaN, 4f, float.PositiveInfinity, -1f];
        var inputs = new Dictionary<string, OrtValue> { [ColumnNames.History] = OrtValue.CreateTensorValueFromMemory(history, [1, history.Length]) };
        var (items, scores) = session.Run(inputs, ItemsOutput, ScoresOutput, v => v.GetTensorDataAsSpan<long>().ToArray());

        Assert.ThrowsExactly<InvalidDataException>(() => model.Transform(mlContext.Data.LoadFromEnumerable(new[] { new SingleHistory { History = [2.5f] } }))
            .GetColumn<long[]>(ColumnNames.PredictedItems).ToArray());
        Report(OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores));
    }

    // ONNX has no date or time tensors: ML.NET's converter cannot even declare a DateTime input.
    [TestMethod]
    public void MLNetConvertToOnnx_DateTimeRequestTime_Throws()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var data = mlContext.Data.LoadFromEnumerable(new[]
        {
            new DateTimeRow { History = [1, 2], HistoryTimestamps = [10, 20], Timestamp = DateTime.UnixEpoch.AddSeconds(30) },
        });
        Assert.HasCount(1, model.Transform(data).GetColumn<int[]>(ColumnNames.PredictedItems).ToArray(), "the TorchSharp model reads it");

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Model.ConvertToOnnx(model, data, Stream.Null));

        StringAssert.Contains(error.Message, "Unsupported type: System.DateTime");
    }

    [TestMethod]
    public void MLNetConvertToOnnx_OpsetBelow12_ThrowsNamingTheModelAndTheOpset()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new IntHistory { History = [1, 2] } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlContext.Model.ConvertToOnnx(model, data, 11, Stream.Null));

        StringAssert.Contains(error.Message, nameof(SasRecTransformer));
        StringAssert.Contains(error.Message, "12");
    }

    private void Report(double largest) => TestContext.WriteLine($"max |score difference| = {largest:E2}");

    public sealed class ItemRow
    {
        public string Item { get; set; } = "";
    }

    public sealed class DoubleTimedRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public double Timestamp { get; set; }
    }

    public sealed class DateTimeRow
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public DateTime Timestamp { get; set; }
    }

    public sealed class SingleHistory
    {
        [VectorType]
        public float[] History { get; set; } = [];
    }
}
