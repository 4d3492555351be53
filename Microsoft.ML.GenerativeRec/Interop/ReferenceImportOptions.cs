namespace Microsoft.ML.GenerativeRec;

/// <summary>
/// What an imported reference model needs besides its weights: where its hyper-parameters are, the data that ranks
/// its popularity fallback, and the columns, K and device it serves with.
/// </summary>
/// <remarks>
/// Used by <see cref="SequentialRecommendationCatalog.SequentialRecommendationModelOperations.ImportHstuFromReference"/>
/// and <see cref="SequentialRecommendationCatalog.SequentialRecommendationModelOperations.ImportSasRecFromReference"/>;
/// docs/scale.md describes the files.
/// </remarks>
public sealed class ReferenceImportOptions
{
    /// <summary>The JSON file of hyper-parameters and item ids.</summary>
    /// <value>Null (the default) for the state dict's path with the extension <c>.json</c>, as <c>ExportToReference</c> writes it.</value>
    public string? HyperParametersPath;

    /// <summary>Training rows whose items rank the fallback for histories with no known item.</summary>
    /// <value>
    /// Rows with <see cref="HistoryColumnName"/> and <see cref="LabelColumnName"/> of the model's item type (for example
    /// <c>split.Train</c>): items are ranked by how often they occur, as a trained model ranks them. Null (the default)
    /// uses the JSON's <c>fallback_item_ids</c> (written by <c>ExportToReference</c>), else ascending id order: the
    /// reference keeps no counts.
    /// </value>
    public IDataView? PopularityData;

    /// <summary>The history column the model reads.</summary>
    /// <value>Default <c>History</c>.</value>
    public string HistoryColumnName = ColumnNames.History;

    /// <summary>The label column of <see cref="PopularityData"/>.</summary>
    /// <value>Default <c>Label</c>.</value>
    public string LabelColumnName = ColumnNames.Label;

    /// <summary>The history times column, read when the model uses timestamps.</summary>
    /// <value>Default <c>HistoryTimestamps</c>.</value>
    public string HistoryTimestampsColumnName = ColumnNames.HistoryTimestamps;

    /// <summary>The request time column, read when the model uses timestamps.</summary>
    /// <value>Default <c>Timestamp</c>.</value>
    public string TimestampColumnName = ColumnNames.Timestamp;

    /// <summary>How many items each row gets (K).</summary>
    /// <value>Positive. Default 10.</value>
    public int NumberOfRecommendations = SequentialRecommenderDefaults.NumberOfRecommendations;

    /// <summary>The name of an optional output column with each row's unit user vector.</summary>
    /// <value>Null (the default) for no such column.</value>
    public string? UserEmbeddingColumnName;

    /// <summary>Where the model scores.</summary>
    /// <value>Default <see cref="ComputeDevice.Auto"/>: the MLContext's <c>GpuDeviceId</c>, else the CPU.</value>
    public ComputeDevice Device = ComputeDevice.Auto;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(HistoryColumnName, nameof(HistoryColumnName));
        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
        ArgumentException.ThrowIfNullOrEmpty(HistoryTimestampsColumnName, nameof(HistoryTimestampsColumnName));
        ArgumentException.ThrowIfNullOrEmpty(TimestampColumnName, nameof(TimestampColumnName));
        if (NumberOfRecommendations <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfRecommendations), NumberOfRecommendations, "Must be positive: the number of items to recommend per row.");
        }

        if (UserEmbeddingColumnName is { } userColumn && (userColumn.Length == 0 || userColumn is ColumnNames.PredictedItems or ColumnNames.Scores))
        {
            throw new ArgumentOutOfRangeException(nameof(UserEmbeddingColumnName), userColumn,
                $"Must be null (no user vectors) or a column name other than '{ColumnNames.PredictedItems}' and '{ColumnNames.Scores}'.");
        }

        if (!Enum.IsDefined(Device))
        {
            throw new ArgumentOutOfRangeException(nameof(Device), Device, $"Must be one of {string.Join(", ", Enum.GetNames<ComputeDevice>())}.");
        }
    }
}
