using Microsoft.ML.GenerativeRec.Data;

namespace Microsoft.ML.GenerativeRec.Evaluation;

/// <summary>Full-ranking evaluation of the most-popular baseline: the same metrics as the neural models get.</summary>
/// <remarks>
/// The baseline ranks every item by training count (ties by ascending id) and skips the row's last
/// <c>ExcludedHistoryLength</c> history items, so a label's rank is its place in the popularity order minus the
/// excluded items above it. A label that is excluded or unknown to the model is a miss.
/// </remarks>
internal static class PopularityRanks
{
    public static SequentialRecommendationMetrics Evaluate(MostPopularTransformer model, IDataView data, string labelColumnName, int maxK)
    {
        var vocabulary = model.Vocabulary;
        var history = SchemaChecks.RequireColumn(data.Schema, model.HistoryColumnName, "history", nameof(data));
        var label = SchemaChecks.RequireColumn(data.Schema, labelColumnName, "label", nameof(labelColumnName));
        RequireItemType(history, "history", vector: true, vocabulary.Type);
        RequireItemType(label, "label", vector: false, vocabulary.Type);

        int[] ranking = model.Ranking;
        var place = new int[vocabulary.Count + 1];                   // 0-based place of each item index in the ranking
        for (int p = 0; p < ranking.Length; p++)
        {
            place[ranking[p]] = p;
        }

        var ranks = new List<long>();
        var recommended = new HashSet<int>();
        var ids = new List<RawId>();
        using (var cursor = data.GetRowCursor([history, label]))
        {
            var readHistory = RawIdType.MakeVectorReader(cursor, history);
            var readLabel = RawIdType.MakeScalarReader(cursor, label);
            while (cursor.MoveNext())
            {
                ids.Clear();
                readHistory(ids);
                var excluded = model.ExcludedItems(ids);
                int target = vocabulary.IndexOf(readLabel());
                ranks.Add(target == ItemVocabulary.Padding || excluded.Contains(target)
                    ? 0
                    : place[target] + 1 - excluded.Count(e => place[e] < place[target]));
                foreach (int item in ranking.Where(i => !excluded.Contains(i)).Take(model.NumberOfRecommendations))
                {
                    recommended.Add(item);
                }
            }
        }

        if (ranks.Count == 0)
        {
            throw new InvalidOperationException($"The data view has no rows; expected at least one row with columns '{history.Name}' and '{label.Name}'.");
        }

        return SequentialRecommendationMetrics.FromRanks(ranks, maxK, (double)recommended.Count / vocabulary.Count);
    }

    private static void RequireItemType(DataViewSchema.Column column, string role, bool vector, RawIdType expected)
    {
        if (!RawIdType.FromColumn(column, role, vector).Equals(expected))
        {
            throw RawIdType.SchemaMismatch(column, role, $"{(vector ? "a vector of " : "")}{expected}, the item type the model was trained on");
        }
    }
}
