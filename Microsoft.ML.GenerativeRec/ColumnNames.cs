namespace Microsoft.ML.GenerativeRec;

/// <summary>The column names of the sequence schema shared by training, evaluation and serving.</summary>
/// <remarks>
/// A row reads "at <see cref="Timestamp"/>, the user whose past is <see cref="History"/> interacted with
/// <see cref="Label"/>". Every API that takes a column name defaults to these.
/// </remarks>
public static class ColumnNames
{
    /// <summary>The user identifier, carried through and not used by the models.</summary>
    public const string UserId = "UserId";

    /// <summary>The variable-length vector of past item ids, oldest first.</summary>
    public const string History = "History";

    /// <summary>The variable-length vector of <see cref="long"/> unix seconds, one per history item.</summary>
    public const string HistoryTimestamps = "HistoryTimestamps";

    /// <summary>The next item, the one to predict.</summary>
    public const string Label = "Label";

    /// <summary>The <see cref="long"/> unix time of the label event, which is the request time at serving.</summary>
    public const string Timestamp = "Timestamp";

    /// <summary>The recommended item ids, best first.</summary>
    public const string PredictedItems = "PredictedItems";

    /// <summary>The scores of <see cref="PredictedItems"/>, in the same order.</summary>
    public const string Scores = "Scores";

    /// <summary>An item id, in the view of a model's item vectors.</summary>
    public const string ItemId = "ItemId";

    /// <summary>A learned item vector, in the view of a model's item vectors.</summary>
    public const string Embedding = "Embedding";
}
