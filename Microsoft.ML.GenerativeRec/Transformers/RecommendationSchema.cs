using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The schema check and output schema shared by every recommender estimator.</summary>
/// <remarks>
/// It accepts what <c>Fit</c> accepts (the same id types, <see cref="RawIdType"/>, and time columns,
/// <see cref="TimestampReader"/>) and declares what the fitted transformer produces, so
/// <c>GetOutputSchema(SchemaShape.Create(data.Schema))</c> equals the shape of <c>Fit(data).Transform(data).Schema</c>.
/// </remarks>
internal static class RecommendationSchema
{
    /// <summary>The input columns plus <c>PredictedItems</c> (a vector of the history's id type) and <c>Scores</c> (a vector of Single).</summary>
    /// <param name="inputSchema">The input shape.</param>
    /// <param name="historyColumnName">The history column.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="timeColumnNames">The history-times and request-time columns that <c>Fit</c> reads when present, or null.</param>
    /// <param name="userEmbedding">The user vector column the model appends and its width D, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    public static SchemaShape GetOutputSchema(SchemaShape inputSchema, string historyColumnName, string labelColumnName,
        (string HistoryTimestamps, string Timestamp)? timeColumnNames = null, (string Name, int Dimension)? userEmbedding = null)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var history = Find(inputSchema, historyColumnName, "history");
        var label = Find(inputSchema, labelColumnName, "label");
        PrimitiveDataViewType itemType = IdItemType(history, "history", vector: true);
        if (IdItemType(label, "label", vector: false) != itemType || label.IsKey != history.IsKey)
        {
            throw Mismatch(label, "label", $"the item type of '{history.Name}' ({history.GetTypeString()})");
        }

        if (timeColumnNames is var (historyTimesName, timestampName))
        {
            CheckTimeColumns(inputSchema, historyTimesName, timestampName);
        }

        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[ColumnNames.PredictedItems] = new SchemaShape.Column(ColumnNames.PredictedItems, SchemaShape.Column.VectorKind.VariableVector,
            itemType, history.IsKey, history.IsKey ? history.Annotations : null);
        columns[ColumnNames.Scores] = new SchemaShape.Column(ColumnNames.Scores, SchemaShape.Column.VectorKind.VariableVector,
            NumberDataViewType.Single, false);
        if (userEmbedding is var (userColumn, _))
        {
            columns[userColumn] = new SchemaShape.Column(userColumn, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        }

        return new SchemaShape(columns.Values);
    }

    /// <summary>The shape of <paramref name="schema"/> (<c>SchemaShape.Create</c>, which ML.NET keeps internal).</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) => SchemaShape.Create(schema);

    // The item type the fitted model writes ids in: keys stay keys, Single/Double become Int64 (RawIdType).
    private static PrimitiveDataViewType IdItemType(SchemaShape.Column column, string role, bool vector)
    {
        bool shapeMatches = vector ? column.Kind != SchemaShape.Column.VectorKind.Scalar : column.Kind == SchemaShape.Column.VectorKind.Scalar;
        PrimitiveDataViewType? type = !shapeMatches ? null : column.IsKey ? column.ItemType as PrimitiveDataViewType : RawIdType.ForValues(column.ItemType)?.ItemType;
        return type ?? throw Mismatch(column, role, RawIdType.Accepted(vector));
    }

    private static void CheckTimeColumns(SchemaShape inputSchema, string historyTimesName, string timestampName)
    {
        if (inputSchema.TryFindColumn(historyTimesName, out var times)
            && (times.Kind == SchemaShape.Column.VectorKind.Scalar || times.IsKey || times.ItemType != NumberDataViewType.Int64))
        {
            throw Mismatch(times, "history timestamps", "a vector of Int64 unix seconds");
        }

        if (inputSchema.TryFindColumn(timestampName, out var timestamp)
            && (timestamp.Kind != SchemaShape.Column.VectorKind.Scalar || timestamp.IsKey || !TimestampReader.RawTypes.Contains(timestamp.ItemType.RawType)))
        {
            throw Mismatch(timestamp, "timestamp", TimestampReader.AcceptedTypes);
        }
    }

    private static SchemaShape.Column Find(SchemaShape schema, string name, string role)
        => schema.TryFindColumn(name, out var column) ? column
            : throw new ArgumentOutOfRangeException("inputSchema", name,
                $"The {role} column '{name}' was not found in the input schema; it has: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");

    private static ArgumentOutOfRangeException Mismatch(SchemaShape.Column column, string role, string expected)
        => new("inputSchema", $"Schema mismatch for {role} column '{column.Name}': expected {expected}, got {column.GetTypeString()}.");
}
