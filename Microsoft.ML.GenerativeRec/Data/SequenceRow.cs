using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Data;

/// <summary>The row type behind <see cref="MovieLens.LoadSequences"/>: a user and their items, oldest first.</summary>
internal sealed class SequenceRow
{
    /// <summary>The user id.</summary>
    [ColumnName(ColumnNames.UserId)]
    public int UserId { get; set; }

    /// <summary>The user's item ids in time order; a variable-length vector column.</summary>
    [ColumnName(ColumnNames.History)]
    [VectorType]
    public int[] History { get; set; } = [];
}
