using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// An immutable IDataView over arrays that we materialized ourselves (sequences, splits), with full control
/// over column types and annotations: vectors of keys keep their KeyValues, which ML.NET's in-memory
/// builders cannot express.
/// </summary>
internal sealed class InMemoryDataView : IDataView
{
    private readonly Column[] _columns;
    private readonly int _rowCount;

    private InMemoryDataView(Column[] columns, int rowCount)
    {
        _columns = columns;
        _rowCount = rowCount;
        var builder = new DataViewSchema.Builder();
        foreach (Column column in columns)
        {
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        }

        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [new Cursor(this)];

    /// <summary>Collects columns of equal length, then builds the view.</summary>
    internal sealed class Builder
    {
        private readonly List<Column> _columns = [];
        private readonly int _rowCount;

        public Builder(int rowCount)
        {
            _rowCount = rowCount;
        }

        public Builder AddScalar<T>(string name, DataViewType type, T[] values, DataViewSchema.Annotations? annotations = null)
        {
            CheckLength(name, values.Length);
            _columns.Add(new Column<T>(name, type, annotations, (int row, ref T value) => value = values[row]));
            return this;
        }

        /// <summary>Adds a vector column; <paramref name="size"/> is the length of every row's vector, or 0 (default) for a variable-length column.</summary>
        public Builder AddVector<T>(string name, PrimitiveDataViewType itemType, T[][] values, DataViewSchema.Annotations? annotations = null, int size = 0)
        {
            CheckLength(name, values.Length);
            _columns.Add(new Column<VBuffer<T>>(name, new VectorDataViewType(itemType, size), annotations, (int row, ref VBuffer<T> value) =>
            {
                // Copy: consumers may write into the buffer they pass back to us.
                T[] source = values[row];
                var editor = VBufferEditor.Create(ref value, source.Length);
                source.AsSpan().CopyTo(editor.Values);
                value = editor.Commit();
            }));
            return this;
        }

        public Builder AddIds(string name, RawIdType type, RawId[] ids) => type.Accept(new IdColumn(this, name, type, ids, null));

        public Builder AddIdVectors(string name, RawIdType type, RawId[][] ids) => type.Accept(new IdColumn(this, name, type, null, ids));

        public InMemoryDataView Build() => new([.. _columns], _rowCount);

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

        private void CheckLength(string name, int length)
        {
            if (length != _rowCount)
            {
                throw new ArgumentException($"Column '{name}' has {length} values; the view has {_rowCount} rows.", nameof(name));
            }
        }
    }

    private delegate void RowGetter<T>(int row, ref T value);

    private abstract class Column(string name, DataViewType type, DataViewSchema.Annotations? annotations)
    {
        public string Name { get; } = name;

        public DataViewType Type { get; } = type;

        public DataViewSchema.Annotations? Annotations { get; } = annotations;

        public abstract Delegate MakeGetter(Cursor cursor);
    }

    private sealed class Column<T>(string name, DataViewType type, DataViewSchema.Annotations? annotations, RowGetter<T> getter)
        : Column(name, type, annotations)
    {
        public override Delegate MakeGetter(Cursor cursor)
            => (ValueGetter<T>)((ref T value) => getter(checked((int)cursor.CheckedPosition), ref value));
    }

    private sealed class Cursor(InMemoryDataView view) : DataViewRowCursor
    {
        private long _position = -1;
        private bool _done;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public long CheckedPosition => _position >= 0 && !_done
            ? _position
            : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first and stop when it returns false.");

        public override bool MoveNext()
        {
            if (_done)
            {
                return false;
            }

            if (_position + 1 < view._rowCount)
            {
                _position++;
                return true;
            }

            _done = true;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)CheckedPosition, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Column source = view._columns[column.Index];
            return source.MakeGetter(this) as ValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{source.Type.RawType}' for column '{source.Name}'.");
        }
    }
}
