using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>A fitted neural sequential recommender (HSTU or SASRec): it appends <c>PredictedItems</c> and <c>Scores</c>.</summary>
/// <remarks>
/// <para>
/// Input: the history column (a vector of the item type the model was trained on, oldest first); for a model trained
/// with timestamps also <c>HistoryTimestamps</c> and <c>Timestamp</c>, the request time. Output: <c>PredictedItems</c>,
/// the top-K items by cosine score, best first, in the history's item type (keys keep their KeyValues annotation),
/// never an item of the history window the model read (its last <c>MaxSequenceLength</c> items); and <c>Scores</c>,
/// their cosine similarities.
/// </para>
/// <para>
/// History items unknown to the model are skipped. A history without any known item gets the K most popular training
/// items with score 0. The transformer owns native TorchSharp memory: dispose it when done.
/// </para>
/// </remarks>
public abstract class SequentialRecommenderTransformer : RowToRowTransformerBase, IDisposable
{
    private bool _disposed;

    private protected SequentialRecommenderTransformer(IHostEnvironment env, string name, NeuralRecommender recommender)
        : base(env.Register(name))
    {
        Recommender = recommender;
    }

    /// <summary>The number of items the model can recommend.</summary>
    public int ItemCount => Recommender.Vocabulary.Count;

    /// <summary>How many items each row gets (K).</summary>
    public int NumberOfRecommendations => Recommender.Settings.NumberOfRecommendations;

    /// <summary>True when the model reads <c>HistoryTimestamps</c> and <c>Timestamp</c> (HSTU trained on timed data).</summary>
    public bool UsesTimestamps => Recommender.UsesTimestamps;

    internal NeuralRecommender Recommender { get; }

    /// <summary>Frees the model's native memory.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Recommender.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Binds the model to an input schema; called by ML.NET's transform and prediction machinery.</summary>
    /// <param name="schema">The input schema.</param>
    /// <returns>The row mapper.</returns>
    protected override IRowMapper MakeRowMapper(DataViewSchema schema)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Mapper(this, schema);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly SequentialRecommenderTransformer _parent;
        private readonly NeuralRecommender _recommender;
        private readonly DataViewSchema.Column _history;
        private readonly DataViewSchema.Column? _historyTimes;
        private readonly DataViewSchema.Column? _timestamp;

        public Mapper(SequentialRecommenderTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), inputSchema, parent)
        {
            _parent = parent;
            _recommender = parent.Recommender;
            var settings = _recommender.Settings;
            _history = InteractionSequencer.RequireColumn(inputSchema, settings.HistoryColumnName, "history", "inputSchema");
            var type = RawIdType.FromColumn(_history, "history", vector: true);
            if (!type.Equals(_recommender.Vocabulary.Type))
            {
                throw RawIdType.SchemaMismatch(_history, "history", $"a vector of {_recommender.Vocabulary.Type}, the item type the model was trained on");
            }

            if (_recommender.UsesTimestamps)
            {
                _historyTimes = InteractionSequencer.RequireColumn(inputSchema, settings.HistoryTimestampsColumnName, "history timestamps", "inputSchema");
                _timestamp = InteractionSequencer.RequireColumn(inputSchema, settings.TimestampColumnName, "request timestamp", "inputSchema");
                TimestampReader.CheckColumn(_timestamp.Value);
            }
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            RawIdType itemType = _recommender.Vocabulary.Type;
            return
            [
                new DataViewSchema.DetachedColumn(ColumnNames.PredictedItems, new VectorDataViewType(itemType.ItemType), itemType.Annotations()),
                new DataViewSchema.DetachedColumn(ColumnNames.Scores, new VectorDataViewType(NumberDataViewType.Single)),
            ];
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var readHistory = RawIdType.MakeVectorReader(input, _history);
            var readTimes = _historyTimes is { } ht ? input.GetGetter<VBuffer<long>>(ht) : null;
            var readRequest = _timestamp is { } ts ? TimestampReader.Make(input, ts) : null;
            var ids = new List<RawId>();
            var indices = new List<int>();
            VBuffer<long> times = default;
            var top = new List<int>();
            float[] scores = [];
            long cachedPosition = -1;
            void Refresh()
            {
                if (cachedPosition == input.Position)
                {
                    return;
                }

                ids.Clear();
                readHistory(ids);
                indices.Clear();
                indices.AddRange(ids.Select(_recommender.Vocabulary.IndexOf));
                long[]? historyTimes = null;
                long request = 0;
                if (readTimes is not null)
                {
                    readTimes(ref times);
                    historyTimes = times.DenseValues().ToArray();
                    if (historyTimes.Length != indices.Count)
                    {
                        throw new InvalidDataException(
                            $"Row index {input.Position}: column '{_historyTimes!.Value.Name}' has {historyTimes.Length} values but '{_history.Name}' has {indices.Count}; expected one timestamp per history item.");
                    }

                    request = readRequest!();
                }

                var (items, itemScores) = _recommender.Recommend(indices, historyTimes, request);
                top.Clear();
                top.AddRange(items);
                scores = itemScores;
                cachedPosition = input.Position;
            }

            if (iinfo == 1)
            {
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Refresh();
                    var editor = VBufferEditor.Create(ref dst, scores.Length);
                    scores.CopyTo(editor.Values);
                    dst = editor.Commit();
                });
            }

            return RecommendationGetters.MakeItemGetter(_recommender.Vocabulary, top, Refresh);
        }

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
        {
            var needed = new[] { _history, _historyTimes, _timestamp }.OfType<DataViewSchema.Column>().Select(c => c.Index).ToHashSet();
            return column => needed.Contains(column) && (activeOutput(0) || activeOutput(1));
        }

        protected override void SaveModel(ModelSaveContext ctx) => _parent.SaveModel(ctx);
    }
}
