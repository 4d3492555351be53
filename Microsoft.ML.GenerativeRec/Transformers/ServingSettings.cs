namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The column names and K a fitted recommender serves with; saved in the model zip.</summary>
internal sealed record ServingSettings(string HistoryColumnName, string HistoryTimestampsColumnName, string TimestampColumnName, int NumberOfRecommendations)
{
    public void Write(BinaryWriter writer)
    {
        writer.Write(HistoryColumnName);
        writer.Write(HistoryTimestampsColumnName);
        writer.Write(TimestampColumnName);
        writer.Write(NumberOfRecommendations);
    }

    public static ServingSettings Read(BinaryReader reader)
    {
        var settings = new ServingSettings(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt32());
        if (settings.NumberOfRecommendations <= 0)
        {
            throw new InvalidDataException($"The saved number of recommendations is {settings.NumberOfRecommendations}; expected a positive number.");
        }

        return settings;
    }
}
