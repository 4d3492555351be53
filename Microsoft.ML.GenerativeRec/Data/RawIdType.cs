using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// The type of a user or item id column and the conversions between its values and <see cref="RawId"/>.
/// </summary>
/// <remarks>
/// Accepted column item types: Int32, UInt32, Int64, text, keys (any raw type), and Single/Double holding
/// integers (ML.NET's TextLoader reads numbers as Single); the floating-point types are read as Int64 ids.
/// Keys keep their count and KeyValues annotation so outputs can be mapped back with MapKeyToValue.
/// </remarks>
internal sealed class RawIdType : IEquatable<RawIdType>
{
    private const string AcceptedTypes = "Int32, UInt32, Int64, String, a key type, or Single/Double holding integers";

    private RawIdType(RawIdKind kind, KeyDataViewType? keyType = null, KeyValueList? keyValues = null)
    {
        Kind = kind;
        KeyType = keyType;
        KeyValues = keyValues;
        ItemType = kind switch
        {
            RawIdKind.Int32 => NumberDataViewType.Int32,
            RawIdKind.UInt32 => NumberDataViewType.UInt32,
            RawIdKind.Int64 => NumberDataViewType.Int64,
            RawIdKind.Text => TextDataViewType.Instance,
            RawIdKind.Key => keyType!,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown id kind."),
        };
    }

    public static RawIdType Int32 { get; } = new(RawIdKind.Int32);

    public static RawIdType UInt32 { get; } = new(RawIdKind.UInt32);

    public static RawIdType Int64 { get; } = new(RawIdKind.Int64);

    public static RawIdType Text { get; } = new(RawIdKind.Text);

    public RawIdKind Kind { get; }

    /// <summary>The key type when <see cref="Kind"/> is <see cref="RawIdKind.Key"/>.</summary>
    public KeyDataViewType? KeyType { get; }

    /// <summary>The KeyValues annotation of a key column, when it has one.</summary>
    public KeyValueList? KeyValues { get; }

    /// <summary>The IDataView type of one id.</summary>
    public PrimitiveDataViewType ItemType { get; }

    public static RawIdType ForKey(KeyDataViewType keyType, KeyValueList? keyValues) => new(RawIdKind.Key, keyType, keyValues);

    /// <summary>Describes the ids of <paramref name="column"/>, or throws naming the column and its type.</summary>
    /// <param name="column">The column to inspect.</param>
    /// <param name="role">What the column is for, e.g. "item" or "user", used in the message.</param>
    /// <param name="vector">True when the column must be a variable-length vector of ids.</param>
    public static RawIdType FromColumn(DataViewSchema.Column column, string role, bool vector)
    {
        DataViewType type = column.Type;
        if (vector)
        {
            if (type is not VectorDataViewType vectorType)
            {
                throw SchemaMismatch(column, role, $"a vector of {AcceptedTypes}");
            }

            type = vectorType.ItemType;
        }
        else if (type is VectorDataViewType)
        {
            throw SchemaMismatch(column, role, AcceptedTypes);
        }

        if (type is KeyDataViewType key)
        {
            return ForKey(key, KeyValueList.FromColumn(column));
        }

        return ForValues(type) ?? throw SchemaMismatch(column, role, vector ? $"a vector of {AcceptedTypes}" : AcceptedTypes);
    }

    /// <summary>The ids read from non-key values of <paramref name="type"/>, or null when no ids can be read from them.</summary>
    /// <remarks>Single and Double hold integer ids (ML.NET's TextLoader reads numbers as Single): they are read, and written back, as Int64.</remarks>
    public static RawIdType? ForValues(DataViewType type) => IdValueType.Of(type.RawType)?.PlainIds;

    /// <summary>The accepted id types, for messages.</summary>
    public static string Accepted(bool vector) => vector ? $"a vector of {AcceptedTypes}" : AcceptedTypes;

    /// <summary>ML.NET's wording for a column of the wrong type.</summary>
    public static ArgumentOutOfRangeException SchemaMismatch(DataViewSchema.Column column, string role, string expected)
        => new(role, $"Schema mismatch for {role} column '{column.Name}': expected {expected}, got {column.Type}.");

    /// <summary>Makes a getter that reads the current row's id from a scalar column.</summary>
    /// <exception cref="InvalidDataException">The value is missing or not an integer id.</exception>
    public static Func<RawId> MakeScalarReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            throw SchemaMismatch(column, "id", AcceptedTypes);
        }

        return Dispatch(column.Type, column, AcceptedTypes, new ScalarReaderFactory(row, column));
    }

    /// <summary>Makes a reader that appends the current row's ids from a vector column to a list.</summary>
    /// <exception cref="InvalidDataException">A value is missing or not an integer id.</exception>
    public static Action<List<RawId>> MakeVectorReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType vectorType)
        {
            throw SchemaMismatch(column, "id", $"a vector of {AcceptedTypes}");
        }

        return Dispatch(vectorType.ItemType, column, $"a vector of {AcceptedTypes}", new VectorReaderFactory(row, column));
    }

    /// <summary>The .NET type of one value of <see cref="ItemType"/>.</summary>
    public Type ValueType => ItemType.RawType;

    /// <summary>Converts ids to the .NET values of a column of this type; <typeparamref name="T"/> is <see cref="ValueType"/>.</summary>
    public Func<RawId, T> GetConverter<T>() => IdValueType.Of(ValueType) is IdValueType<T> type
        ? type.Writer
        : throw new InvalidOperationException($"Ids of type {ItemType} are {ValueType} values, not {typeof(T)}.");

    /// <summary>Calls <paramref name="visitor"/> with <see cref="ValueType"/> as a generic argument.</summary>
    public TResult Accept<TResult>(IIdValueVisitor<TResult> visitor) => IdValueType.Of(ValueType)!.Accept(visitor);

    /// <summary>Schema annotations for a column of these ids: the KeyValues of a key column, else none.</summary>
    public DataViewSchema.Annotations Annotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        KeyValues?.AddTo(builder);
        return builder.ToAnnotations();
    }

    /// <summary>Writes this type; <see cref="Read"/> restores it.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write((byte)Kind);
        if (Kind == RawIdKind.Key)
        {
            writer.Write(KeyType!.RawType.FullName!);
            writer.Write(KeyType.Count);
            writer.Write(KeyValues is not null);
            KeyValues?.Write(writer);
        }
    }

    /// <summary>Reads a type written by <see cref="Write"/>.</summary>
    /// <param name="reader">Where the type was written.</param>
    /// <param name="textKeyValues">True for the first layout, whose key values were text only (a count, −1 for none, then the values).</param>
    /// <exception cref="InvalidDataException">The bytes do not describe an id type.</exception>
    public static RawIdType Read(BinaryReader reader, bool textKeyValues)
    {
        var kind = (RawIdKind)reader.ReadByte();
        switch (kind)
        {
            case RawIdKind.Int32: return Int32;
            case RawIdKind.UInt32: return UInt32;
            case RawIdKind.Int64: return Int64;
            case RawIdKind.Text: return Text;
            case RawIdKind.Key:
                string rawTypeName = reader.ReadString();
                ulong count = reader.ReadUInt64();
                Type rawType = rawTypeName switch
                {
                    "System.Byte" => typeof(byte),
                    "System.UInt16" => typeof(ushort),
                    "System.UInt32" => typeof(uint),
                    "System.UInt64" => typeof(ulong),
                    _ => throw new InvalidDataException($"Unknown key raw type '{rawTypeName}' in the saved id type."),
                };
                KeyValueList? values = textKeyValues
                    ? ReadTextKeyValues(reader)
                    : reader.ReadBoolean() ? KeyValueList.Read(reader) : null;
                return ForKey(new KeyDataViewType(rawType, count), values);
            default:
                throw new InvalidDataException($"Unknown id kind {(byte)kind} in the saved id type.");
        }
    }

    public bool Equals(RawIdType? other)
        => other is not null && Kind == other.Kind && Equals(KeyType, other.KeyType);

    public override bool Equals(object? obj) => Equals(obj as RawIdType);

    public override int GetHashCode() => HashCode.Combine(Kind, KeyType);

    public override string ToString() => ItemType.ToString() ?? Kind.ToString();

    // The first layout: a count, −1 for none, then text values.
    private static KeyValueList? ReadTextKeyValues(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        return count < 0 ? null : KeyValueList.Text([.. Enumerable.Range(0, count).Select(_ => reader.ReadString())]);
    }

    /// <summary>Calls <paramref name="factory"/> with the .NET type of <paramref name="itemType"/>, or throws naming the column.</summary>
    private static TResult Dispatch<TResult>(DataViewType itemType, DataViewSchema.Column column, string expected, ReaderFactory<TResult> factory)
        => IdValueType.Of(itemType.RawType) is { } type
            ? type.Accept(factory.For(itemType is KeyDataViewType, expected))
            : throw SchemaMismatch(column, "id", expected);

    /// <summary>Builds a reader for column values of type <c>T</c>, given their conversion to ids.</summary>
    private abstract class ReaderFactory<TResult>(DataViewSchema.Column column) : IIdValueVisitor<TResult>
    {
        private bool _key;
        private string _expected = "";

        protected DataViewSchema.Column Column { get; } = column;

        public ReaderFactory<TResult> For(bool key, string expected)
        {
            _key = key;
            _expected = expected;
            return this;
        }

        public TResult Visit<T>(IdValueType<T> type)
            => Create(type.Reader(_key) ?? throw SchemaMismatch(Column, "id", _expected));

        protected abstract TResult Create<T>(Func<T, DataViewSchema.Column, long, RawId> convert);
    }

    private sealed class ScalarReaderFactory(DataViewRow row, DataViewSchema.Column column) : ReaderFactory<Func<RawId>>(column)
    {
        protected override Func<RawId> Create<T>(Func<T, DataViewSchema.Column, long, RawId> convert)
        {
            var getter = row.GetGetter<T>(Column);
            T value = default!;
            return () =>
            {
                getter(ref value);
                return convert(value, Column, row.Position);
            };
        }
    }

    private sealed class VectorReaderFactory(DataViewRow row, DataViewSchema.Column column) : ReaderFactory<Action<List<RawId>>>(column)
    {
        protected override Action<List<RawId>> Create<T>(Func<T, DataViewSchema.Column, long, RawId> convert)
        {
            var getter = row.GetGetter<VBuffer<T>>(Column);
            VBuffer<T> buffer = default;
            return ids =>
            {
                getter(ref buffer);
                if (!buffer.IsDense && buffer.GetValues().Length != buffer.Length)
                {
                    throw new InvalidDataException(
                        $"Column '{Column.Name}', row index {row.Position}: the id vector is sparse (it has implicit zero ids); expected every element to be an id.");
                }

                foreach (T value in buffer.GetValues())
                {
                    ids.Add(convert(value, Column, row.Position));
                }
            };
        }
    }
}
