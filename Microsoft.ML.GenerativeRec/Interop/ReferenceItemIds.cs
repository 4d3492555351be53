using System.Globalization;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>
/// The item ids of a vocabulary as rows of the reference's item table, which has one row per raw integer id (row 0 is
/// padding, hstu-spec.md §3.1), and back.
/// </summary>
/// <remarks>
/// Only integer ids can be exchanged: the id is the row. Integer columns give their values; text ids must be decimal
/// integers ("42"); keys give the integer behind each key (their KeyValues, or the key itself when there are none).
/// </remarks>
internal static class ReferenceItemIds
{
    /// <summary>The item types an imported model can read, for messages.</summary>
    public const string SupportedTypes = "\"Int32\", \"UInt32\", \"Int64\" or \"String\"";

    /// <summary>The largest id a row can stand for: the table is indexed by id, so ids beyond this would need a table of billions of rows.</summary>
    public const long MaxId = int.MaxValue - 1;

    private const string StringTypeName = "String";

    /// <summary>The column type named by <c>item_id_type</c>, or null for an unknown name.</summary>
    public static RawIdType? ParseType(string name) => name switch
    {
        "Int32" => RawIdType.Int32,
        "UInt32" => RawIdType.UInt32,
        "Int64" => RawIdType.Int64,
        StringTypeName => RawIdType.Text,
        _ => null,
    };

    /// <summary>The <c>item_id_type</c> that an import of this vocabulary's ids reads: a key model's ids come back as their values' type.</summary>
    public static string TypeName(RawIdType type) => type.Kind switch
    {
        RawIdKind.Int32 => "Int32",
        RawIdKind.UInt32 => "UInt32",
        RawIdKind.Int64 => "Int64",
        RawIdKind.Text => StringTypeName,
        _ => type.KeyValues?.ItemType.RawType switch
        {
            { } t when t == typeof(int) => "Int32",
            { } t when t == typeof(uint) => "UInt32",
            { } t when t == typeof(ReadOnlyMemory<char>) => StringTypeName,
            _ => "Int64",
        },
    };

    /// <summary>The reference row of every item, in vocabulary index order: element i − 1 is the row of index i.</summary>
    /// <exception cref="NotSupportedException">An id is not an integer from 1 to <see cref="MaxId"/>, or two ids are the same integer; the message names the id.</exception>
    public static long[] RowsOf(ItemVocabulary vocabulary)
    {
        var rows = new long[vocabulary.Count];
        var seen = new Dictionary<long, RawId>(vocabulary.Count);
        for (int index = 1; index <= vocabulary.Count; index++)
        {
            RawId id = vocabulary.IdAt(index);
            long row = RowOf(id, vocabulary.Type);
            if (!seen.TryAdd(row, id))
            {
                throw new NotSupportedException(
                    $"Item ids '{seen[row]}' and '{id}' are both the integer {row}; the reference's item table has one row per integer id, so they cannot be told apart.");
            }

            rows[index - 1] = row;
        }

        return rows;
    }

    /// <summary>The vocabulary of the ids <paramref name="ids"/>, read back as <paramref name="type"/>.</summary>
    /// <exception cref="InvalidDataException">An id does not fit <paramref name="type"/>, is not positive, or repeats.</exception>
    public static ItemVocabulary Vocabulary(RawIdType type, IReadOnlyList<long> ids, string source)
    {
        var distinct = new HashSet<long>(ids.Count);
        foreach (long id in ids)
        {
            long limit = type.Kind switch
            {
                RawIdKind.Int32 => int.MaxValue,
                RawIdKind.UInt32 => uint.MaxValue,
                _ => long.MaxValue,
            };
            if (id < 1 || id > Math.Min(limit, MaxId))
            {
                throw new InvalidDataException($"{source} holds item id {id}; expected ids from 1 to {Math.Min(limit, MaxId)} (0 is the padding row) for item type {type}.");
            }

            if (!distinct.Add(id))
                throw new InvalidDataException($"{source} lists item id {id} twice.");
        }

        return ItemVocabulary.Build(type, ids.Select(id => type.Kind == RawIdKind.Text
            ? RawId.FromText(id.ToString(CultureInfo.InvariantCulture))
            : RawId.FromNumber(id)));
    }

    private static long RowOf(RawId id, RawIdType type)
    {
        string? text = type.Kind switch
        {
            RawIdKind.Text => id.Text,
            RawIdKind.Key when type.KeyValues is { } values => values.Values[(int)(id.Number - 1)],
            _ => null,
        };
        long row = id.Number;
        if (text is not null && !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out row))
        {
            throw new NotSupportedException(
                $"Item id '{text}' is not an integer. The reference's item table has one row per integer id, so only models whose item " +
                "ids are integers (Int32, UInt32, Int64, text holding decimal integers, or keys whose values are such) can be exported; " +
                "map the ids to integers before training.");
        }

        if (row < 1 || row > MaxId)
        {
            throw new NotSupportedException(
                $"Item id {row} cannot be a row of the reference's item table: expected an integer from 1 to {MaxId} (row 0 is padding).");
        }

        return row;
    }
}
