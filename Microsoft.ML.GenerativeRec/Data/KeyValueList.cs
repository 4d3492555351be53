using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// The KeyValues annotation of a key column: the value behind each key, of any primitive type (text when the keys
/// came from strings, Int32 when <c>MapValueToKey</c> ran on integer ids), kept so outputs map back with <c>MapKeyToValue</c>.
/// </summary>
/// <remarks>Values are held as invariant-culture text and turned back into their own type when the annotation is rebuilt.</remarks>
internal sealed class KeyValueList
{
    /// <summary>ML.NET's annotation name (AnnotationUtils.Kinds.KeyValues, which is internal).</summary>
    public const string AnnotationName = "KeyValues";

    private static readonly MethodInfo ReadMethod = typeof(KeyValueList).GetMethod(nameof(ReadValues), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AddMethod = typeof(KeyValueList).GetMethod(nameof(AddValues), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly Dictionary<string, PrimitiveDataViewType> Types = new PrimitiveDataViewType[]
    {
        TextDataViewType.Instance, NumberDataViewType.Int32, NumberDataViewType.UInt32, NumberDataViewType.Int64, NumberDataViewType.UInt64,
        NumberDataViewType.Int16, NumberDataViewType.UInt16, NumberDataViewType.SByte, NumberDataViewType.Byte, NumberDataViewType.Single,
        NumberDataViewType.Double, BooleanDataViewType.Instance,
    }.ToDictionary(t => t.RawType.FullName!);

    private KeyValueList(PrimitiveDataViewType itemType, string[] values)
    {
        ItemType = itemType;
        Values = values;
    }

    /// <summary>The type of one value.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The values, as invariant-culture text.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The KeyValues of <paramref name="column"/>, or null when it has none of a supported type.</summary>
    public static KeyValueList? FromColumn(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(AnnotationName);
        if (annotation?.Type is not VectorDataViewType { ItemType: PrimitiveDataViewType itemType } || !Types.ContainsKey(itemType.RawType.FullName!))
        {
            return null;
        }

        var values = (string[])ReadMethod.MakeGenericMethod(itemType.RawType).Invoke(null, [column])!;
        return new KeyValueList(itemType, values);
    }

    /// <summary>Adds the annotation, in the values' own type, to <paramref name="builder"/>.</summary>
    public void AddTo(DataViewSchema.Annotations.Builder builder)
        => AddMethod.MakeGenericMethod(ItemType.RawType).Invoke(null, [builder, ItemType, Values]);

    public void Write(BinaryWriter writer)
    {
        writer.Write(ItemType.RawType.FullName!);
        writer.Write(Values.Count);
        foreach (string value in Values)
        {
            writer.Write(value);
        }
    }

    /// <exception cref="InvalidDataException">The bytes name an unknown type or a negative count.</exception>
    public static KeyValueList Read(BinaryReader reader)
    {
        string typeName = reader.ReadString();
        var itemType = Types.GetValueOrDefault(typeName) ?? throw new InvalidDataException($"Unknown key value type '{typeName}' in the saved id type.");
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw new InvalidDataException($"The saved key values claim {count} values.");
        }

        return new KeyValueList(itemType, [.. Enumerable.Range(0, count).Select(_ => reader.ReadString())]);
    }

    /// <summary>Text key values, as the first model layout saved them.</summary>
    public static KeyValueList Text(string[] values) => new(TextDataViewType.Instance, values);

    private static string[] ReadValues<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.Annotations.GetValue(AnnotationName, ref values);
        return [.. values.DenseValues().Select(v => v is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : v?.ToString() ?? "")];
    }

    private static void AddValues<T>(DataViewSchema.Annotations.Builder builder, PrimitiveDataViewType itemType, IReadOnlyList<string> text)
    {
        T[] values = typeof(T) == typeof(ReadOnlyMemory<char>)
            ? (T[])(object)text.Select(v => v.AsMemory()).ToArray()
            : [.. text.Select(v => (T)Convert.ChangeType(v, typeof(T), CultureInfo.InvariantCulture))];
        var buffer = new VBuffer<T>(values.Length, values);
        builder.Add(AnnotationName, new VectorDataViewType(itemType, values.Length), (ref VBuffer<T> destination) => buffer.CopyTo(ref destination));
    }
}
