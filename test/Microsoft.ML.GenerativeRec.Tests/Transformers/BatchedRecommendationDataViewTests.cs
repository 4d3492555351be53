using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Transformers;

[TestClass]
public sealed class BatchedRecommendationDataViewTests
{
    // Transform reads the history columns ahead with a second cursor. A view that gives that cursor other rows than the
    // main one (here: it drops the first row for every second cursor) must fail on the first row, not serve row 1's
    // recommendations as row 0's.
    [TestMethod]
    public void Cursor_ViewGivesTheTwoCursorsDifferentRows_ThrowsOnTheFirstRow()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var scored = model.Transform(new SkipFirstRowOnEveryOtherCursor(split.Test));
        using var cursor = scored.GetRowCursor(scored.Schema);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.MoveNext());

        StringAssert.Contains(error.Message, "Row index 0");
        StringAssert.Contains(error.Message, "same rows in the same order");
    }

    /// <summary>A view that breaks IDataView's contract: its cursors after the first skip a row.</summary>
    private sealed class SkipFirstRowOnEveryOtherCursor(IDataView source) : IDataView
    {
        private int _cursors;

        public DataViewSchema Schema => source.Schema;

        public bool CanShuffle => false;

        public long? GetRowCount() => null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var cursor = source.GetRowCursor(columnsNeeded);
            if (_cursors++ % 2 == 1)
            {
                cursor.MoveNext();
            }

            return cursor;
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => [GetRowCursor(columnsNeeded, rand)];
    }
}
