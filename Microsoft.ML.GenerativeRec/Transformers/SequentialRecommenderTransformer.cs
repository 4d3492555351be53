using System.Runtime.CompilerServices;
using Microsoft.ML.Data;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Model.OnnxConverter;
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
/// History items unknown to the model are skipped (their number is logged as a warning when a cursor closes). A history
/// without any known item, or an empty one, gets the K most popular training items, marked by scores that are all 0
/// (a real cosine list is never all exactly 0).
/// </para>
/// <para>
/// Values that cannot be read as a request fail when a cursor reaches their row, with an <see cref="InvalidDataException"/>
/// naming the column and the row: a missing key, a non-integer id, a negative or NaN timestamp, or a row whose
/// timestamps and items differ in number. History times need not be ascending: HSTU's time bias reads |Δt|.
/// </para>
/// <para>
/// <see cref="Transform"/> scores rows in batches of 256 with one encoder call each;
/// <c>PredictionEngine</c> scores one row per call. The transformer owns native TorchSharp memory: dispose it when done.
/// </para>
/// <para>
/// A fitted transformer never changes, so many threads may each use their own <c>PredictionEngine</c> created from the
/// same transformer. A <c>PredictionEngine</c> itself is not thread-safe: never share one between threads
/// (docs/reliability.md).
/// </para>
/// </remarks>
public abstract class SequentialRecommenderTransformer : RowToRowTransformerBase, ITransformer, IDisposable
{
    // The number of rows Transform scores with one encoder call.
    internal const int TransformBatchSize = 256;

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

    /// <summary>The width D of the model's item and user vectors.</summary>
    public int EmbeddingDimension => (int)Recommender.Shape.EmbeddingDimension;

    /// <summary>The item vectors the model scores with, one row per item it can recommend: for nearest-neighbour indexes and similar-item lists.</summary>
    /// <returns>
    /// An in-memory view, items in ascending id order, with <c>ItemId</c> (the model's item type, as in <c>PredictedItems</c>)
    /// and <c>Embedding</c> (a vector of <see cref="EmbeddingDimension"/> Single values of unit L2 norm). A user's score
    /// for an item is the dot product of the two unit vectors, their cosine similarity.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public IDataView GetItemEmbeddings()
    {
        var vocabulary = Recommender.Vocabulary;
        float[][] vectors = Recommender.ItemVectors();
        RawId[] ids = [.. Enumerable.Range(1, vocabulary.Count).Select(vocabulary.IdAt)];
        return new InMemoryDataView.Builder(ids.Length)
            .AddIds(ColumnNames.ItemId, vocabulary.Type, ids)
            .AddVector(ColumnNames.Embedding, NumberDataViewType.Single, vectors, size: EmbeddingDimension)
            .Build();
    }

    /// <summary>How the model was trained: per-epoch loss, speed and validation metrics, and the epoch kept. Saved in the zip.</summary>
    public TrainingHistory TrainingHistory => Recommender.History;

    internal NeuralRecommender Recommender { get; }

    /// <summary>The zip header of the concrete model type, whose loader reads it back.</summary>
    private protected abstract VersionInfo VersionInfo { get; }

    /// <summary>The zip header of a neural model: one version history for both model types.</summary>
    /// <remarks>
    /// 1: the first layout. 2: checksummed payload and weights. 3: <c>TrainingHistory.KeptEpoch</c> and the optional user
    /// vector column (<see cref="NeuralRecommenderFormat"/> format 3). A newer package reads every older version.
    /// </remarks>
    private protected static VersionInfo GetVersionInfo(string modelSignature, string loaderSignature) => new(
        modelSignature: modelSignature,
        verWrittenCur: 0x00010003,
        verReadableCur: 0x00010003,
        verWeCanReadBack: 0x00010001,
        loaderSignature: loaderSignature,
        loaderAssemblyName: typeof(SequentialRecommenderTransformer).Assembly.FullName);

    /// <summary>Reads the model a concrete type's loader finds in <paramref name="ctx"/>, onto the device the loading MLContext asks for.</summary>
    private protected static NeuralRecommender Load(IHostEnvironment env, ModelLoadContext ctx, VersionInfo versionInfo, EncoderKind kind)
    {
        ctx.CheckAtModel(versionInfo);
        return NeuralRecommenderFormat.Load(ctx, kind, ComputeDevice.Auto, env);
    }

    /// <summary>Writes the model into an ML.NET model zip; called by <c>mlContext.Model.Save</c>.</summary>
    /// <param name="ctx">The save context.</param>
    protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(VersionInfo);
        NeuralRecommenderFormat.Save(Recommender, ctx);
    }

    /// <summary>Appends <c>PredictedItems</c> and <c>Scores</c> to <paramref name="input"/>, scoring rows in batches.</summary>
    /// <param name="input">Rows with the model's history column (and time columns, when the model uses them).</param>
    /// <returns>A lazy view: rows are scored as a cursor reaches them.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public new IDataView Transform(IDataView input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedRecommendationDataView(Host, input, new ServingColumns(Recommender, input.Schema), GetOutputSchema(input.Schema),
            () => MakeDataTransform(input));
    }

    // Re-implemented so pipelines (TransformerChain) get the batched path too.
    IDataView ITransformer.Transform(IDataView input) => Transform(input);

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

    /// <summary>Row-at-a-time scoring for <c>PredictionEngine</c> and row-to-row mappers, and the model's ONNX graph for ML.NET's converter.</summary>
    private sealed class Mapper : MapperBase, ISaveAsOnnx
    {
        private readonly SequentialRecommenderTransformer _parent;
        private readonly ServingColumns _columns;

        public Mapper(SequentialRecommenderTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), inputSchema, parent)
        {
            _parent = parent;
            _columns = new ServingColumns(parent.Recommender, inputSchema);
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => _parent.OutputColumns();

        /// <summary>The output columns read one shared recommendation per row, so a row is scored once, not once per column.</summary>
        public override Delegate[] CreateGetters(DataViewRow input, Func<int, bool> activeOutput, out Action disposer)
        {
            var unknown = new StrongBox<long>();
            var read = _columns.MakeReader(input, unknown);
            disposer = () => WarnAboutUnknownItems(Host, unknown.Value);
            return RecommendationGetters.PerRowGetters(input, _parent.OutputColumns().Length, activeOutput, _parent.Recommender.Vocabulary,
                () => _parent.Recommender.Recommend([read()])[0]);
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
            => CreateGetters(input, column => column == iinfo, out disposer)[iinfo];

        protected override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput)
        {
            var needed = _columns.All.Select(c => c.Index).ToHashSet();
            int outputs = _parent.OutputColumns().Length;
            return column => needed.Contains(column) && Enumerable.Range(0, outputs).Any(activeOutput);
        }

        protected override void SaveModel(ModelSaveContext ctx) => _parent.SaveModel(ctx);

        /// <summary>Always true: a model that cannot be exported says why in <see cref="SaveAsOnnx"/>, instead of stopping the converter silently.</summary>
        public bool CanSaveOnnx(OnnxContext ctx) => true;

        /// <summary>Writes the model's graph (docs/onnx.md); <c>mlContext.Model.ConvertToOnnx</c> calls it.</summary>
        public void SaveAsOnnx(OnnxContext ctx) => _parent.Recommender.WriteOnnx(ctx, _columns, _parent.OutputColumns());
    }

    /// <summary>The columns this model appends: <c>PredictedItems</c>, <c>Scores</c> and the optional user vectors.</summary>
    internal DataViewSchema.DetachedColumn[] OutputColumns()
        => RecommendationGetters.OutputColumns(Recommender.Vocabulary,
            Recommender.Settings.UserEmbeddingColumnName is { } name ? (name, EmbeddingDimension) : null);

    internal static void WarnAboutUnknownItems(IHost host, long unknownItems)
    {
        if (unknownItems > 0)
        {
            using var channel = host.Start("Recommend");
            channel.Warning($"Skipped {unknownItems} history item(s) the model does not know (not seen in training).");
        }
    }
}
