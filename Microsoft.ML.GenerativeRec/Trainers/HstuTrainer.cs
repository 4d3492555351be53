using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Trainers;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Trains HSTU, the hierarchical sequential transduction unit of Meta's generative recommenders.</summary>
/// <remarks>
/// <para>
/// The model and training follow the reference implementation (hstu-spec.md §3, §5): pointwise SiLU attention with a
/// learned relative position and time bias, a sampled-softmax loss over cosine scores, every position of every
/// training row supervised with the next item, and AdamW. Training runs on jagged, length-bucketed batches.
/// </para>
/// <para>
/// Input rows: <c>History</c> (a vector of Int32, UInt32, Int64, String or key item ids, oldest first) and
/// <c>Label</c> (the next item), plus <c>HistoryTimestamps</c> and <c>Timestamp</c> when available, which turn on
/// the time bias. The item vocabulary is built from the training rows.
/// </para>
/// </remarks>
public sealed class HstuTrainer : IEstimator<HstuTransformer>
{
    private readonly IHost _host;
    private readonly Options _options;

    internal HstuTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register(nameof(HstuTrainer));
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> for <c>NumberOfEpochs</c> epochs and returns the last epoch's model.</summary>
    /// <param name="input">The training rows.</param>
    /// <returns>The fitted model.</returns>
    public HstuTransformer Fit(IDataView input) => Fit(input, validationData: null);

    /// <summary>Trains with per-epoch validation and early stopping, returning the weights of the best validation epoch.</summary>
    /// <param name="trainData">The training rows.</param>
    /// <param name="validationData">Rows whose label is held out from training (for example <see cref="SequenceSplit.Validation"/>), or null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">There is nothing to train on, or the loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><c>Options.CancellationToken</c> was cancelled.</exception>
    /// <exception cref="NotSupportedException">CUDA was requested and is not available.</exception>
    public HstuTransformer Fit(IDataView trainData, IDataView? validationData)
        => new(_host, NeuralTrainerCore.Fit(_host, _options, EncoderKind.Hstu, CreateShape, trainData, validationData));

    /// <summary>The schema <see cref="Fit(IDataView)"/> would produce for data of schema <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The input columns plus <c>PredictedItems</c> and <c>Scores</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => RecommendationSchema.GetOutputSchema(inputSchema, _options.HistoryColumnName, _options.LabelColumnName);

    private EncoderShape CreateShape(long itemCount, bool useTimestamps)
        => new(itemCount, _options.EmbeddingDimension, _options.NumberOfBlocks, _options.NumberOfHeads, _options.MaxSequenceLength)
        {
            PaddedLength = _options.EffectivePaddedLength,
            QueryKeyDimension = _options.AttentionDimension,
            ValueDimension = _options.ValueDimension,
            InputDropoutRate = _options.DropoutRate,
            BlockDropoutRate = _options.DropoutRate,
            UseTimeBias = useTimestamps,
        };

    /// <summary>Options of <see cref="HstuTrainer"/>; the defaults are the reference MovieLens-1M HSTU (hstu-spec.md §5.1).</summary>
    public sealed class Options : SequentialRecommenderTrainerOptions
    {
        /// <summary>The per-head width of queries and keys (dqk in hstu-spec.md §3.3).</summary>
        /// <value>Positive. Default 50 (= D / heads, hstu-spec.md §3.7).</value>
        public int AttentionDimension = SequentialRecommenderDefaults.EmbeddingDimension;

        /// <summary>The per-head width of values and of the gate U (dv in hstu-spec.md §3.3).</summary>
        /// <value>Positive. Default 50 (= D / heads, hstu-spec.md §3.7).</value>
        public int ValueDimension = SequentialRecommenderDefaults.EmbeddingDimension;

        /// <summary>Whether to add the learned time-bucket bias to attention when the data has timestamps (hstu-spec.md §3.4).</summary>
        /// <value>Default true. Without timestamp columns the bias is off either way.</value>
        public bool UseTimeBias = true;

        /// <summary>The reference "HSTU-large" MovieLens-1M configuration: 8 blocks, 2 heads, dqk = dv = 25 (hstu-spec.md §5.1).</summary>
        /// <returns>New options with those values and every other option at its default.</returns>
        public static Options Large() => new() { NumberOfBlocks = 8, NumberOfHeads = 2, AttentionDimension = 25, ValueDimension = 25 };

        internal override void Validate()
        {
            base.Validate();
            Positive(AttentionDimension, nameof(AttentionDimension));
            Positive(ValueDimension, nameof(ValueDimension));
        }
    }
}
