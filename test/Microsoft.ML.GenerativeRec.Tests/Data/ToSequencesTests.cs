using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class ToSequencesTests
{
    [TestMethod]
    public void ToSequences_Timestamps_OrdersByTimeStably()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new Interaction[]
        {
            new() { UserId = 2, ItemId = 30, Timestamp = 300 },
            new() { UserId = 1, ItemId = 11, Timestamp = 200 },
            new() { UserId = 1, ItemId = 12, Timestamp = 100 },
            new() { UserId = 1, ItemId = 13, Timestamp = 200 },   // ties with item 11: keeps input order 11, 13
            new() { UserId = 2, ItemId = 20, Timestamp = 100 },
        });

        var sequences = mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Timestamp");

        CollectionAssert.AreEqual(new[] { 1, 2 }, sequences.GetColumn<int>(ColumnNames.UserId).ToArray());
        var histories = sequences.GetColumn<int[]>(ColumnNames.History).ToArray();
        CollectionAssert.AreEqual(new[] { 12, 11, 13 }, histories[0]);
        CollectionAssert.AreEqual(new[] { 20, 30 }, histories[1]);
        var times = sequences.GetColumn<long[]>(ColumnNames.HistoryTimestamps).ToArray();
        CollectionAssert.AreEqual(new long[] { 100, 200, 200 }, times[0]);
    }

    [TestMethod]
    public void ToSequences_NoTimestampColumn_KeepsInputOrderAndOmitsTimes()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new Interaction[]
        {
            new() { UserId = 1, ItemId = 3, Timestamp = 9 },
            new() { UserId = 1, ItemId = 1, Timestamp = 1 },
        });

        var sequences = mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId");

        CollectionAssert.AreEqual(new[] { 3, 1 }, sequences.GetColumn<int[]>(ColumnNames.History).Single());
        Assert.IsNull(sequences.Schema.GetColumnOrNull(ColumnNames.HistoryTimestamps));
    }

    [TestMethod]
    public void ToSequences_TextIdsAndDoubleTimes_KeepsTextType()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new TextInteraction[]
        {
            new() { UserId = "ann", ItemId = "b", Timestamp = 2.5 },
            new() { UserId = "ann", ItemId = "a", Timestamp = 1.0 },
        });

        var sequences = mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Timestamp");

        Assert.AreEqual(TextDataViewType.Instance, ((VectorDataViewType)sequences.Schema[ColumnNames.History].Type).ItemType);
        CollectionAssert.AreEqual(new[] { "a", "b" }, sequences.GetColumn<string[]>(ColumnNames.History).Single());
        CollectionAssert.AreEqual(new long[] { 1, 2 }, sequences.GetColumn<long[]>(ColumnNames.HistoryTimestamps).Single());
    }

    [TestMethod]
    public void ToSequences_FloatIdsFromTextLoader_BecomeInt64()
    {
        var mlContext = new MLContext(seed: 1);
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("events.csv"), ["user,item,time", "7,42,100", "7,41,50"]);
        var data = mlContext.Data.LoadFromTextFile(folder.File("events.csv"),
            [new TextLoader.Column("user", DataKind.Single, 0), new TextLoader.Column("item", DataKind.Single, 1), new TextLoader.Column("time", DataKind.Single, 2)],
            separatorChar: ',', hasHeader: true);

        var sequences = mlContext.Recommendation().Data.ToSequences(data, "user", "item", "time");

        CollectionAssert.AreEqual(new long[] { 41, 42 }, sequences.GetColumn<long[]>(ColumnNames.History).Single());
        Assert.AreEqual(7L, sequences.GetColumn<long>(ColumnNames.UserId).Single());
    }

    [TestMethod]
    public void ToSequences_KeyTypedItems_KeepKeyTypeAndKeyValues()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new TextInteraction[]
        {
            new() { UserId = "u", ItemId = "x", Timestamp = 1 },
            new() { UserId = "u", ItemId = "y", Timestamp = 2 },
        });
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("ItemId").Fit(data).Transform(data);

        var sequences = mlContext.Recommendation().Data.ToSequences(keyed, "UserId", "ItemId", "Timestamp");

        var history = sequences.Schema[ColumnNames.History];
        Assert.IsInstanceOfType<KeyDataViewType>(((VectorDataViewType)history.Type).ItemType);
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        history.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "x", "y" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, sequences.GetColumn<uint[]>(ColumnNames.History).Single());
    }

    [TestMethod]
    public void ToSequences_MissingColumn_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Interaction { UserId = 1, ItemId = 1 } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "MovieId"));

        Assert.AreEqual("itemColumnName", error.ParamName);
        StringAssert.Contains(error.Message, "'MovieId'");
    }

    [TestMethod]
    [DataRow("User", "Timestamp", "userColumnName", "'User'")]
    [DataRow("UserId", "Time", "timestampColumnName", "'Time'")]
    public void ToSequences_MissingUserOrTimestampColumn_ThrowsNamingIt(string user, string timestamp, string parameter, string named)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Interaction { UserId = 1, ItemId = 1 } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Data.ToSequences(data, user, "ItemId", timestamp));

        Assert.AreEqual(parameter, error.ParamName);
        StringAssert.Contains(error.Message, named);
        StringAssert.Contains(error.Message, "'UserId', 'ItemId', 'Timestamp'");      // what the schema has instead
    }

    [TestMethod]
    public void ToSequences_TextTimestampColumn_ThrowsSchemaMismatchNamingAcceptedTypes()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new TextTime { UserId = 1, ItemId = 1, Time = "2024-01-01" } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Time"));

        StringAssert.Contains(error.Message, "Schema mismatch for timestamp column 'Time'");
        StringAssert.Contains(error.Message, "DateTime");
        StringAssert.Contains(error.Message, "got String");
    }

    [TestMethod]
    public void ToSequences_DuplicateUserItemTimestampRows_AreKeptInInputOrder()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new Interaction[]
        {
            new() { UserId = 1, ItemId = 5, Timestamp = 100 },
            new() { UserId = 1, ItemId = 6, Timestamp = 100 },
            new() { UserId = 1, ItemId = 5, Timestamp = 100 },     // the same (user, item, time) as the first row
            new() { UserId = 1, ItemId = 4, Timestamp = 50 },
        });

        var sequences = mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Timestamp");

        // Sorted by time (4 first), ties in input order: 5, 6, 5. Nothing is de-duplicated.
        CollectionAssert.AreEqual(new[] { 4, 5, 6, 5 }, sequences.GetColumn<int[]>(ColumnNames.History).Single());
        CollectionAssert.AreEqual(new long[] { 50, 100, 100, 100 }, sequences.GetColumn<long[]>(ColumnNames.HistoryTimestamps).Single());
    }

    [TestMethod]
    public void ToSequences_WrongColumnType_ThrowsSchemaMismatch()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new BoolItem { UserId = 1, ItemId = true } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId"));

        StringAssert.Contains(error.Message, "Schema mismatch for item column 'ItemId'");
        StringAssert.Contains(error.Message, "Boolean");
    }

    [TestMethod]
    public void ToSequences_EmptyView_Throws()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Array.Empty<Interaction>());

        var error = Assert.ThrowsExactly<InvalidOperationException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Timestamp"));

        StringAssert.Contains(error.Message, "no rows");
    }

    [TestMethod]
    [DataRow(double.NaN, "not a number")]
    [DataRow(-5.0, "negative")]
    public void ToSequences_BadTimestamp_ThrowsNamingColumnRowAndValue(double timestamp, string expected)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new TextInteraction[]
        {
            new() { UserId = "u", ItemId = "a", Timestamp = 1 },
            new() { UserId = "u", ItemId = "b", Timestamp = timestamp },
        });

        var error = Assert.ThrowsExactly<InvalidDataException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId", "Timestamp"));

        StringAssert.Contains(error.Message, "Column 'Timestamp', row index 1");
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void ToSequences_NonIntegerFloatId_ThrowsNamingTheValue()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new FloatItem { UserId = 1, ItemId = 2.5f } });

        var error = Assert.ThrowsExactly<InvalidDataException>(
            () => mlContext.Recommendation().Data.ToSequences(data, "UserId", "ItemId"));

        StringAssert.Contains(error.Message, "Column 'ItemId', row index 0: id 2.5 is not an integer");
    }

    [TestMethod]
    public void ToSequences_ExtremeAndNonAsciiIds_RoundTripThroughTheBaseline()
    {
        var mlContext = new MLContext(seed: 1);
        long[] ids = [long.MaxValue, -7, 0, uint.MaxValue];
        var rows = Enumerable.Range(0, 8).Select(i => new LongInteraction { UserId = "usér-ü", ItemId = ids[i % 4], Timestamp = i });
        var sequences = mlContext.Recommendation().Data.ToSequences(mlContext.Data.LoadFromEnumerable(rows), "UserId", "ItemId", "Timestamp");
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        var model = mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 4).Fit(split.Train);
        var predicted = model.Transform(mlContext.Data.LoadFromEnumerable(new[] { new LongHistory() })).GetColumn<long[]>(ColumnNames.PredictedItems).Single();

        Assert.AreEqual("usér-ü", split.Test.GetColumn<string>(ColumnNames.UserId).Single());
        CollectionAssert.AreEquivalent(ids, predicted);
    }

    public sealed class LongInteraction
    {
        public string UserId { get; set; } = "";

        public long ItemId { get; set; }

        public long Timestamp { get; set; }
    }

    public sealed class LongHistory
    {
        [VectorType]
        public long[] History { get; set; } = [];
    }

    public sealed class TextTime
    {
        public int UserId { get; set; }

        public int ItemId { get; set; }

        public string Time { get; set; } = "";
    }

    public sealed class BoolItem
    {
        public int UserId { get; set; }

        public bool ItemId { get; set; }
    }

    public sealed class FloatItem
    {
        public int UserId { get; set; }

        public float ItemId { get; set; }
    }
}
