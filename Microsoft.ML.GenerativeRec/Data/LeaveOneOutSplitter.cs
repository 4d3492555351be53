using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>
/// Leave-one-out splits of user sequences (design.md §2): for a sequence s of length n, Test = (s[..n-1], s[n-1]),
/// Validation = (s[..n-2], s[n-2]), Train = (s[..n-3], s[n-3]); the reference protocol has no validation and
/// trains on (s[..n-2], s[n-2]).
/// </summary>
internal static class LeaveOneOutSplitter
{
    /// <summary>The shortest sequence each protocol can split: every training row needs one history item.</summary>
    public static int MinimumLength(LeaveOneOutProtocol protocol) => protocol == LeaveOneOutProtocol.Validation ? 4 : 3;

    public static SequenceSplit Split(IHostEnvironment env, IDataView sequences, LeaveOneOutProtocol protocol,
        string historyColumnName, string historyTimestampsColumnName, string userIdColumnName)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (!Enum.IsDefined(protocol))
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, $"Expected {nameof(LeaveOneOutProtocol.Validation)} or {nameof(LeaveOneOutProtocol.Reference)}.");
        }

        var historyColumn = SchemaChecks.RequireColumn(sequences.Schema, historyColumnName, "history", nameof(historyColumnName));
        var itemType = RawIdType.FromColumn(historyColumn, "history", vector: true);
        DataViewSchema.Column? timesColumn = sequences.Schema.GetColumnOrNull(historyTimestampsColumnName);
        if (timesColumn is { } tc)
        {
            TimestampReader.CheckHistoryColumn(tc);
        }

        DataViewSchema.Column? userColumn = sequences.Schema.GetColumnOrNull(userIdColumnName);
        RawIdType? userType = userColumn is { } uc ? RawIdType.FromColumn(uc, "user", vector: false) : null;

        int minimum = MinimumLength(protocol);
        var users = new List<RawId>();
        var items = new List<RawId[]>();
        var times = new List<long[]>();
        int dropped = 0;
        var needed = new[] { historyColumn, timesColumn, userColumn }.OfType<DataViewSchema.Column>();
        using (var cursor = sequences.GetRowCursor(needed))
        {
            var readItems = RawIdType.MakeVectorReader(cursor, historyColumn);
            var readTimes = timesColumn is { } t ? TimestampReader.MakeHistory(cursor, t, historyColumnName) : null;
            var readUser = userColumn is { } u ? RawIdType.MakeScalarReader(cursor, u) : null;
            var buffer = new List<RawId>();
            while (cursor.MoveNext())
            {
                buffer.Clear();
                readItems(buffer);
                long[] rowTimes = readTimes?.Invoke(buffer.Count) ?? [];
                if (buffer.Count < minimum)
                {
                    dropped++;
                    continue;
                }

                users.Add(readUser?.Invoke() ?? default);
                items.Add([.. buffer]);
                times.Add(rowTimes);
            }
        }

        if (users.Count == 0)
        {
            throw new InvalidOperationException(
                $"No sequence in column '{historyColumnName}' is long enough for a {protocol} leave-one-out split: " +
                $"{dropped} sequence(s) read, each needs at least {minimum} items.");
        }

        if (dropped > 0)
        {
            using var channel = env.Start("LeaveOneOutSplit");
            channel.Warning($"LeaveOneOutSplit dropped {dropped} of {dropped + users.Count} sequence(s) shorter than {minimum} items.");
        }

        bool withTimes = timesColumn is not null;
        IDataView Build(int heldOut) => BuildView(users, userType, items, itemType, withTimes ? times : null, heldOut);
        return protocol == LeaveOneOutProtocol.Validation
            ? new SequenceSplit(Build(3), Build(2), Build(1), protocol, users.Count, dropped)
            : new SequenceSplit(Build(2), null, Build(1), protocol, users.Count, dropped);
    }

    /// <summary>Builds the rows whose label is the <paramref name="fromEnd"/>-th item from the end.</summary>
    private static IDataView BuildView(List<RawId> users, RawIdType? userType, List<RawId[]> items, RawIdType itemType,
        List<long[]>? times, int fromEnd)
    {
        var builder = new InMemoryDataView.Builder(users.Count);
        if (userType is not null)
        {
            builder.AddIds(ColumnNames.UserId, userType, [.. users]);
        }

        builder.AddIdVectors(ColumnNames.History, itemType, [.. items.Select(sequence => sequence[..^fromEnd])]);
        if (times is not null)
        {
            builder.AddVector(ColumnNames.HistoryTimestamps, NumberDataViewType.Int64, [.. times.Select(sequence => sequence[..^fromEnd])]);
        }

        builder.AddIds(ColumnNames.Label, itemType, [.. items.Select(sequence => sequence[^fromEnd])]);
        if (times is not null)
        {
            builder.AddScalar(ColumnNames.Timestamp, NumberDataViewType.Int64, [.. times.Select(sequence => sequence[^fromEnd])]);
        }

        return builder.Build();
    }
}
