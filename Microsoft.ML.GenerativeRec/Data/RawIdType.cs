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

    private static readonly Type[] KeyRawTypes = [typeof(byte), typeof(ushort), typeof(uint), typeof(ulong)];

    private RawIdType(RawIdKind kind, PrimitiveDataViewType itemType, KeyValueList? keyValues = null)
    {
        Kind = kind;
        ItemType = itemType;
        KeyValues = keyValues;
    }

    public static RawIdType Int32 { get; } = new(RawIdKind.Int32, NumberDataViewType.Int32);

    public static RawIdType UInt32 { get; } = new(RawIdKind.UInt32, NumberDataViewType.UInt32);

    public static RawIdType Int64 { get; } = new(RawIdKind.Int64, NumberDataViewType.Int64);

    public static RawIdType Text { get; } = new(RawIdKind.Text, TextDataViewType.Instance);

    public RawIdKind Kind { get; }

    /// <summary>The key type when <see cref="Kind"/> is <see cref="RawIdKind.Key"/>.</summary>
    public KeyDataViewType? KeyType => ItemType as KeyDataViewType;

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
        DataViewType? type = vector ? (column.Type as VectorDataViewType)?.ItemType
            : column.Type is VectorDataViewType ? null : column.Type;
        if (type is KeyDataViewType key)
        {
            return ForKey(key, KeyValueList.FromColumn(column));
        }

        return (type is null ? null : ForValues(type)) ?? throw SchemaMismatch(column, role, Accepted(vector));
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
        => column.Type is not VectorDataViewType && IdValueType.Of(column.Type.RawType)?.MakeScalarReader(row, column) is { } read
            ? read
            : throw SchemaMismatch(column, "id", Accepted(vector: false));

    /// <summary>Makes a reader that appends the current row's ids from a vector column to a list.</summary>
    /// <exception cref="InvalidDataException">A value is missing or not an integer id.</exception>
    public static Action<List<RawId>> MakeVectorReader(DataViewRow row, DataViewSchema.Column column)
        => column.Type is VectorDataViewType vector && IdValueType.Of(vector.ItemType.RawType)?.MakeVectorReader(row, column) is { } read
            ? read
            : throw SchemaMismatch(column, "id", Accepted(vector: true));

    /// <summary>The .NET type of one value of <see cref="ItemType"/>.</summary>
    public Type ValueType => ItemType.RawType;

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
        if (kind != RawIdKind.Key)
        {
            return Array.Find([Int32, UInt32, Int64, Text], type => type.Kind == kind)
                ?? throw new InvalidDataException($"Unknown id kind {(byte)kind} in the saved id type.");
        }

        string rawTypeName = reader.ReadString();
        ulong count = reader.ReadUInt64();
        Type rawType = Array.Find(KeyRawTypes, t => t.FullName == rawTypeName)
            ?? throw new InvalidDataException($"Unknown key raw type '{rawTypeName}' in the saved id type.");
        KeyValueList? values = textKeyValues
            ? ReadTextKeyValues(reader)
            : reader.ReadBoolean() ? KeyValueList.Read(reader) : null;
        return ForKey(new KeyDataViewType(rawType, count), values);
    }

    // Equal item types mean equal ids: the kind follows from the type, and KeyValues only name the keys.
    public bool Equals(RawIdType? other) => other is not null && ItemType.Equals(other.ItemType);

    public override bool Equals(object? obj) => Equals(obj as RawIdType);

    public override int GetHashCode() => ItemType.GetHashCode();

    public override string ToString() => ItemType.ToString() ?? Kind.ToString();

    // The first layout: a count, −1 for none, then text values.
    private static KeyValueList? ReadTextKeyValues(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        return count < 0 ? null : KeyValueList.Text([.. Enumerable.Range(0, count).Select(_ => reader.ReadString())]);
    }
}
