namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The column names and K a fitted recommender serves with; saved in the model zip.</summary>
/// <param name="HistoryColumnName">The input history column.</param>
/// <param name="HistoryTimestampsColumnName">The input history times column, read when the model uses times.</param>
/// <param name="TimestampColumnName">The input request time column, read when the model uses times.</param>
/// <param name="NumberOfRecommendations">K.</param>
/// <param name="UserEmbeddingColumnName">The optional output column of user vectors, or null.</param>
internal sealed record ServingSettings(string HistoryColumnName, string HistoryTimestampsColumnName, string TimestampColumnName, int NumberOfRecommendations,
    string? UserEmbeddingColumnName)
{
    public void Write(BinaryWriter writer)
    {
        writer.Write(HistoryColumnName);
        writer.Write(HistoryTimestampsColumnName);
        writer.Write(TimestampColumnName);
        writer.Write(NumberOfRecommendations);
        writer.Write(UserEmbeddingColumnName ?? "");
    }

    /// <param name="reader">Where <see cref="Write"/> wrote the settings.</param>
    /// <param name="withUserEmbeddingColumn">False for models saved before the user vector column existed (format 2 and earlier).</param>
    public static ServingSettings Read(BinaryReader reader, bool withUserEmbeddingColumn)
    {
        var settings = new ServingSettings(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt32(),
            withUserEmbeddingColumn && reader.ReadString() is { Length: > 0 } name ? name : null);
        if (settings.NumberOfRecommendations <= 0)
        {
            throw new InvalidDataException($"The saved number of recommendations is {settings.NumberOfRecommendations}; expected a positive number.");
        }

        return settings;
    }
}
