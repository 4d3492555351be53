using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Onnx;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>
/// Sequential recommendation: turn interactions into user sequences, train next-item models and evaluate them.
/// Obtain it with <see cref="GenerativeRecommendationMLContextExtensions.Recommendation(MLContext)"/>.
/// </summary>
public sealed partial class SequentialRecommendationCatalog
{
    internal SequentialRecommendationCatalog(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        Environment = mlContext;
        Data = new SequentialRecommendationData(mlContext);
        Trainers = new SequentialRecommendationTrainers(mlContext);
        Model = new SequentialRecommendationModelOperations(mlContext);
    }

    /// <summary>Operations that prepare sequence data: <c>ToSequences</c> and <c>LeaveOneOutSplit</c>.</summary>
    public SequentialRecommendationData Data { get; }

    /// <summary>The trainers: HSTU, SASRec and the most-popular baseline.</summary>
    public SequentialRecommendationTrainers Trainers { get; }

    /// <summary>Operations on fitted models: exchange with the reference PyTorch implementation (<c>ExportToReference</c>, <c>Import...FromReference</c>).</summary>
    public SequentialRecommendationModelOperations Model { get; }

    internal IHostEnvironment Environment { get; }

    /// <summary>Ranks every row's label against the whole catalogue and summarises the ranks (hstu-spec.md §2).</summary>
    /// <param name="model">A fitted HSTU, SASRec or most-popular model, alone or as the last stage of a chain (for example
    /// one that <c>mlContext.Model.Load</c> returned); the stages before it transform <paramref name="data"/> first.</param>
    /// <param name="data">Rows with the model's history column, a label column of the same item type and, for a model
    /// that uses timestamps, the time columns.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="maxK">The largest cut-off to report; null for 200, the largest the reference reports.</param>
    /// <returns>HR, NDCG and recall at K = 1..<paramref name="maxK"/>, MRR, and the item coverage of the model's top-K lists.</returns>
    /// <remarks>
    /// Every item the model knows is a candidate. The neural models score by cosine similarity and skip the history
    /// window they read; the most-popular model ranks by training count and skips its excluded history items. A label
    /// among the skipped items, or unknown to the model, is a miss; ties rank the lower item id first. Neural models
    /// score rows in batches on the model's device.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type, or <paramref name="maxK"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The model does not end with one of this package's recommenders.</exception>
    /// <exception cref="InvalidDataException">A value is a missing key or a non-integer id, a timestamp is negative or not a number, or a
    /// row's timestamps and items differ in number; the message names the column and the row.</exception>
    /// <exception cref="InvalidOperationException">The view has no rows.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public SequentialRecommendationMetrics Evaluate(ITransformer model, IDataView data, string labelColumnName = ColumnNames.Label, int? maxK = null)
        => RecommenderEvaluator.Evaluate(model, data, labelColumnName, maxK ?? DefaultEvaluationCutoff);

    /// <summary>Computes the metrics of rows that were already scored, from their label and recommended items.</summary>
    /// <param name="scoredData">Rows with a label and a list of recommended items, for example a model's <c>Transform</c> output.</param>
    /// <param name="labelColumnName">The label column: one item id.</param>
    /// <param name="predictedItemsColumnName">The recommended items, best first, of the label's item type.</param>
    /// <returns>The metrics at K = 1 up to the longest list: a label at position p of its row's list has rank p; a label
    /// absent from the list is a miss.</returns>
    /// <remarks>Unlike <see cref="Evaluate(ITransformer, IDataView, string, int?)"/>, this sees only the top-K
    /// lists, so metrics beyond K (and MRR for labels ranked below K) are not available: such labels count as misses.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or the two columns' item types differ.</exception>
    /// <exception cref="ArgumentException">The view has no rows.</exception>
    public SequentialRecommendationMetrics Evaluate(IDataView scoredData, string labelColumnName = ColumnNames.Label,
        string predictedItemsColumnName = ColumnNames.PredictedItems)
        => RecommenderEvaluator.FromScoredRows(scoredData, labelColumnName, predictedItemsColumnName);

    /// <summary>Writes a fitted HSTU or SASRec model as an ONNX model, which recommends without TorchSharp (docs/onnx.md).</summary>
    /// <param name="model">An HSTU or SASRec model, alone or as the only stage of a chain (as <c>mlContext.Model.Load</c> returns a
    /// fitted single-stage pipeline).</param>
    /// <param name="stream">Where the ONNX model is written; it is left open.</param>
    /// <remarks>
    /// <para>
    /// The graph reads the model's input columns, named as in its schema: <c>History</c> ([batch, historyLength] ids of the
    /// model's item type) and, for a model that uses timestamps, <c>HistoryTimestamps</c> ([batch, historyLength] Int64 unix
    /// seconds) and <c>Timestamp</c> ([batch, 1] Int64). It writes <c>PredictedItems</c> ([batch, K] ids) and <c>Scores</c>
    /// ([batch, K] Single), plus the user vector column when the model has one. Unknown ids are skipped, so rows of
    /// different lengths share a call when padded with an id the model does not know. Opset 12 and ai.onnx.ml 2, so
    /// <c>mlContext.Transforms.ApplyOnnxModel</c> and ONNX Runtime run it.
    /// </para>
    /// <para>
    /// This writes the recommender alone. To export a pipeline with other stages (for example <c>MapValueToKey</c> before the
    /// model and <c>MapKeyToValue</c> after it), use <c>mlContext.Model.ConvertToOnnx(model, data, stream)</c> from the
    /// Microsoft.ML.OnnxConverter package, which writes the same graph for the recommender stage.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">The model is not an HSTU or SASRec model, nor a chain of one such model only.</exception>
    /// <exception cref="NotSupportedException">The weights exceed the 2 GB an ONNX file holds.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public void ConvertToOnnx(ITransformer model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        RecommenderOnnxExporter.Export(SingleNeuralModel(model), stream);
    }

    // The HSTU or SASRec model that is, or is the only stage of, a chain.
    private static SequentialRecommenderTransformer SingleNeuralModel(ITransformer model)
    {
        var found = model;
        while (found is IEnumerable<ITransformer> chain)
        {
            ITransformer[] stages = [.. chain];
            if (stages.Length != 1)
            {
                throw new ArgumentException(
                    $"The model is a chain of {stages.Length} stages; this writes one HSTU or SASRec model. Export a whole pipeline with " +
                    "mlContext.Model.ConvertToOnnx(model, data, stream) from Microsoft.ML.OnnxConverter.", nameof(model));
            }

            found = stages[0];
        }

        return found as SequentialRecommenderTransformer
            ?? throw new ArgumentException(
                $"The model is a {found.GetType().Name}; expected {nameof(HstuTransformer)} or {nameof(SasRecTransformer)} (the most-popular " +
                "baseline has no ONNX form).", nameof(model));
    }

    // The largest cut-off the reference reports (hstu-spec.md §2).
    private const int DefaultEvaluationCutoff = 200;

    /// <summary>Data preparation for sequential recommendation.</summary>
    public sealed class SequentialRecommendationData
    {
        private readonly IHostEnvironment _env;

        internal SequentialRecommendationData(IHostEnvironment env)
        {
            _env = env;
        }

        /// <summary>Groups interactions into one time-ordered sequence per user.</summary>
        /// <param name="interactions">One row per interaction.</param>
        /// <param name="userColumnName">The user column: Int32, UInt32, Int64, String, a key, or Single/Double holding integers.</param>
        /// <param name="itemColumnName">The item column, of the same kinds of types as the user column.</param>
        /// <param name="timestampColumnName">
        /// The optional time column: unix seconds as Int64, Int32, UInt32, UInt64, Single or Double, or DateTime/DateTimeOffset.
        /// Null keeps each user's items in input order and produces no <c>HistoryTimestamps</c> column.
        /// </param>
        /// <returns>
        /// One row per user, ordered by user id: <c>UserId</c> (the user column's type; Single/Double become Int64),
        /// <c>History</c> (a variable-length vector of the item column's type, oldest first) and, with a time column,
        /// <c>HistoryTimestamps</c> (a vector of Int64 unix seconds).
        /// </returns>
        /// <remarks>
        /// Items are ordered by timestamp with a stable sort: interactions at the same second keep their input order.
        /// Repeated interactions are kept. Key-typed columns keep their key type and KeyValues annotation.
        /// The result is materialized in memory.
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException">A column is missing or has an unsupported type.</exception>
        /// <exception cref="InvalidDataException">A value is a missing key, a non-integer id, or a NaN or negative timestamp; the message names the column and row.</exception>
        /// <exception cref="InvalidOperationException">The view has no rows.</exception>
        public IDataView ToSequences(IDataView interactions, string userColumnName, string itemColumnName, string? timestampColumnName = null)
            => InteractionSequencer.ToSequences(interactions, userColumnName, itemColumnName, timestampColumnName);

        /// <summary>Splits user sequences into leave-one-out training, validation and test rows.</summary>
        /// <param name="sequences">One row per user, for example from <see cref="ToSequences"/>.</param>
        /// <param name="protocol">Whether to hold out a validation item (default) or follow the reference protocol.</param>
        /// <param name="historyColumnName">The item sequence column: a vector of Int32, UInt32, Int64, String or keys, oldest first.</param>
        /// <param name="historyTimestampsColumnName">The optional vector of Int64 unix seconds, one per item; ignored when absent.</param>
        /// <param name="userIdColumnName">The optional user column, carried into every view; ignored when absent.</param>
        /// <returns>The split; sequences too short for the protocol are dropped and counted in <see cref="SequenceSplit.DroppedUserCount"/>.</returns>
        /// <remarks>
        /// For a sequence s of length n: Test = (s[0..n-1), s[n-1]); Validation = (s[0..n-2), s[n-2]);
        /// Train = (s[0..n-3), s[n-3]). Under <see cref="LeaveOneOutProtocol.Reference"/>, Train = (s[0..n-2), s[n-2])
        /// and there is no validation view. Dropped sequences are also reported as a warning on the MLContext log.
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException">The history column is missing or has an unsupported type.</exception>
        /// <exception cref="InvalidDataException">A row's timestamps and items differ in number, or a timestamp is negative; the message names the column and the row.</exception>
        /// <exception cref="InvalidOperationException">No sequence is long enough (this includes a view with no rows).</exception>
        public SequenceSplit LeaveOneOutSplit(IDataView sequences, LeaveOneOutProtocol protocol = LeaveOneOutProtocol.Validation,
            string historyColumnName = ColumnNames.History, string historyTimestampsColumnName = ColumnNames.HistoryTimestamps,
            string userIdColumnName = ColumnNames.UserId)
            => LeaveOneOutSplitter.Split(_env, sequences, protocol, historyColumnName, historyTimestampsColumnName, userIdColumnName);
    }

    /// <summary>The sequential recommendation trainers.</summary>
    public sealed class SequentialRecommendationTrainers
    {
        private readonly IHostEnvironment _env;

        internal SequentialRecommendationTrainers(IHostEnvironment env)
        {
            _env = env;
        }

        /// <summary>The most-popular baseline: recommends the items seen most often in training, minus the user's history.</summary>
        /// <param name="historyColumnName">The history column: a vector of Int32, UInt32, Int64, String or keys.</param>
        /// <param name="labelColumnName">The label column: one id of the same type as the history items.</param>
        /// <param name="numberOfRecommendations">How many items each row gets (K).</param>
        /// <returns>The estimator.</returns>
        public MostPopularTrainer MostPopular(string historyColumnName = ColumnNames.History, string labelColumnName = ColumnNames.Label,
            int numberOfRecommendations = MostPopularTrainer.Defaults.NumberOfRecommendations)
            => MostPopular(new MostPopularTrainer.Options
            {
                HistoryColumnName = historyColumnName,
                LabelColumnName = labelColumnName,
                NumberOfRecommendations = numberOfRecommendations,
            });

        /// <summary>HSTU with the most common settings; every other option keeps its reference default.</summary>
        /// <param name="historyColumnName">The history column: a vector of Int32, UInt32, Int64, String or key item ids.</param>
        /// <param name="labelColumnName">The label column: one id of the history's item type.</param>
        /// <param name="embeddingDimension">The width D of item and hidden vectors.</param>
        /// <param name="numberOfBlocks">The number of HSTU blocks.</param>
        /// <param name="numberOfEpochs">The maximum number of epochs.</param>
        /// <param name="learningRate">The AdamW learning rate.</param>
        /// <returns>The estimator.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
        public HstuTrainer Hstu(string historyColumnName = ColumnNames.History, string labelColumnName = ColumnNames.Label,
            int embeddingDimension = SequentialRecommenderDefaults.EmbeddingDimension, int numberOfBlocks = SequentialRecommenderDefaults.NumberOfBlocks,
            int numberOfEpochs = SequentialRecommenderDefaults.NumberOfEpochs, double learningRate = SequentialRecommenderDefaults.LearningRate)
            => Hstu(WithCommonSettings(new HstuTrainer.Options(), historyColumnName, labelColumnName, embeddingDimension, numberOfBlocks,
                numberOfEpochs, learningRate));

        /// <summary>HSTU configured with <paramref name="options"/>.</summary>
        /// <param name="options">The options; <see cref="HstuTrainer.Options.Large"/> gives the HSTU-large preset.</param>
        /// <returns>The estimator.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
        public HstuTrainer Hstu(HstuTrainer.Options options) => new(_env, options);

        /// <summary>SASRec with the most common settings; every other option keeps its reference default.</summary>
        /// <param name="historyColumnName">The history column: a vector of Int32, UInt32, Int64, String or key item ids.</param>
        /// <param name="labelColumnName">The label column: one id of the history's item type.</param>
        /// <param name="embeddingDimension">The width D of item and hidden vectors.</param>
        /// <param name="numberOfBlocks">The number of SASRec blocks.</param>
        /// <param name="numberOfEpochs">The maximum number of epochs.</param>
        /// <param name="learningRate">The AdamW learning rate.</param>
        /// <returns>The estimator.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
        public SasRecTrainer SasRec(string historyColumnName = ColumnNames.History, string labelColumnName = ColumnNames.Label,
            int embeddingDimension = SequentialRecommenderDefaults.EmbeddingDimension, int numberOfBlocks = SequentialRecommenderDefaults.NumberOfBlocks,
            int numberOfEpochs = SequentialRecommenderDefaults.NumberOfEpochs, double learningRate = SequentialRecommenderDefaults.LearningRate)
            => SasRec(WithCommonSettings(new SasRecTrainer.Options { FeedForwardDimension = embeddingDimension }, historyColumnName,
                labelColumnName, embeddingDimension, numberOfBlocks, numberOfEpochs, learningRate));

        /// <summary>SASRec configured with <paramref name="options"/>.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the exception names it.</exception>
        public SasRecTrainer SasRec(SasRecTrainer.Options options) => new(_env, options);

        // What the simple overloads of both neural trainers set; validation happens once, in the trainer.
        private static TOptions WithCommonSettings<TOptions>(TOptions options, string historyColumnName, string labelColumnName,
            int embeddingDimension, int numberOfBlocks, int numberOfEpochs, double learningRate)
            where TOptions : SequentialRecommenderTrainerOptions
        {
            options.HistoryColumnName = historyColumnName;
            options.LabelColumnName = labelColumnName;
            options.EmbeddingDimension = embeddingDimension;
            options.NumberOfBlocks = numberOfBlocks;
            options.NumberOfEpochs = numberOfEpochs;
            options.LearningRate = learningRate;
            return options;
        }

        /// <summary>The most-popular baseline, configured with <paramref name="options"/>.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public MostPopularTrainer MostPopular(MostPopularTrainer.Options options) => new(_env, options);
    }
}
