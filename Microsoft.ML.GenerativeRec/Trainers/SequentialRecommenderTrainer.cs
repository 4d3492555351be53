using Microsoft.ML.GenerativeRec.Trainers;
using Microsoft.ML.GenerativeRec.Transformers;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>What the neural sequential recommenders (<see cref="HstuTrainer"/>, <see cref="SasRecTrainer"/>) share: <c>Fit</c> and the schema check.</summary>
/// <typeparam name="TTransformer">The fitted model's type.</typeparam>
/// <remarks>
/// <c>Fit</c> reads the training rows, builds the item vocabulary from them, trains with the sampled-softmax loss on
/// length-bucketed batches (hstu-spec.md §5) and, with validation data, keeps the weights of the epoch with the best
/// validation NDCG@10.
/// </remarks>
public abstract class SequentialRecommenderTrainer<TTransformer> : IEstimator<TTransformer>
    where TTransformer : SequentialRecommenderTransformer
{
    private readonly SequentialRecommenderTrainerOptions _options;
    private readonly IHost _host;
    private readonly Func<IHost, NeuralRecommender, TTransformer> _createTransformer;

    private protected SequentialRecommenderTrainer(IHostEnvironment env, SequentialRecommenderTrainerOptions options, string name,
        Func<IHost, NeuralRecommender, TTransformer> createTransformer)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = env.Register(name);
        _options = options;
        _createTransformer = createTransformer;
    }

    /// <summary>Trains on <paramref name="input"/> for <c>NumberOfEpochs</c> epochs and returns the last epoch's model.</summary>
    /// <param name="input">The training rows.</param>
    /// <returns>The fitted model.</returns>
    public TTransformer Fit(IDataView input) => Fit(input, validationData: null);

    /// <summary>Trains with per-epoch validation and early stopping, returning the weights of the best validation epoch.</summary>
    /// <param name="trainData">The training rows.</param>
    /// <param name="validationData">Rows whose label is held out from training (for example <see cref="SequenceSplit.Validation"/>), or null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidDataException">A value is a missing key or a non-integer id, a timestamp is negative or not a number, or a
    /// row's timestamps and items differ in number; the message names the column and the row.</exception>
    /// <exception cref="InvalidOperationException">There is nothing to train on (no rows, or no row with a history item before its
    /// label), or the loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><c>Options.CancellationToken</c> was cancelled, or the MLContext was (as AutoML
    /// cancels a trial); training stops before its next step.</exception>
    /// <exception cref="NotSupportedException">A GPU was asked for (<c>Options.Device</c> = <see cref="ComputeDevice.Cuda"/>, or
    /// <c>MLContext.GpuDeviceId</c> without <c>MLContext.FallbackToCpu</c>) and TorchSharp cannot use it.</exception>
    public TTransformer Fit(IDataView trainData, IDataView? validationData)
        => _createTransformer(_host, NeuralTrainerCore.Fit(_host, _options, trainData, validationData));

    /// <summary>The schema <see cref="Fit(IDataView)"/> would produce for data of schema <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input schema shape.</param>
    /// <returns>The input columns plus <c>PredictedItems</c> and <c>Scores</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => RecommendationSchema.GetOutputSchema(inputSchema, _options.HistoryColumnName, _options.LabelColumnName,
            (_options.HistoryTimestampsColumnName, _options.TimestampColumnName),
            _options.UserEmbeddingColumnName is { } userColumn ? (userColumn, _options.EmbeddingDimension) : null);
}
