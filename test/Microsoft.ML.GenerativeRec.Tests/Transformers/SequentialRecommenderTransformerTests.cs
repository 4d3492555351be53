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
    public void Transform_MissingHistoryColumn_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var input = mlContext.Data.LoadFromEnumerable(new[] { new IntSequence { UserId = 1, History = [1] } });
        var renamed = mlContext.Transforms.CopyColumns("Items", ColumnNames.History).Append(mlContext.Transforms.DropColumns(ColumnNames.History))
            .Fit(input).Transform(input);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(renamed));

        StringAssert.Contains(error.Message, "The history column 'History' was not found in the input schema; it has: 'UserId', 'Items'.");
    }

    [TestMethod]
    public void Transform_HistoryOfAnotherItemType_ThrowsSchemaMismatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var input = mlContext.Data.LoadFromEnumerable(new[] { new LongHistory { History = [1, 2] } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(input));

        StringAssert.Contains(error.Message, "Schema mismatch for history column 'History': expected a vector of Int32, the item type the model was trained on, got Vector<Int64>.");
    }

    [TestMethod]
    [DataRow(new long[] { 5 }, 7.0, "Row index 0: column 'HistoryTimestamps' has 1 values but 'History' has 2")]
    [DataRow(new long[] { 5, -6 }, 7.0, "Column 'HistoryTimestamps', row index 0: timestamp -6 is negative")]
    [DataRow(new long[] { 5, 6 }, double.NaN, "Column 'Timestamp', row index 0: timestamp NaN is not a number")]
    public void PredictionEngine_BadTimedRequest_ThrowsNamingColumnRowAndValue(long[] historyTimes, double requestTime, string expected)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var engine = mlContext.Model.CreatePredictionEngine<DoubleTimedHistory, IntRecommendations>(model);

        var error = Assert.ThrowsExactly<InvalidDataException>(
            () => engine.Predict(new DoubleTimedHistory { History = [1, 2], HistoryTimestamps = historyTimes, Timestamp = requestTime }));

        StringAssert.Contains(error.Message, expected);
    }

    // One Transform batch that mixes the three kinds of request: the batched path must treat each row as the
    // per-row PredictionEngine does (scores agree to float rounding: a batch of 2 rounds differently from a batch of 1).
    [TestMethod]
    public void Transform_BatchMixingEmptyUnknownAndKnownHistories_MatchesPredictionEngine()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(model);
        TimedHistory[] rows =
        [
            new() { History = [3, 4, 5], HistoryTimestamps = [10, 20, 30], Timestamp = 40 },
            new() { History = [], HistoryTimestamps = [], Timestamp = 40 },
            new() { History = [997, 998], HistoryTimestamps = [10, 20], Timestamp = 40 },
            new() { History = [997, 7, 998], HistoryTimestamps = [10, 20, 30], Timestamp = 40 },
        ];

        var scored = model.Transform(mlContext.Data.LoadFromEnumerable(rows));
        var items = scored.GetColumn<int[]>(ColumnNames.PredictedItems).ToArray();
        var scores = scored.GetColumn<float[]>(ColumnNames.Scores).ToArray();

        for (int i = 0; i < rows.Length; i++)
        {
            var single = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(single.PredictedItems, items[i], $"row {i}");
            Assert.HasCount(single.Scores.Length, scores[i]);
            for (int j = 0; j < scores[i].Length; j++)
            {
                Assert.AreEqual(single.Scores[j], scores[i][j], 1e-5f, $"row {i}, item {j}: a batch may round differently in the last bits");
            }
        }

        CollectionAssert.AreEqual(items[1], items[2], "empty and all-unknown histories both get the popular items");
        Assert.IsTrue(scores[1].All(s => s == 0f) && scores[2].All(s => s == 0f), "the fallback is marked by zero scores");
        Assert.IsFalse(scores[3].All(s => s == 0f), "one known item is enough to be encoded");
    }

    [TestMethod]
    public void Transform_KLargerThanCatalogue_ReturnsEveryItemOutsideTheHistory()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.NumberOfRecommendations = 1000;
        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);
        var engine = mlContext.Model.CreatePredictionEngine<IntHistory, IntRecommendations>(model);

        var output = engine.Predict(new IntHistory { History = [3, 4, 5, 4] });

        // 20 items, minus the 3 distinct history items: every other item exactly once, best first.
        CollectionAssert.AreEquivalent(Enumerable.Range(1, SyntheticSequences.ItemCount).Except([3, 4, 5]).ToArray(), output.PredictedItems);
        Assert.HasCount(17, output.Scores);
        for (int i = 1; i < output.Scores.Length; i++)
        {
            Assert.IsTrue(output.Scores[i - 1] >= output.Scores[i], $"scores descend at {i}");
        }
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

    [TestMethod]
    public void Load_BytesThatAreNotAZip_ThrowsFormatExceptionFromMLNet()
    {
        var mlContext = new MLContext(seed: 1);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        File.WriteAllText(path, "userId::movieId::rating::timestamp\n1::1193::5::978300760\n");

        var error = Assert.ThrowsExactly<FormatException>(() => mlContext.Model.Load(path, out _));

        StringAssert.Contains(error.Message, "Failed to open a zip archive");
        Assert.IsInstanceOfType<InvalidDataException>(error.InnerException);
    }

    [TestMethod]
    public void Load_ZipThatIsNotAModel_ThrowsInvalidOperationFromMLNet()
    {
        var mlContext = new MLContext(seed: 1);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
        {
            writer.Write("not a model");
        }

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Model.Load(path, out _));

        StringAssert.Contains(error.InnerException!.Message, "Model.key");
    }

    // Every byte of our part of Model.key (after ML.NET's 256-byte header) is covered by a checksum; a damaged number
    // can no longer size a module (a flipped block count used to build millions of blocks).
    [TestMethod]
    [DataRow("Model.key", 0x100 + 4 + 4 + 1)]           // header, format version, payload length, encoder kind: the item count
    [DataRow("TorchWeights", -1)]                         // the middle of the weights
    public void Load_FlippedByte_ThrowsNamingTheDamagedEntry(string entrySuffix, int offset)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        RewriteEntry(path, entrySuffix, bytes => bytes[offset < 0 ? bytes.Length / 2 : offset] ^= 0x40);

        var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => mlContext.Model.Load(path, out _));

        Assert.IsInstanceOfType<InvalidDataException>(error.InnerException);
        StringAssert.Contains(error.InnerException.Message, $"'{entrySuffix}' entry is damaged: its SHA-256 checksum does not match");
    }

    [TestMethod]
    public void Load_ZipFromANewerPayloadFormat_ThrowsSayingUpdateThePackage()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        using var folder = new TempFolder();
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        RewriteEntry(path, "Model.key", bytes => BitConverter.GetBytes(99).CopyTo(bytes, 0x100));      // our format version

        var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => mlContext.Model.Load(path, out _));

        Assert.IsInstanceOfType<InvalidOperationException>(error.InnerException);
        StringAssert.Contains(error.InnerException.Message, "format version 99");
        StringAssert.Contains(error.InnerException.Message, "Update the package");
    }

    /// <summary>Replaces the (single) entry of the zip whose name ends with <paramref name="suffix"/> by an edited copy.</summary>
    private static void RewriteEntry(string path, string suffix, Action<byte[]> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal));
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }

        edit(bytes);
        string name = entry.FullName;
        entry.Delete();
        using var writer = zip.CreateEntry(name).Open();
        writer.Write(bytes);
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

    [TestMethod]
    public void GetItemEmbeddings_FittedModel_OneUnitVectorPerItemInAscendingIdOrder()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        var rows = mlContext.Data.CreateEnumerable<ItemEmbedding>(model.GetItemEmbeddings(), reuseRowObject: false).ToArray();

        CollectionAssert.AreEqual(Enumerable.Range(1, SyntheticSequences.ItemCount).ToArray(), rows.Select(r => r.ItemId).ToArray());
        Assert.IsTrue(rows.All(r => r.Embedding.Length == model.EmbeddingDimension), "every vector has D values");
        foreach (var row in rows)
        {
            Assert.AreEqual(1.0, Math.Sqrt(row.Embedding.Sum(v => (double)v * v)), 1e-5, $"norm of item {row.ItemId}");
        }
    }

    // The opt-in user vector column: each row's score for an item is the dot product of the two unit vectors.
    [TestMethod]
    public void UserEmbeddingColumn_WhenAsked_DotProductsWithTheItemVectorsAreTheScores()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.UserEmbeddingColumnName = nameof(UserVectorRecommendations.UserVector);
        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);
        var items = mlContext.Data.CreateEnumerable<ItemEmbedding>(model.GetItemEmbeddings(), reuseRowObject: false).ToDictionary(r => r.ItemId, r => r.Embedding);

        var rows = mlContext.Data.CreateEnumerable<UserVectorRecommendations>(model.Transform(split.Test), reuseRowObject: false).ToArray();
        var single = mlContext.Model.CreatePredictionEngine<TimedHistory, UserVectorRecommendations>(model)
            .Predict(mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).First());

        foreach (var row in rows)
        {
            Assert.HasCount(model.EmbeddingDimension, row.UserVector);
            for (int i = 0; i < row.PredictedItems.Length; i++)
            {
                double dot = row.UserVector.Zip(items[row.PredictedItems[i]], (u, v) => (double)u * v).Sum();
                Assert.AreEqual(row.Scores[i], dot, 1e-5, $"score of item {row.PredictedItems[i]}");
            }
        }

        CollectionAssert.AreEqual(rows[0].UserVector, single.UserVector, "PredictionEngine and Transform give the same vector");
    }

    public sealed class UserVectorRecommendations
    {
        [VectorType]
        public int[] PredictedItems { get; set; } = [];

        [VectorType]
        public float[] Scores { get; set; } = [];

        [VectorType]
        public float[] UserVector { get; set; } = [];
    }

    public sealed class ItemEmbedding
    {
        public int ItemId { get; set; }

        [VectorType]
        public float[] Embedding { get; set; } = [];
    }

    public sealed class TimedHistory
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public long Timestamp { get; set; }
    }

    public sealed class DoubleTimedHistory
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];

        public double Timestamp { get; set; }
    }

    public sealed class LongHistory
    {
        [VectorType]
        public long[] History { get; set; } = [];
    }

    public sealed class ItemRow
    {
        public string Item { get; set; } = "";
    }
}
