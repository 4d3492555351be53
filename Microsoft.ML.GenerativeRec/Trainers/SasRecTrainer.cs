using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Trainers;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Trains SASRec, the self-attentive sequential recommender, as the HSTU reference implements it.</summary>
/// <remarks>
/// <para>
/// Causal softmax self-attention blocks with a position-wise feed-forward network (hstu-spec.md §4), trained exactly
/// like <see cref="HstuTrainer"/>: sampled softmax over cosine scores, every position supervised, AdamW, jagged
/// length-bucketed batches. SASRec does not use timestamps.
/// </para>
/// <para>Input rows: <c>History</c> (a vector of item ids, oldest first) and <c>Label</c> (the next item).</para>
/// </remarks>
public sealed class SasRecTrainer : IEstimator<SasRecTransformer>
{
    private readonly IHost _host;
    private readonly Options _options;

    internal SasRecTrainer(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register(nameof(SasRecTrainer));
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> for <c>NumberOfEpochs</c> epochs and returns the last epoch's model.</summary>
    /// <param name="input">The training rows.</param>
    /// <returns>The fitted model.</returns>
    public SasRecTransformer Fit(IDataView input) => Fit(input, validationData: null);

    /// <summary>Trains with per-epoch validation and early stopping, returning the weights of the best validation epoch.</summary>
    /// <param name="trainData">The training rows.</param>
    /// <param name="validationData">Rows whose label is held out from training (for example <see cref="SequenceSplit.Validation"/>), or null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">There is nothing to train on, or the loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><c>Options.CancellationToken</c> was cancelled.</exception>
    /// <exception cref="NotSupportedException">CUDA was requested and is not available.</exception>
    public SasRecTransformer Fit(IDataView trainData, IDataView? validationData)
        => new(_host, NeuralTrainerCore.Fit(_host, _options, EncoderKind.SasRec, CreateShape, trainData, validationData));

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
            FeedForwardDimension = _options.FeedForwardDimension,
            InputDropoutRate = _options.DropoutRate,
            BlockDropoutRate = _options.DropoutRate,
            UseTimeBias = false,
        };

    /// <summary>Options of <see cref="SasRecTrainer"/>; the defaults are the reference MovieLens-1M SASRec (hstu-spec.md §5.1).</summary>
    public sealed class Options : SequentialRecommenderTrainerOptions
    {
        /// <summary>The hidden width of the position-wise feed-forward network.</summary>
        /// <value>Positive. Default 50 (hstu-spec.md §5.1, ML-1M).</value>
        public int FeedForwardDimension = SequentialRecommenderDefaults.FeedForwardDimension;

        internal override void Validate()
        {
            base.Validate();
            Positive(FeedForwardDimension, nameof(FeedForwardDimension));
            if (EmbeddingDimension % NumberOfHeads != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(EmbeddingDimension), EmbeddingDimension,
                    $"Must be a multiple of {nameof(NumberOfHeads)} ({NumberOfHeads}) for multi-head attention.");
            }
        }
    }
}
