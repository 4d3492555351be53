using System.Runtime.CompilerServices;
using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>The input columns a neural recommender reads, bound to one schema and checked against the model.</summary>
internal sealed class ServingColumns
{
    public ServingColumns(NeuralRecommender recommender, DataViewSchema inputSchema)
    {
        Recommender = recommender;
        var settings = recommender.Settings;
        History = SchemaChecks.RequireColumn(inputSchema, settings.HistoryColumnName, "history", nameof(inputSchema));
        var type = RawIdType.FromColumn(History, "history", vector: true);
        if (!type.Equals(recommender.Vocabulary.Type))
        {
            throw RawIdType.SchemaMismatch(History, "history", $"a vector of {recommender.Vocabulary.Type}, the item type the model was trained on");
        }

        if (recommender.UsesTimestamps)
        {
            HistoryTimestamps = SchemaChecks.RequireColumn(inputSchema, settings.HistoryTimestampsColumnName, "history timestamps", nameof(inputSchema));
            TimestampReader.CheckHistoryColumn(HistoryTimestamps.Value);

            Timestamp = SchemaChecks.RequireColumn(inputSchema, settings.TimestampColumnName, "request timestamp", nameof(inputSchema));
            TimestampReader.CheckColumn(Timestamp.Value);
        }
    }

    public NeuralRecommender Recommender { get; }

    public DataViewSchema.Column History { get; }

    public DataViewSchema.Column? HistoryTimestamps { get; }

    public DataViewSchema.Column? Timestamp { get; }

    public IEnumerable<DataViewSchema.Column> All => new[] { History, HistoryTimestamps, Timestamp }.OfType<DataViewSchema.Column>();

    /// <summary>A reader of the current row of <paramref name="row"/> as a serving request.</summary>
    /// <remarks>Unknown history items become index 0 and are counted in <paramref name="unknownItems"/>.</remarks>
    public Func<ServingRequest> MakeReader(DataViewRow row, StrongBox<long> unknownItems)
    {
        var readHistory = RawIdType.MakeVectorReader(row, History);
        var readTimes = HistoryTimestamps is { } ht ? TimestampReader.MakeHistory(row, ht, History.Name) : null;
        var readRequest = Timestamp is { } ts ? TimestampReader.Make(row, ts) : null;
        var ids = new List<RawId>();
        var vocabulary = Recommender.Vocabulary;
        return () =>
        {
            ids.Clear();
            readHistory(ids);
            var indices = new int[ids.Count];
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = vocabulary.IndexOf(ids[i]);
                if (indices[i] == ItemVocabulary.Padding)
                {
                    unknownItems.Value++;
                }
            }

            long[]? historyTimes = null;
            long request = 0;
            if (readTimes is not null)
            {
                historyTimes = readTimes(indices.Length);
                request = readRequest!();
            }

            return new ServingRequest(indices, historyTimes, request);
        };
    }
}
