using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(MostPopularTransformer), null, typeof(SignatureLoadModel),
    "Most-popular recommender", MostPopularTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(MostPopularTransformer), null, typeof(SignatureLoadRowMapper),
    "Most-popular recommender", MostPopularTransformer.LoaderSignature)]

namespace Microsoft.ML.GenerativeRec;

/// <summary>The fitted most-popular baseline: it appends <c>PredictedItems</c> and <c>Scores</c> to every row.</summary>
/// <remarks>
/// <c>PredictedItems</c> holds the K most popular training items that are not among the row's last
/// <c>ExcludedHistoryLength</c> history items, best first, in the history's item type (keys keep their
/// KeyValues annotation); <c>Scores</c> holds their training counts. Unknown history items are ignored.
/// </remarks>
public sealed class MostPopularTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "GENREC-MOSTPOPULAR";
    private const string PopularityStreamName = "Popularity";

    private readonly string _historyColumnName;
    private readonly int _numberOfRecommendations;
    private readonly int _excludedHistoryLength;
    private readonly ItemVocabulary _vocabulary;
    private readonly int[] _counts;          // by item index; [0] is padding
    private readonly int[] _ranking;         // item indices, most popular first

    internal MostPopularTransformer(IHostEnvironment env, string historyColumnName, int numberOfRecommendations,
        int excludedHistoryLength, ItemVocabulary vocabulary, int[] counts)
        : base(env.Register(nameof(MostPopularTransformer)))
    {
        _historyColumnName = historyColumnName;
        _numberOfRecommendations = numberOfRecommendations;
        _excludedHistoryLength = excludedHistoryLength;
        _vocabulary = vocabulary;
        _counts = counts;
        // Count descending, then index (= id) ascending: a deterministic order for ties.
        _ranking = [.. Enumerable.Range(1, vocabulary.Count).OrderByDescending(i => counts[i]).ThenBy(i => i)];
    }

    /// <summary>The number of items the model knows.</summary>
    public int ItemCount => _vocabulary.Count;

    /// <summary>How many items each row gets (K).</summary>
    public int NumberOfRecommendations => _numberOfRecommendations;

    internal string HistoryColumnName => _historyColumnName;

    internal ItemVocabulary Vocabulary => _vocabulary;

    /// <summary>Item indices, most popular first.</summary>
    internal int[] Ranking => _ranking;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "GRMOSTPP",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(MostPopularTransformer).Assembly.FullName);

    /// <summary>Writes the model into an ML.NET model zip; called by <c>mlContext.Model.Save</c>.</summary>
    /// <param name="ctx">The save context.</param>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(_historyColumnName);
        ctx.Writer.Write(_numberOfRecommendations);
        ctx.Writer.Write(_excludedHistoryLength);
        _vocabulary.Write(ctx.Writer);
        ctx.SaveBinaryStream(PopularityStreamName, writer =>
        {
            writer.Write(_counts.Length);
            foreach (int count in _counts)
            {
                writer.Write(count);
            }
        });
    }

    private static MostPopularTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(GetVersionInfo());
        string historyColumnName = ctx.LoadNonEmptyString();
        int numberOfRecommendations = ctx.Reader.ReadInt32();
        int excludedHistoryLength = ctx.Reader.ReadInt32();
        var vocabulary = ItemVocabulary.Read(ctx.Reader);
        int[]? counts = null;
        bool found = ctx.TryLoadBinaryStream(PopularityStreamName, reader =>
        {
            int length = reader.ReadInt32();
            if (length != vocabulary.Count + 1)
            {
                throw new InvalidDataException($"The saved popularity table has {length} entries; the vocabulary needs {vocabulary.Count + 1}.");
            }

            counts = new int[length];
            for (int i = 0; i < length; i++)
            {
                counts[i] = reader.ReadInt32();
            }
        });
        if (!found || counts is null)
        {
            throw new InvalidDataException($"The model zip lacks the '{PopularityStreamName}' entry of the most-popular model.");
        }

        return new MostPopularTransformer(env, historyColumnName, numberOfRecommendations, excludedHistoryLength, vocabulary, counts);
    }

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);

    /// <summary>Binds the model to an input schema; called by ML.NET's transform and prediction machinery.</summary>
    /// <param name="schema">The input schema.</param>
    /// <returns>The row mapper.</returns>
    protected override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>The indices of the items never recommended after <paramref name="history"/>: its last <c>ExcludedHistoryLength</c> known items.</summary>
    internal HashSet<int> ExcludedItems(List<RawId> history)
    {
        var excluded = new HashSet<int>();
        for (int i = Math.Max(0, history.Count - _excludedHistoryLength); i < history.Count; i++)
        {
            excluded.Add(_vocabulary.IndexOf(history[i]));
        }

        excluded.Remove(ItemVocabulary.Padding);
        return excluded;
    }

    /// <summary>The K most popular items not excluded after <paramref name="history"/>, with their training counts as scores.</summary>
    private Recommendation Recommend(List<RawId> history)
    {
        var excluded = ExcludedItems(history);
        int[] top = [.. _ranking.Where(i => !excluded.Contains(i)).Take(_numberOfRecommendations)];
        return new Recommendation(top, Array.ConvertAll(top, i => (float)_counts[i]), IsFallback: false);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly MostPopularTransformer _parent;
        private readonly DataViewSchema.Column _historyColumn;

        public Mapper(MostPopularTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), inputSchema, parent)
        {
            _parent = parent;
            _historyColumn = SchemaChecks.RequireColumn(inputSchema, parent._historyColumnName, "history", "inputSchema");
            var type = RawIdType.FromColumn(_historyColumn, "history", vector: true);
            if (!type.Equals(parent._vocabulary.Type))
            {
                throw RawIdType.SchemaMismatch(_historyColumn, "history", $"a vector of {parent._vocabulary.Type}, the item type the model was trained on");
            }
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => RecommendationGetters.OutputColumns(_parent._vocabulary);

        public override Delegate[] CreateGetters(DataViewRow input, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = static () => { };
            var readHistory = RawIdType.MakeVectorReader(input, _historyColumn);
            var history = new List<RawId>();
            return RecommendationGetters.PerRowGetters(input, 2, activeOutput, _parent._vocabulary, () =>
            {
                history.Clear();
                readHistory(history);
                return _parent.Recommend(history);
            });
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
            => CreateGetters(input, column => column == iinfo, out disposer)[iinfo];

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
            => column => column == _historyColumn.Index && (activeOutput(0) || activeOutput(1));

        protected override void SaveModel(ModelSaveContext ctx) => _parent.SaveModel(ctx);
    }
}
