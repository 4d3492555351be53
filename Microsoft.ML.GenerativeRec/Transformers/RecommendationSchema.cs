using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The schema check and output schema shared by every recommender estimator.</summary>
internal static class RecommendationSchema
{
    /// <summary>The input columns plus <c>PredictedItems</c> (vector of the history's item type) and <c>Scores</c> (vector of Single).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The history or label column is missing or of the wrong type.</exception>
    public static SchemaShape GetOutputSchema(SchemaShape inputSchema, string historyColumnName, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(historyColumnName, out var history))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The history column '{historyColumnName}' was not found in the input schema.");
        }

        if (!inputSchema.TryFindColumn(labelColumnName, out var label))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The label column '{labelColumnName}' was not found in the input schema.");
        }

        if (history.Kind == SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for history column '{history.Name}': expected a vector of item ids, got {history.GetTypeString()}.");
        }

        if (label.ItemType.RawType != history.ItemType.RawType || label.IsKey != history.IsKey)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for label column '{label.Name}': expected the item type of '{history.Name}' ({history.ItemType}), got {label.GetTypeString()}.");
        }

        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[ColumnNames.PredictedItems] = new SchemaShape.Column(ColumnNames.PredictedItems, SchemaShape.Column.VectorKind.VariableVector,
            history.ItemType, history.IsKey, history.Annotations);
        columns[ColumnNames.Scores] = new SchemaShape.Column(ColumnNames.Scores, SchemaShape.Column.VectorKind.VariableVector,
            NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }
}
