using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Reads a timestamp column as unix seconds, rejecting values that cannot be times.</summary>
/// <remarks>
/// Accepted: Int64, Int32, UInt32, UInt64, Single and Double (fractions are floored to whole seconds),
/// DateTime (unspecified kinds are read as UTC) and DateTimeOffset.
/// </remarks>
internal static class TimestampReader
{
    public const string AcceptedTypes = "Int64, Int32, UInt32, UInt64, Single, Double (unix seconds), DateTime or DateTimeOffset";

    /// <summary>The .NET types of the accepted scalar, non-key columns.</summary>
    public static readonly IReadOnlySet<Type> RawTypes = new HashSet<Type>
        { typeof(long), typeof(int), typeof(uint), typeof(ulong), typeof(float), typeof(double), typeof(DateTime), typeof(DateTimeOffset) };

    public static void CheckColumn(DataViewSchema.Column column)
    {
        bool accepted = column.Type is not VectorDataViewType and not KeyDataViewType && RawTypes.Contains(column.Type.RawType);
        if (!accepted)
        {
            throw RawIdType.SchemaMismatch(column, "timestamp", AcceptedTypes);
        }
    }

    /// <summary>Throws unless <paramref name="column"/> is a vector of Int64 unix seconds (the history times).</summary>
    public static void CheckHistoryColumn(DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType { ItemType: var itemType } || itemType != NumberDataViewType.Int64)
        {
            throw RawIdType.SchemaMismatch(column, "history timestamps", "a vector of Int64 unix seconds");
        }
    }

    /// <summary>Makes a reader of the current row's history times from <paramref name="column"/>, a vector of Int64 unix seconds.</summary>
    /// <remarks>The reader takes the number of history items and checks there is one time per item.</remarks>
    /// <exception cref="InvalidDataException">While reading: the count differs, or a time is negative.</exception>
    public static Func<int, long[]> MakeHistory(DataViewRow row, DataViewSchema.Column column, string historyColumnName)
    {
        CheckHistoryColumn(column);
        var getter = row.GetGetter<VBuffer<long>>(column);
        VBuffer<long> buffer = default;
        return itemCount =>
        {
            getter(ref buffer);
            if (buffer.Length != itemCount)
            {
                throw new InvalidDataException(
                    $"Row index {row.Position}: column '{column.Name}' has {buffer.Length} values but '{historyColumnName}' has {itemCount}; expected one timestamp per history item.");
            }

            long[] times = buffer.DenseValues().ToArray();
            CheckHistoryValues(times, column, row.Position);
            return times;
        };
    }

    private static void CheckHistoryValues(ReadOnlySpan<long> times, DataViewSchema.Column column, long position)
    {
        foreach (long seconds in times)
        {
            if (seconds < 0)
            {
                throw Negative(column, position, seconds);
            }
        }
    }

    /// <exception cref="InvalidDataException">A value is NaN, infinite or negative.</exception>
    public static Func<long> Make(DataViewRow row, DataViewSchema.Column column)
    {
        CheckColumn(column);
        return Type.GetTypeCode(column.Type.RawType) switch
        {
            TypeCode.Int64 => Make<long>(row, column, v => v),
            TypeCode.Int32 => Make<int>(row, column, v => v),
            TypeCode.UInt32 => Make<uint>(row, column, v => v),
            TypeCode.UInt64 => Make<ulong>(row, column, v => v > long.MaxValue ? -1 : (long)v),
            TypeCode.Single => Make<float>(row, column, v => FromSeconds(v, column, row.Position)),
            TypeCode.Double => Make<double>(row, column, v => FromSeconds(v, column, row.Position)),
            TypeCode.DateTime => Make<DateTime>(row, column, v =>
                new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime())
                    .ToUnixTimeSeconds()),
            _ => Make<DateTimeOffset>(row, column, v => v.ToUnixTimeSeconds()),
        };
    }

    private static Func<long> Make<T>(DataViewRow row, DataViewSchema.Column column, Func<T, long> toSeconds)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            long seconds = toSeconds(value);
            return seconds >= 0 ? seconds : throw Negative(column, row.Position, value);
        };
    }

    private static InvalidDataException Negative<T>(DataViewSchema.Column column, long position, T value)
        => new($"Column '{column.Name}', row index {position}: timestamp {Format(value)} is negative; expected unix seconds (0 or more).");

    private static long FromSeconds(double value, DataViewSchema.Column column, long position)
    {
        if (!double.IsFinite(value))
        {
            throw new InvalidDataException(
                $"Column '{column.Name}', row index {position}: timestamp {value.ToString(CultureInfo.InvariantCulture)} is not a number; expected unix seconds.");
        }

        return value >= long.MaxValue ? long.MaxValue : (long)Math.Floor(value);
    }

    private static string Format<T>(T value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString() ?? "null";
}
