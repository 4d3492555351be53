using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Scale;

/// <summary>
/// A view of any number of synthetic users (<c>UserId</c> Int32, <c>History</c> a vector of Int32 item ids) whose rows
/// are computed from their index as a cursor reaches them: nothing is held in memory, so it streams millions of rows.
/// </summary>
internal sealed class SyntheticHistoryView(long rows, int historyLength, int itemCount) : IDataView
{
    private static readonly DataViewSchema ViewSchema = BuildSchema();

    public DataViewSchema Schema => ViewSchema;

    public bool CanShuffle => false;

    public long? GetRowCount() => rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(rows, historyLength, itemCount, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private static DataViewSchema BuildSchema()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(ColumnNames.UserId, NumberDataViewType.Int32);
        builder.AddColumn(ColumnNames.History, new VectorDataViewType(NumberDataViewType.Int32));
        return builder.ToSchema();
    }

    private sealed class Cursor(long rows, int historyLength, int itemCount, HashSet<int> active) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => ViewSchema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext() => ++_position < rows;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index == 0
                ? (ValueGetter<int>)((ref int user) => user = (int)(_position + 1))
                : (ValueGetter<VBuffer<int>>)FillHistory;
            return (ValueGetter<TValue>)getter;
        }

        // A walk through the catalogue from a per-user start: item = (start + 7k) mod V + 1, never repeating within 200 steps.
        private void FillHistory(ref VBuffer<int> history)
        {
            var editor = VBufferEditor.Create(ref history, historyLength);
            long start = (_position * 2_654_435_761L) % itemCount;
            for (int k = 0; k < historyLength; k++)
            {
                editor.Values[k] = (int)((start + (7L * k)) % itemCount) + 1;
            }

            history = editor.Commit();
        }
    }
}
