using System.IO.Compression;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Transformers;

[TestClass]
public sealed class SequentialRecommenderTransformerTests
{
    [TestMethod]
    public void Pipeline_KeyTypedItems_SaveLoadInAChildProcessRecoversTheIds()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var train = ToText(mlContext, split.Train);
        var test = ToText(mlContext, split.Test);
        var items = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, SyntheticSequences.ItemCount).Select(i => new ItemRow { Item = $"movie-{i}" }));
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey(
                [new InputOutputColumnPair(ColumnNames.History), new InputOutputColumnPair(ColumnNames.Label)], keyData: items)
            .Append(mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions()))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("RecommendedIds", ColumnNames.PredictedItems));
        var model = pipeline.Fit(train);
        using var folder = new TempFolder();
        string path = folder.File("chain.zip");
        mlContext.Model.Save(model, train.Schema, path);

        var fromChild = ModelHostProcess.Transform(mlContext, path, test, folder.Path);

        var expected = model.Transform(test).GetColumn<string[]>("RecommendedIds").ToArray();
        var actual = fromChild.GetColumn<string[]>("RecommendedIds").ToArray();
        Assert.IsTrue(expected.All(row => row.Length == 5 && row.All(id => id.StartsWith("movie-", StringComparison.Ordinal))));
        for (int i = 0; i < expected.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        }
    }

    [TestMethod]
    public void Transform_MoreRowsThanOneBatch_MatchesPredictionEngineRowByRow()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true, users: SequentialRecommenderTransformer.TransformBatchSize + 40);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(model);

        var scored = model.Transform(split.Test);
        var users = scored.GetColumn<int>(ColumnNames.UserId).ToArray();
        var items = scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var scores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();
        var rows = mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).ToArray();

        CollectionAssert.AreEqual(split.Test.GetColumn<int>(ColumnNames.UserId).ToArray(), users, "input columns pass through in order");
        for (int i = 0; i < rows.Length; i++)
        {
            var single = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(single.PredictedItems, items[i], $"row {i}");
            for (int j = 0; j < scores[i].Length; j++)
            {
                Assert.AreEqual(single.Scores[j], scores[i][j], 1e-5f, $"row {i}, item {j}");
            }
        }
    }

    [TestMethod]
    public void Transform_UnknownOrEmptyHistory_FallsBackToPopularItems()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions()).Fit(split.Train);
        var engine = mlContext.Model.CreatePredictionEngine<IntHistory, IntRecommendations>(model);

        var unknown = engine.Predict(new IntHistory { History = [999, 1000] });
        var empty = engine.Predict(new IntHistory { History = [] });

        Assert.HasCount(5, unknown.PredictedItems);
        CollectionAssert.AreEqual(unknown.PredictedItems, empty.PredictedItems);
        Assert.IsTrue(unknown.Scores.All(s => s == 0f));
    }

    [TestMethod]
    public void Transform_UnknownHistoryItems_AreSkippedAndCountedInTheLog()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var warnings = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (warnings)
            {
                if (e.Message.Contains("does not know", StringComparison.Ordinal))
                {
                    warnings.Add(e.Message);
                }
            }
        };
        var input = mlContext.Data.LoadFromEnumerable(new[]
        {
            new IntHistory { History = [1, 999, 2] },
            new IntHistory { History = [998, 3] },
        });

        var predicted = model.Transform(input).GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var known = model.Transform(mlContext.Data.LoadFromEnumerable(new[] { new IntHistory { History = [1, 2] } }))
            .GetColumn<int[]>(ColumnNames.PredictedItems).Single();

        CollectionAssert.AreEqual(known, predicted[0], "an unknown item is skipped, not encoded");
        lock (warnings)
        {
            Assert.IsTrue(warnings.Any(w => w.Contains("Skipped 2 history item(s)")), string.Join("\n", warnings));
        }
    }

    [TestMethod]
    public void Transform_ModelWithTimestamps_InputWithout_ThrowsNamingTheColumn()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var input = mlContext.Data.LoadFromEnumerable(new[] { new IntHistory { History = [1, 2] } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(input));

        StringAssert.Contains(error.Message, ColumnNames.HistoryTimestamps);
    }

    [TestMethod]
    public void Load_TruncatedZip_ThrowsFormatException()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        // ML.NET opens the zip before our loader runs, and reports the damage itself.
        var error = Assert.ThrowsExactly<FormatException>(() => mlContext.Model.Load(path, out _));

        StringAssert.Contains(error.Message, "zip");
    }

    [TestMethod]
    public void Load_DamagedWeights_ThrowsNamingTheWeights()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var weights = zip.Entries.Single(e => e.FullName.EndsWith("TorchWeights", StringComparison.Ordinal));
            string name = weights.FullName;
            weights.Delete();
            using var writer = new BinaryWriter(zip.CreateEntry(name).Open());
            writer.Write(3L);                     // claims three tensors, then ends
        }

        // ML.NET calls loaders through reflection, so our exception arrives as the inner exception.
        var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => mlContext.Model.Load(path, out _));

        Assert.IsInstanceOfType<InvalidDataException>(error.InnerException);
        StringAssert.Contains(error.InnerException.Message, "TorchWeights");
    }

    [TestMethod]
    public void Load_ZipFromANewerModelVersion_ThrowsSayingTooNew()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            // ML.NET's model header keeps the component's written/readable versions at 0x48/0x4C (ModelHeader.cs).
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal) && ReadSignature(e) == "GRSASREC");
            byte[] bytes;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }

            BitConverter.GetBytes(0x00020001u).CopyTo(bytes, 0x48);
            BitConverter.GetBytes(0x00020001u).CopyTo(bytes, 0x4C);
            string name = entry.FullName;
            entry.Delete();
            using var writer = zip.CreateEntry(name).Open();
            writer.Write(bytes);
        }

        var error = Assert.Throws<Exception>(() => mlContext.Model.Load(path, out _));

        StringAssert.Contains(error.ToString(), "too new");
        StringAssert.Contains(error.ToString(), "GENREC-SASREC");
    }

    private static string ReadSignature(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        var header = new byte[0x48];
        stream.ReadExactly(header);
        return System.Text.Encoding.ASCII.GetString(header, 0x40, 8);
    }

    private static IDataView ToText(MLContext mlContext, IDataView split)
    {
        var histories = split.GetColumn<int[]>(ColumnNames.History).ToArray();
        var labels = split.GetColumn<int>(ColumnNames.Label).ToArray();
        return mlContext.Data.LoadFromEnumerable(histories.Select((h, i) => new TextRow
        {
            History = h.Select(id => $"movie-{id}").ToArray(),
            Label = $"movie-{labels[i]}",
        }));
    }

    public sealed class TextRow
    {
        [VectorType]
        public string[] History { get; set; } = [];

        public string Label { get; set; } = "";
    }

    public sealed class TimedHistory
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public long Timestamp { get; set; }
    }

    public sealed class ItemRow
    {
        public string Item { get; set; } = "";
    }
}
