using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// An immutable IDataView over arrays that we materialized ourselves (sequences, splits), with full control
/// over column types and annotations: vectors of keys keep their KeyValues, which ML.NET's in-memory
/// builders cannot express.
/// </summary>
/// <remarks>
/// <c>LoadFromEnumerable</c> with a <c>SchemaDefinition</c> can declare key types and annotations, but its getter
/// treats a scalar key field as 0-based (it adds 1) while a vector of keys is passed through, supports no UInt16
/// keys, and boxes every key value: ids of one column would need two encodings.
/// </remarks>
internal sealed class InMemoryDataView : IDataView
{
    // Per column: the getter of a cursor's current row, as a ValueGetter of the column's raw type.
    private readonly Func<Cursor, Delegate>[] _getters;
    private readonly int _rowCount;

    private InMemoryDataView(DataViewSchema schema, Func<Cursor, Delegate>[] getters, int rowCount)
    {
        Schema = schema;
        _getters = getters;
        _rowCount = rowCount;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [new Cursor(this)];

    /// <summary>Collects columns of equal length, then builds the view.</summary>
    internal sealed class Builder(int rowCount)
    {
        private readonly DataViewSchema.Builder _schema = new();
        private readonly List<Func<Cursor, Delegate>> _getters = [];

        public Builder AddScalar<T>(string name, DataViewType type, T[] values, DataViewSchema.Annotations? annotations = null)
            => Add(name, type, values.Length, annotations, cursor => (ValueGetter<T>)((ref T value) => value = values[cursor.Row]));

        /// <summary>Adds a vector column; <paramref name="size"/> is the length of every row's vector, or 0 (default) for a variable-length column.</summary>
        public Builder AddVector<T>(string name, PrimitiveDataViewType itemType, T[][] values, DataViewSchema.Annotations? annotations = null, int size = 0)
            => Add(name, new VectorDataViewType(itemType, size), values.Length, annotations, cursor => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) =>
                new VBuffer<T>(values[cursor.Row].Length, values[cursor.Row]).CopyTo(ref value)));   // a copy: consumers may write into it

        public Builder AddIds(string name, RawIdType type, RawId[] ids) => type.Accept(new IdColumn(this, name, type, ids, null));

        public Builder AddIdVectors(string name, RawIdType type, RawId[][] ids) => type.Accept(new IdColumn(this, name, type, null, ids));

        public InMemoryDataView Build() => new(_schema.ToSchema(), [.. _getters], rowCount);

        private Builder Add(string name, DataViewType type, int length, DataViewSchema.Annotations? annotations, Func<Cursor, Delegate> getter)
        {
            if (length != rowCount)
            {
                throw new ArgumentException($"Column '{name}' has {length} values; the view has {rowCount} rows.", nameof(name));
            }

            _schema.AddColumn(name, type, annotations);
            _getters.Add(getter);
            return this;
        }

        /// <summary>Adds ids (one per row, or a vector per row) as values of the id type's .NET type.</summary>
        private sealed class IdColumn(Builder builder, string name, RawIdType type, RawId[]? ids, RawId[][]? vectors) : IIdValueVisitor<Builder>
        {
            public Builder Visit<T>(IdValueType<T> valueType)
            {
                var convert = valueType.Writer;
                return vectors is null
                    ? builder.AddScalar(name, type.ItemType, Array.ConvertAll(ids!, id => convert(id)), type.Annotations())
                    : builder.AddVector(name, type.ItemType, Array.ConvertAll(vectors, row => Array.ConvertAll(row, id => convert(id))), type.Annotations());
            }
        }
    }

    private sealed class Cursor(InMemoryDataView view) : DataViewRowCursor
    {
        private long _position = -1;
        private bool _done;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        /// <summary>The current row, for the getters.</summary>
        public int Row => _position >= 0 && !_done
            ? (int)_position
            : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first and stop when it returns false.");

        public override bool MoveNext()
        {
            if (!_done && _position + 1 < view._rowCount)
            {
                _position++;
                return true;
            }

            _done = true;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)Row, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            => view._getters[column.Index](this) as ValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{column.Type.RawType}' for column '{column.Name}'.");
    }
}
