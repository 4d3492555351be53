namespace Microsoft.ML.GenerativeRec;

/// <summary>The result of a leave-one-out split of user sequences.</summary>
/// <remarks>
/// Every view has the sequence schema (<see cref="ColumnNames"/>): <c>UserId</c> (when the input has it),
/// <c>History</c>, <c>HistoryTimestamps</c> and <c>Timestamp</c> (when the input has timestamps) and <c>Label</c>.
/// A user is in all views or in none.
/// </remarks>
public sealed class SequenceSplit
{
    internal SequenceSplit(IDataView train, IDataView? validation, IDataView test, LeaveOneOutProtocol protocol, int userCount, int droppedUserCount)
    {
        Train = train;
        Validation = validation;
        Test = test;
        Protocol = protocol;
        UserCount = userCount;
        DroppedUserCount = droppedUserCount;
    }

    /// <summary>One row per user: the sequence without its held-out items, the last of them as <c>Label</c>.</summary>
    public IDataView Train { get; }

    /// <summary>One row per user whose label is the second-to-last item; null under <see cref="LeaveOneOutProtocol.Reference"/>.</summary>
    public IDataView? Validation { get; }

    /// <summary>One row per user whose label is the last item and whose history is everything before it.</summary>
    public IDataView Test { get; }

    /// <summary>The protocol that produced this split.</summary>
    public LeaveOneOutProtocol Protocol { get; }

    /// <summary>The number of users in each view.</summary>
    public int UserCount { get; }

    /// <summary>The number of input sequences too short for the protocol, which are in none of the views.</summary>
    /// <remarks>
    /// <see cref="LeaveOneOutProtocol.Validation"/> needs 4 items (a training row needs at least one history
    /// item before its label); <see cref="LeaveOneOutProtocol.Reference"/> needs 3.
    /// </remarks>
    public int DroppedUserCount { get; }
}
