using System.Runtime.InteropServices;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>Turns interactions (user, item, optional time) into one time-ordered sequence per user.</summary>
internal static class InteractionSequencer
{
    public static IDataView ToSequences(IDataView interactions, string userColumnName, string itemColumnName, string? timestampColumnName)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var userColumn = SchemaChecks.RequireColumn(interactions.Schema, userColumnName, "user", nameof(userColumnName));
        var itemColumn = SchemaChecks.RequireColumn(interactions.Schema, itemColumnName, "item", nameof(itemColumnName));
        var userType = RawIdType.FromColumn(userColumn, "user", vector: false);
        var itemType = RawIdType.FromColumn(itemColumn, "item", vector: false);
        DataViewSchema.Column? timeColumn = null;
        if (timestampColumnName is not null)
        {
            timeColumn = SchemaChecks.RequireColumn(interactions.Schema, timestampColumnName, "timestamp", nameof(timestampColumnName));
            TimestampReader.CheckColumn(timeColumn.Value);
        }

        var events = new Dictionary<RawId, List<Event>>();
        var needed = timeColumn is { } t ? new[] { userColumn, itemColumn, t } : new[] { userColumn, itemColumn };
        using (var cursor = interactions.GetRowCursor(needed))
        {
            var readUser = RawIdType.MakeScalarReader(cursor, userColumn);
            var readItem = RawIdType.MakeScalarReader(cursor, itemColumn);
            Func<long>? readTime = timeColumn is { } c ? TimestampReader.Make(cursor, c) : null;
            while (cursor.MoveNext())
            {
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(events, readUser(), out _);
                (list ??= []).Add(new Event(readItem(), readTime?.Invoke() ?? 0));
            }
        }

        if (events.Count == 0)
        {
            throw new InvalidOperationException(
                $"The interactions view has no rows; expected at least one (user, item) interaction in columns '{userColumnName}' and '{itemColumnName}'.");
        }

        RawId[] users = [.. events.Keys.Order()];
        // OrderBy is stable: ties on the timestamp keep input order (hstu-spec.md §10.2); without timestamps all are 0.
        Event[][] sequences = [.. users.Select(user => events[user].OrderBy(e => e.Time).ToArray())];
        var builder = new InMemoryDataView.Builder(users.Length)
            .AddIds(ColumnNames.UserId, userType, users)
            .AddIdVectors(ColumnNames.History, itemType, [.. sequences.Select(sequence => Array.ConvertAll(sequence, e => e.Item))]);
        if (timeColumn is not null)
        {
            builder.AddVector(ColumnNames.HistoryTimestamps, NumberDataViewType.Int64, [.. sequences.Select(sequence => Array.ConvertAll(sequence, e => e.Time))]);
        }

        return builder.Build();
    }

    private readonly record struct Event(RawId Item, long Time);
}
