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
        long order = 0;
        var needed = timeColumn is { } t ? new[] { userColumn, itemColumn, t } : new[] { userColumn, itemColumn };
        using (var cursor = interactions.GetRowCursor(needed))
        {
            var readUser = RawIdType.MakeScalarReader(cursor, userColumn);
            var readItem = RawIdType.MakeScalarReader(cursor, itemColumn);
            Func<long>? readTime = timeColumn is { } c ? TimestampReader.Make(cursor, c) : null;
            while (cursor.MoveNext())
            {
                RawId user = readUser();
                if (!events.TryGetValue(user, out var list))
                {
                    list = [];
                    events.Add(user, list);
                }

                list.Add(new Event(readItem(), readTime?.Invoke() ?? 0, order++));
            }
        }

        if (events.Count == 0)
        {
            throw new InvalidOperationException(
                $"The interactions view has no rows; expected at least one (user, item) interaction in columns '{userColumnName}' and '{itemColumnName}'.");
        }

        RawId[] users = [.. events.Keys.Order()];
        var histories = new RawId[users.Length][];
        var times = new long[users.Length][];
        for (int u = 0; u < users.Length; u++)
        {
            List<Event> list = events[users[u]];
            if (timeColumn is not null)
            {
                // Stable: ties on the timestamp keep input order (hstu-spec.md §10.2).
                list.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Order.CompareTo(b.Order));
            }

            histories[u] = list.ConvertAll(e => e.Item).ToArray();
            times[u] = list.ConvertAll(e => e.Time).ToArray();
        }

        var builder = new InMemoryDataView.Builder(users.Length)
            .AddIds(ColumnNames.UserId, userType, users)
            .AddIdVectors(ColumnNames.History, itemType, histories);
        if (timeColumn is not null)
        {
            builder.AddVector(ColumnNames.HistoryTimestamps, NumberDataViewType.Int64, times);
        }

        return builder.Build();
    }

    private readonly record struct Event(RawId Item, long Time, long Order);
}
