using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Transformers;

namespace Microsoft.ML.GenerativeRec.Evaluation;

/// <summary>What <c>rec.Evaluate</c> does: find the recommender at the end of a model and rank every row's label.</summary>
internal static class RecommenderEvaluator
{
    /// <summary>Full-ranking metrics of the recommender that ends <paramref name="model"/>.</summary>
    /// <remarks>
    /// A chain (as <c>Fit</c> of an appended pipeline or <c>mlContext.Model.Load</c> returns it) is unwrapped to its last
    /// stage; the stages before it transform <paramref name="data"/> first, as the chain's own <c>Transform</c> would.
    /// </remarks>
    public static SequentialRecommendationMetrics Evaluate(ITransformer model, IDataView data, string labelColumnName, int maxK)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxK);
        var (last, input) = LastStage(model, data);
        return last switch
        {
            SequentialRecommenderTransformer neural => Neural(neural.Recommender, input, labelColumnName, maxK),
            MostPopularTransformer popular => PopularityRanks.Evaluate(popular, input, labelColumnName, maxK),
            _ => throw new ArgumentException(
                $"The model's last stage is a {last.GetType().Name}; expected {nameof(HstuTransformer)}, {nameof(SasRecTransformer)} or " +
                $"{nameof(MostPopularTransformer)}, alone or at the end of a chain.", nameof(model)),
        };
    }

    /// <summary>Metrics of rows that were already scored, from their label and the recommended items.</summary>
    public static SequentialRecommendationMetrics FromScoredRows(IDataView scoredData, string labelColumnName, string predictedItemsColumnName)
    {
        ArgumentNullException.ThrowIfNull(scoredData);
        var label = SchemaChecks.RequireColumn(scoredData.Schema, labelColumnName, "label", nameof(labelColumnName));
        var predicted = SchemaChecks.RequireColumn(scoredData.Schema, predictedItemsColumnName, "predicted items", nameof(predictedItemsColumnName));
        var itemType = RawIdType.FromColumn(predicted, "predicted items", vector: true);
        if (!RawIdType.FromColumn(label, "label", vector: false).Equals(itemType))
        {
            throw RawIdType.SchemaMismatch(label, "label", $"the item type of '{predicted.Name}' ({itemType})");
        }

        var ranks = new List<long>();
        int longest = 1;
        using (var cursor = scoredData.GetRowCursor([label, predicted]))
        {
            var readLabel = RawIdType.MakeScalarReader(cursor, label);
            var readPredicted = RawIdType.MakeVectorReader(cursor, predicted);
            var items = new List<RawId>();
            while (cursor.MoveNext())
            {
                items.Clear();
                readPredicted(items);
                longest = Math.Max(longest, items.Count);
                ranks.Add(items.IndexOf(readLabel()) + 1);
            }
        }

        return SequentialRecommendationMetrics.FromRanks(ranks, longest);
    }

    private static SequentialRecommendationMetrics Neural(NeuralRecommender recommender, IDataView data, string labelColumnName, int maxK)
    {
        var settings = recommender.Settings;
        var names = new SequenceColumnNames(settings.HistoryColumnName, labelColumnName, settings.HistoryTimestampsColumnName, settings.TimestampColumnName);
        var rows = SequenceArenaReader.Read(data, names, recommender.Vocabulary, recommender.UsesTimestamps);
        var arena = recommender.UsesTimestamps ? rows.Arena : rows.Arena.WithoutTimestamps();
        var recommended = new HashSet<long>();
        long[] ranks = recommender.Ranks(arena, recommended);
        return SequentialRecommendationMetrics.FromRanks(ranks, maxK, (double)recommended.Count / recommender.Vocabulary.Count);
    }

    private static (ITransformer Last, IDataView Input) LastStage(ITransformer model, IDataView data)
    {
        while (model is IEnumerable<ITransformer> chain)
        {
            ITransformer[] stages = [.. chain];
            if (stages.Length == 0)
            {
                throw new ArgumentException("The model is an empty chain; expected one that ends with a recommender.", nameof(model));
            }

            foreach (var stage in stages[..^1])
            {
                data = stage.Transform(data);
            }

            model = stages[^1];
        }

        return (model, data);
    }
}
