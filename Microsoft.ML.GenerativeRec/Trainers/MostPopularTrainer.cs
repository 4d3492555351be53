using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>
/// The most-popular baseline: it recommends the items that occur most often in the training rows, skipping the
/// items in each user's recent history.
/// </summary>
/// <remarks>
/// Popularity counts every item of <c>History</c> and <c>Label</c> in the training rows. Items are ranked by count,
/// ties by ascending id. The baseline needs no TorchSharp and has the same input and output schema as the
/// neural trainers, so every benchmark can print it beside them.
/// </remarks>
public sealed class MostPopularTrainer : IEstimator<MostPopularTransformer>
{
    private readonly IHost _host;
    private readonly Options _options;

    internal MostPopularTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register(nameof(MostPopularTrainer));
        _options = options;
    }

    /// <summary>Counts item popularity in <paramref name="input"/>.</summary>
    /// <param name="input">Training rows with the history and label columns.</param>
    /// <returns>The fitted baseline.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The view has no rows.</exception>
    public MostPopularTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (historyColumn, labelColumn, itemType) = CheckInput(input.Schema);
        var counts = new Dictionary<RawId, int>();
        using (var cursor = input.GetRowCursor([historyColumn, labelColumn]))
        {
            var readHistory = RawIdType.MakeVectorReader(cursor, historyColumn);
            var readLabel = RawIdType.MakeScalarReader(cursor, labelColumn);
            var history = new List<RawId>();
            while (cursor.MoveNext())
            {
                history.Clear();
                readHistory(history);
                history.Add(readLabel());
                foreach (RawId id in history)
                {
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                }
            }
        }

        if (counts.Count == 0)
        {
            throw new InvalidOperationException($"The training view has no rows; {nameof(MostPopularTrainer)} needs at least one.");
        }

        var vocabulary = ItemVocabulary.Build(itemType, counts.Keys);
        var indexCounts = new int[vocabulary.Count + 1];
        foreach (var (id, count) in counts)
        {
            indexCounts[vocabulary.IndexOf(id)] = count;
        }

        return new MostPopularTransformer(_host, _options.HistoryColumnName, _options.NumberOfRecommendations,
            _options.ExcludedHistoryLength, vocabulary, indexCounts);
    }

    /// <summary>The schema <see cref="Fit"/> would produce for data of schema <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The input columns plus <c>PredictedItems</c> and <c>Scores</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => RecommendationSchema.GetOutputSchema(inputSchema, _options.HistoryColumnName, _options.LabelColumnName);

    private (DataViewSchema.Column History, DataViewSchema.Column Label, RawIdType ItemType) CheckInput(DataViewSchema schema)
    {
        var history = SchemaChecks.RequireColumn(schema, _options.HistoryColumnName, "history", nameof(Options.HistoryColumnName));
        var label = SchemaChecks.RequireColumn(schema, _options.LabelColumnName, "label", nameof(Options.LabelColumnName));
        var itemType = RawIdType.FromColumn(history, "history", vector: true);
        var labelType = RawIdType.FromColumn(label, "label", vector: false);
        if (!labelType.Equals(itemType))
        {
            throw RawIdType.SchemaMismatch(label, "label", $"the item type of '{history.Name}' ({itemType})");
        }

        return (history, label, itemType);
    }

    /// <summary>Options of <see cref="MostPopularTrainer"/>.</summary>
    public sealed class Options
    {
        /// <summary>The history column: a vector of Int32, UInt32, Int64, String or keys.</summary>
        /// <value>Default <c>History</c>.</value>
        public string HistoryColumnName = ColumnNames.History;

        /// <summary>The label column: one item id of the same type as the history items.</summary>
        /// <value>Default <c>Label</c>.</value>
        public string LabelColumnName = ColumnNames.Label;

        /// <summary>How many items each row gets (K).</summary>
        /// <value>Positive. Default 10.</value>
        public int NumberOfRecommendations = Defaults.NumberOfRecommendations;

        /// <summary>How many of the most recent history items are never recommended.</summary>
        /// <value>Positive. Default 200, the history window of the neural models on MovieLens (hstu-spec.md §2.3).</value>
        public int ExcludedHistoryLength = Defaults.ExcludedHistoryLength;

        internal void Validate()
        {
            ArgumentException.ThrowIfNullOrEmpty(HistoryColumnName, nameof(HistoryColumnName));
            ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
            if (NumberOfRecommendations <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(NumberOfRecommendations), NumberOfRecommendations, "Must be positive: the number of items to recommend per row.");
            }

            if (ExcludedHistoryLength <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(ExcludedHistoryLength), ExcludedHistoryLength, "Must be positive: the number of recent history items to exclude.");
            }
        }
    }

    internal static class Defaults
    {
        public const int NumberOfRecommendations = SequentialRecommenderDefaults.NumberOfRecommendations;
        public const int ExcludedHistoryLength = SequentialRecommenderDefaults.MaxSequenceLength;   // hstu-spec.md §2.3: the neural models' window
    }
}
