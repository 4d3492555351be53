using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// A .NET type that id columns hold, with its conversions from and to <see cref="RawId"/>: the one table of id
/// value types that every reader, writer and output getter dispatches on.
/// </summary>
/// <remarks>
/// Plain columns are read from Int32, UInt32, Int64, text, and Single/Double holding integers; keys from their unsigned
/// raw types, where 0 means a missing id. Ids are written back as Int32, UInt32, Int64, text or the key's raw type.
/// </remarks>
/// <param name="rawType">The .NET type of one value.</param>
/// <param name="plainIds">The ids that plain (non-key) columns of this type hold, written back in that id type; null when no plain column holds ids of this type.</param>
internal abstract class IdValueType(Type rawType, RawIdType? plainIds)
{
    private static readonly Dictionary<Type, IdValueType> Table = new IdValueType[]
    {
        new IdValueType<int>(RawIdType.Int32, static (v, _, _) => RawId.FromNumber(v), null, static id => checked((int)id.Number)),
        new IdValueType<uint>(RawIdType.UInt32, static (v, _, _) => RawId.FromNumber(v), static (v, c, p) => FromKey(v, c, p), static id => checked((uint)id.Number)),
        new IdValueType<long>(RawIdType.Int64, static (v, _, _) => RawId.FromNumber(v), null, static id => id.Number),
        new IdValueType<ulong>(null, null, FromKey, static id => checked((ulong)id.Number)),
        new IdValueType<ushort>(null, null, static (v, c, p) => FromKey(v, c, p), static id => checked((ushort)id.Number)),
        new IdValueType<byte>(null, null, static (v, c, p) => FromKey(v, c, p), static id => checked((byte)id.Number)),
        new IdValueType<float>(RawIdType.Int64, static (v, c, p) => FromFloatingPoint(v, c, p), null, null),
        new IdValueType<double>(RawIdType.Int64, FromFloatingPoint, null, null),
        new IdValueType<ReadOnlyMemory<char>>(RawIdType.Text, FromText, null, static id => (id.Text ?? string.Empty).AsMemory()),
    }.ToDictionary(t => t.RawType);

    /// <summary>Gets the .NET type of one value.</summary>
    public Type RawType { get; } = rawType;

    /// <summary>Gets the ids that plain (non-key) columns of this type hold; null when no plain column holds ids of this type.</summary>
    public RawIdType? PlainIds { get; } = plainIds;

    /// <summary>The entry for values of <paramref name="rawType"/>, or null when ids are never held in that type.</summary>
    public static IdValueType? Of(Type rawType) => Table.GetValueOrDefault(rawType);

    /// <summary>Calls <paramref name="visitor"/> with this type as a generic argument.</summary>
    public abstract TResult Accept<TResult>(IIdValueVisitor<TResult> visitor);

    /// <summary>Makes a reader of the current row's id in the scalar <paramref name="column"/>; null when its values are no ids.</summary>
    public abstract Func<RawId>? MakeScalarReader(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Makes a reader that appends the current row's ids in the vector <paramref name="column"/> to a list; null when its values are no ids.</summary>
    public abstract Action<List<RawId>>? MakeVectorReader(DataViewRow row, DataViewSchema.Column column);

    private static RawId FromKey(ulong value, DataViewSchema.Column column, long position)
    {
        if (value == 0)
        {
            throw new InvalidDataException(
                $"Column '{column.Name}', row index {position}: key value 0 means a missing id; expected keys 1..{KeyCountOf(column)}.");
        }

        if (value > long.MaxValue)
        {
            throw new InvalidDataException($"Column '{column.Name}', row index {position}: key value {value} is beyond the supported range 1..{long.MaxValue}.");
        }

        return RawId.FromNumber((long)value);
    }

    private static ulong KeyCountOf(DataViewSchema.Column column)
        => ((KeyDataViewType)((column.Type as VectorDataViewType)?.ItemType ?? column.Type)).Count;

    private static RawId FromFloatingPoint(double value, DataViewSchema.Column column, long position)
    {
        // 2^53: beyond it doubles skip integers, and Single already loses them past 2^24.
        const double LargestExactInteger = 9_007_199_254_740_992d;
        if (!double.IsFinite(value) || Math.Floor(value) != value || Math.Abs(value) > LargestExactInteger)
        {
            throw new InvalidDataException(
                $"Column '{column.Name}', row index {position}: id {value.ToString(CultureInfo.InvariantCulture)} is not an integer; " +
                "expected a floating-point column to hold whole-number ids (or use an integer, text or key column).");
        }

        return RawId.FromNumber((long)value);
    }

    private static RawId FromText(ReadOnlyMemory<char> value, DataViewSchema.Column column, long position)
    {
        if (value.Span.IsWhiteSpace())
        {
            throw new InvalidDataException($"Column '{column.Name}', row index {position}: the id is empty; expected a non-empty text id.");
        }

        return RawId.FromText(value.ToString());
    }
}

/// <summary>One entry of the id value type table, for values of type <typeparamref name="T"/>.</summary>
/// <param name="plainIds">The ids plain columns of <typeparamref name="T"/> hold (Single/Double: Int64 ids), or null.</param>
/// <param name="read">Reads a value of a plain column (column and row for the message); null when plain columns never hold <typeparamref name="T"/>.</param>
/// <param name="readKey">Reads a value of a key column; null when <typeparamref name="T"/> is no key raw type.</param>
/// <param name="write">Writes an id as a value; null when ids are never written as <typeparamref name="T"/>.</param>
internal sealed class IdValueType<T>(
    RawIdType? plainIds,
    Func<T, DataViewSchema.Column, long, RawId>? read,
    Func<T, DataViewSchema.Column, long, RawId>? readKey,
    Func<RawId, T>? write) : IdValueType(typeof(T), plainIds)
{
    /// <summary>Gets how an id becomes a value.</summary>
    /// <exception cref="InvalidOperationException">Ids are never written as <typeparamref name="T"/>.</exception>
    public Func<RawId, T> Writer => write ?? throw new InvalidOperationException($"Ids are never written as {typeof(T)}.");

    /// <inheritdoc/>
    public override TResult Accept<TResult>(IIdValueVisitor<TResult> visitor) => visitor.Visit(this);

    /// <inheritdoc/>
    public override Func<RawId>? MakeScalarReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (ReaderOf(column) is not { } convert)
        {
            return null;
        }

        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return convert(value, column, row.Position);
        };
    }

    /// <inheritdoc/>
    public override Action<List<RawId>>? MakeVectorReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (ReaderOf(column) is not { } convert)
        {
            return null;
        }

        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        return ids =>
        {
            getter(ref buffer);
            if (!buffer.IsDense && buffer.GetValues().Length != buffer.Length)
            {
                throw new InvalidDataException(
                    $"Column '{column.Name}', row index {row.Position}: the id vector is sparse (it has implicit zero ids); expected every element to be an id.");
            }

            foreach (T value in buffer.GetValues())
            {
                ids.Add(convert(value, column, row.Position));
            }
        };
    }

    // How a value of the column (a key column, or a plain one) becomes an id; null when it cannot.
    private Func<T, DataViewSchema.Column, long, RawId>? ReaderOf(DataViewSchema.Column column)
        => ((column.Type as VectorDataViewType)?.ItemType ?? column.Type) is KeyDataViewType ? readKey : read;
}

/// <summary>Code that needs the id value type as a generic argument.</summary>
internal interface IIdValueVisitor<TResult>
{
    TResult Visit<T>(IdValueType<T> type);
}
