using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Tests.Data;

[TestClass]
public sealed class TimestampReaderTests
{
    // 10^9 unix seconds is 2001-09-09 01:46:40 UTC; 10^9 is exact as Single (1953125 · 2^9, 1953125 < 2^24).
    private const long Seconds = 1_000_000_000;
    private static readonly DateTime s_utc = DateTimeOffset.FromUnixTimeSeconds(Seconds).UtcDateTime;

    [TestMethod]
    public void Make_IntegerColumns_ReadUnixSeconds()
    {
        long[] read = [Read(Seconds), Read((int)Seconds), Read((uint)Seconds), Read((ulong)Seconds)];

        CollectionAssert.AreEqual(new[] { Seconds, Seconds, Seconds, Seconds }, read);
    }

    [TestMethod]
    public void Make_FloatingPointColumns_FloorToWholeSeconds()
    {
        long[] read = [Read(1e9f), Read(Seconds + 0.75)];

        CollectionAssert.AreEqual(new[] { Seconds, Seconds }, read);
    }

    [TestMethod]
    public void Make_DateTimeOfEveryKindAndDateTimeOffset_ReadTheSameInstant()
    {
        long[] read =
        [
            Read(s_utc), Read(s_utc.ToLocalTime()),
            Read(DateTime.SpecifyKind(s_utc, DateTimeKind.Unspecified)),    // unspecified is read as UTC
            Read(new DateTimeOffset(s_utc).ToOffset(TimeSpan.FromHours(2))),
        ];

        CollectionAssert.AreEqual(new[] { Seconds, Seconds, Seconds, Seconds }, read);
    }

    [TestMethod]
    public void MakeHistory_CountDiffersFromItems_ThrowsNamingBothColumns()
    {
        var read = HistoryReader([5, 6], out var cursor);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => read(3));

        StringAssert.Contains(error.Message, "Row index 0: column 'Times' has 2 values but 'History' has 3; expected one timestamp per history item.");
        cursor.Dispose();
    }

    [TestMethod]
    public void MakeHistory_NegativeTime_ThrowsNamingColumnRowAndValue()
    {
        var read = HistoryReader([5, -6], out var cursor);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => read(2));

        StringAssert.Contains(error.Message, "Column 'Times', row index 0: timestamp -6 is negative");
        cursor.Dispose();
    }

    private static long Read<T>(T value)
    {
        var data = new MLContext(seed: 1).Data.LoadFromEnumerable(new[] { new Row<T> { Time = value } });
        using var cursor = data.GetRowCursor(data.Schema);
        var read = TimestampReader.Make(cursor, data.Schema["Time"]);
        Assert.IsTrue(cursor.MoveNext());
        return read();
    }

    private static Func<int, long[]> HistoryReader(long[] times, out DataViewRowCursor cursor)
    {
        var data = new MLContext(seed: 1).Data.LoadFromEnumerable(new[] { new HistoryRow { Times = times } });
        cursor = data.GetRowCursor(data.Schema);
        var read = TimestampReader.MakeHistory(cursor, data.Schema["Times"], ColumnNames.History);
        Assert.IsTrue(cursor.MoveNext());
        return read;
    }

    public sealed class Row<T>
    {
        public T Time { get; set; } = default!;
    }

    public sealed class HistoryRow
    {
        [VectorType]
        public long[] Times { get; set; } = [];
    }
}
