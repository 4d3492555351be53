using Microsoft.ML.GenerativeRec.Jagged;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Reads sequence rows (History, Label and optional times) from an IDataView into a <see cref="SequenceArena"/>.</summary>
internal static class SequenceArenaReader
{
    /// <summary>The result of a read: the arena, the vocabulary it is indexed by and what was lost on the way.</summary>
    public sealed record Result(SequenceArena Arena, ItemVocabulary Vocabulary, int RowsRead, long UnknownItems);

    /// <summary>Reads training rows and builds the item vocabulary from every id in them.</summary>
    public static Result ReadTraining(IDataView data, SequenceColumnNames names)
    {
        var rows = ReadRaw(data, names, out RawIdType itemType, out bool hasTimes);
        var vocabulary = ItemVocabulary.Build(itemType, rows.SelectMany(r => r.Items));
        return Index(rows, vocabulary, hasTimes);
    }

    /// <summary>Reads rows with an existing vocabulary; unknown history items are skipped and counted, an unknown label becomes 0.</summary>
    public static Result Read(IDataView data, SequenceColumnNames names, ItemVocabulary vocabulary, bool useTimestamps)
    {
        var rows = ReadRaw(data, names, out RawIdType itemType, out bool hasTimes);
        if (!itemType.Equals(vocabulary.Type))
        {
            throw RawIdType.SchemaMismatch(data.Schema[names.History], "history", $"a vector of {vocabulary.Type}, the item type the model was trained on");
        }

        if (useTimestamps && !hasTimes)
        {
            throw new ArgumentOutOfRangeException(nameof(names),
                $"The model uses timestamps, so the data needs the columns '{names.HistoryTimestamps}' and '{names.Timestamp}'.");
        }

        return Index(rows, vocabulary, hasTimes && useTimestamps);
    }

    private static Result Index(List<RawRow> rows, ItemVocabulary vocabulary, bool withTimes)
    {
        var offsets = new int[rows.Count + 1];
        var items = new List<long>();
        var times = withTimes ? new List<long>() : null;
        long unknown = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            RawRow row = rows[r];
            int last = row.Items.Length - 1;
            for (int i = 0; i <= last; i++)
            {
                int index = vocabulary.IndexOf(row.Items[i]);
                if (index == ItemVocabulary.Padding && i < last)
                {
                    unknown++;
                    continue;                                   // unknown history items are skipped
                }

                items.Add(index);                               // an unknown label stays 0: never a hit
                times?.Add(row.Times![i]);
            }

            offsets[r + 1] = items.Count;
        }

        return new Result(new SequenceArena([.. items], times?.ToArray(), offsets), vocabulary, rows.Count, unknown);
    }

    private static List<RawRow> ReadRaw(IDataView data, SequenceColumnNames names, out RawIdType itemType, out bool hasTimes)
    {
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        var history = SchemaChecks.RequireColumn(schema, names.History, "history", "HistoryColumnName");
        var label = SchemaChecks.RequireColumn(schema, names.Label, "label", "LabelColumnName");
        itemType = RawIdType.FromColumn(history, "history", vector: true);
        if (!RawIdType.FromColumn(label, "label", vector: false).Equals(itemType))
        {
            throw RawIdType.SchemaMismatch(label, "label", $"the item type of '{history.Name}' ({itemType})");
        }

        DataViewSchema.Column? historyTimes = names.HistoryTimestamps is null ? null : schema.GetColumnOrNull(names.HistoryTimestamps);
        DataViewSchema.Column? timestamp = names.Timestamp is null ? null : schema.GetColumnOrNull(names.Timestamp);
        if (historyTimes is { } ht)
        {
            TimestampReader.CheckHistoryColumn(ht);
        }

        if (timestamp is { } ts)
        {
            TimestampReader.CheckColumn(ts);
        }

        hasTimes = historyTimes is not null && timestamp is not null;
        var rows = new List<RawRow>();
        var needed = new[] { history, label, historyTimes, timestamp }.OfType<DataViewSchema.Column>();
        using var cursor = data.GetRowCursor(needed);
        var readHistory = RawIdType.MakeVectorReader(cursor, history);
        var readLabel = RawIdType.MakeScalarReader(cursor, label);
        var readHistoryTimes = hasTimes ? TimestampReader.MakeHistory(cursor, historyTimes!.Value, history.Name) : null;
        var readTimestamp = hasTimes ? TimestampReader.Make(cursor, timestamp!.Value) : null;
        var ids = new List<RawId>();
        while (cursor.MoveNext())
        {
            ids.Clear();
            readHistory(ids);
            ids.Add(readLabel());
            long[]? times = readHistoryTimes is null ? null : [.. readHistoryTimes(ids.Count - 1), readTimestamp!()];
            rows.Add(new RawRow([.. ids], times));
        }

        if (rows.Count == 0)
        {
            throw new InvalidOperationException($"The data view has no rows; expected at least one row with columns '{names.History}' and '{names.Label}'.");
        }

        return rows;
    }

    private sealed record RawRow(RawId[] Items, long[]? Times);
}
