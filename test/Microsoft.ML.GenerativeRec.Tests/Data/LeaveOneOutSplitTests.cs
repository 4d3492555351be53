using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class LeaveOneOutSplitTests
{
    [TestMethod]
    public void LeaveOneOutSplit_Validation_HoldsOutTheLastThreeLabels()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[] { new IntSequence { UserId = 9, History = [1, 2, 3, 4, 5] } });

        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        AssertRow(split.Train, [1, 2], 3);
        AssertRow(split.Validation!, [1, 2, 3], 4);
        AssertRow(split.Test, [1, 2, 3, 4], 5);
        Assert.AreEqual(9, split.Test.GetColumn<int>(ColumnNames.UserId).Single());
        Assert.AreEqual(LeaveOneOutProtocol.Validation, split.Protocol);
    }

    [TestMethod]
    public void LeaveOneOutSplit_Reference_TrainsOnAllButTheLastAndHasNoValidation()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[] { new IntSequence { UserId = 9, History = [1, 2, 3] } });

        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences, LeaveOneOutProtocol.Reference);

        AssertRow(split.Train, [1], 2);
        AssertRow(split.Test, [1, 2], 3);
        Assert.IsNull(split.Validation);
    }

    [TestMethod]
    public void LeaveOneOutSplit_Timestamps_SplitAlongTheItems()
    {
        var mlContext = new MLContext(seed: 1);
        var interactions = mlContext.Data.LoadFromEnumerable(Enumerable.Range(1, 4).Select(i => new Interaction { UserId = 1, ItemId = i * 10, Timestamp = i * 100 }));
        var sequences = mlContext.Recommendation().Data.ToSequences(interactions, "UserId", "ItemId", "Timestamp");

        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        CollectionAssert.AreEqual(new long[] { 100, 200, 300 }, split.Test.GetColumn<long[]>(ColumnNames.HistoryTimestamps).Single());
        Assert.AreEqual(400L, split.Test.GetColumn<long>(ColumnNames.Timestamp).Single());
        Assert.AreEqual(200L, split.Train.GetColumn<long>(ColumnNames.Timestamp).Single());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void LeaveOneOutSplit_TooShortUser_IsDroppedAndCounted(int length)
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[]
        {
            new IntSequence { UserId = 1, History = [.. Enumerable.Range(1, length)] },
            new IntSequence { UserId = 2, History = [1, 2, 3, 4] },
        });

        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        Assert.AreEqual(1, split.DroppedUserCount);
        Assert.AreEqual(1, split.UserCount);
        CollectionAssert.AreEqual(new[] { 2 }, split.Test.GetColumn<int>(ColumnNames.UserId).ToArray());
    }

    [TestMethod]
    public void LeaveOneOutSplit_AllUsersTooShort_ThrowsSayingWhy()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[] { new IntSequence { UserId = 1, History = [1] } });

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Recommendation().Data.LeaveOneOutSplit(sequences));

        StringAssert.Contains(error.Message, "at least 4 items");
    }

    [TestMethod]
    public void LeaveOneOutSplit_EmptyView_ThrowsSayingNoSequenceWasRead()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(Array.Empty<IntSequence>());

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => mlContext.Recommendation().Data.LeaveOneOutSplit(sequences));

        StringAssert.Contains(error.Message, "0 sequence(s) read");
    }

    [TestMethod]
    public void LeaveOneOutSplit_NegativeHistoryTimestamp_ThrowsNamingColumnRowAndValue()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[]
        {
            new TimedSequence { History = [1, 2, 3, 4], HistoryTimestamps = [1, 2, 3, 4] },
            new TimedSequence { History = [1, 2, 3, 4], HistoryTimestamps = [1, -7, 3, 4] },
        });

        var error = Assert.ThrowsExactly<InvalidDataException>(() => mlContext.Recommendation().Data.LeaveOneOutSplit(sequences));

        StringAssert.Contains(error.Message, "Column 'HistoryTimestamps', row index 1: timestamp -7 is negative");
    }

    [TestMethod]
    public void LeaveOneOutSplit_MissingHistoryColumn_ThrowsNamingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = mlContext.Data.LoadFromEnumerable(new[] { new IntSequence { UserId = 1, History = [1, 2, 3, 4] } });

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => mlContext.Recommendation().Data.LeaveOneOutSplit(sequences, historyColumnName: "Items"));

        StringAssert.Contains(error.Message, "'Items'");
    }

    public sealed class TimedSequence
    {
        [VectorType]
        public int[] History { get; set; } = [];

        [VectorType]
        public long[] HistoryTimestamps { get; set; } = [];
    }

    private static void AssertRow(IDataView view, int[] history, int label)
    {
        CollectionAssert.AreEqual(history, view.GetColumn<int[]>(ColumnNames.History).Single());
        Assert.AreEqual(label, view.GetColumn<int>(ColumnNames.Label).Single());
    }
}
