using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.GenerativeRec;

/// <summary>
/// Sequential recommendation: turn interactions into user sequences, train next-item models and evaluate them.
/// Obtain it with <see cref="GenerativeRecommendationMLContextExtensions.Recommendation(MLContext)"/>.
/// </summary>
public sealed class SequentialRecommendationCatalog
{
    internal SequentialRecommendationCatalog(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        Environment = mlContext;
        Data = new SequentialRecommendationData(mlContext);
        Trainers = new SequentialRecommendationTrainers(mlContext);
    }

    /// <summary>Operations that prepare sequence data: <c>ToSequences</c> and <c>LeaveOneOutSplit</c>.</summary>
    public SequentialRecommendationData Data { get; }

    /// <summary>The trainers: the most-popular baseline, and later HSTU and SASRec.</summary>
    public SequentialRecommendationTrainers Trainers { get; }

    internal IHostEnvironment Environment { get; }

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
        /// <exception cref="InvalidDataException">A row's timestamps and items differ in number.</exception>
        /// <exception cref="InvalidOperationException">No sequence is long enough.</exception>
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

        /// <summary>The most-popular baseline, configured with <paramref name="options"/>.</summary>
        /// <param name="options">The options.</param>
        /// <returns>The estimator.</returns>
        public MostPopularTrainer MostPopular(MostPopularTrainer.Options options) => new(_env, options);
    }
}
