using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec;

/// <summary>Options shared by the neural sequential recommenders (<see cref="HstuTrainer"/>, <see cref="SasRecTrainer"/>).</summary>
/// <remarks>
/// Defaults are the reference MovieLens-1M configuration (hstu-spec.md §5.1), batching included, so a default run is
/// comparable with the published numbers. Options are checked when the trainer is created.
/// </remarks>
public abstract class SequentialRecommenderTrainerOptions
{
    /// <summary>The history column: a variable-length vector of Int32, UInt32, Int64, String or key item ids, oldest first.</summary>
    /// <value>Default <c>History</c>.</value>
    public string HistoryColumnName = ColumnNames.History;

    /// <summary>The label column: the next item, of the history's item type.</summary>
    /// <value>Default <c>Label</c>.</value>
    public string LabelColumnName = ColumnNames.Label;

    /// <summary>The optional column of history times: a vector of Int64 unix seconds. Used with <see cref="TimestampColumnName"/>.</summary>
    /// <value>Default <c>HistoryTimestamps</c>; when the data lacks it the model runs without time information.</value>
    public string HistoryTimestampsColumnName = ColumnNames.HistoryTimestamps;

    /// <summary>The optional column of the label's time (the request time when serving): Int64 unix seconds.</summary>
    /// <value>Default <c>Timestamp</c>.</value>
    public string TimestampColumnName = ColumnNames.Timestamp;

    /// <summary>The width of item, position and hidden vectors (D in hstu-spec.md §3).</summary>
    /// <value>Positive. Default 50 (hstu-spec.md §5.1, ML-1M).</value>
    public int EmbeddingDimension = SequentialRecommenderDefaults.EmbeddingDimension;

    /// <summary>The number of stacked blocks.</summary>
    /// <value>Positive. Default 2 (hstu-spec.md §5.1, ML-1M).</value>
    public int NumberOfBlocks = SequentialRecommenderDefaults.NumberOfBlocks;

    /// <summary>The number of attention heads.</summary>
    /// <value>Positive. Default 1 (hstu-spec.md §5.1, ML-1M).</value>
    public int NumberOfHeads = SequentialRecommenderDefaults.NumberOfHeads;

    /// <summary>The number of most recent history items the model reads; older items are dropped.</summary>
    /// <value>Positive. Default 200 (hstu-spec.md §1.4, MovieLens).</value>
    public int MaxSequenceLength = SequentialRecommenderDefaults.MaxSequenceLength;

    /// <summary>
    /// The padded sequence length N of the reference: the rows of the positional table and, for HSTU, the divisor of
    /// the pointwise attention (hstu-spec.md §1.5, §3.3).
    /// </summary>
    /// <value>
    /// Greater than <see cref="MaxSequenceLength"/>: the slot after the longest history holds the request time. Default
    /// null, meaning <see cref="MaxSequenceLength"/> + 11 (211 on MovieLens), as in the reference.
    /// </value>
    public int? PaddedLength;

    /// <summary>The dropout rate of the input embedding and of each block.</summary>
    /// <value>In [0, 1). Default 0.2 (hstu-spec.md §5.1, ML-1M).</value>
    public double DropoutRate = SequentialRecommenderDefaults.DropoutRate;

    /// <summary>The maximum number of passes over the training data.</summary>
    /// <value>Positive. Default 101 (hstu-spec.md §5.1); early stopping may end training sooner when validation data is given.</value>
    public int NumberOfEpochs = SequentialRecommenderDefaults.NumberOfEpochs;

    /// <summary>The number of users per training step.</summary>
    /// <value>Positive. Default 128 (hstu-spec.md §5.1).</value>
    public int BatchSize = SequentialRecommenderDefaults.BatchSize;

    /// <summary>Whether training batches group users of similar history length.</summary>
    /// <value>
    /// Default false: each batch's users are drawn at random, as the reference implementation does, and the batch is
    /// padded to its longest history. True pads each batch only to its longest history, which saved 14–18 % of an
    /// HSTU epoch on a 2-core CPU, but trained to lower HR@10 and NDCG@10 on MovieLens-1M over three seeds (−0.005 to
    /// −0.008 HR@10, more than the seed spread; docs/benchmarks.md). Set it with <see cref="WeighTokensEqually"/>.
    /// </value>
    public bool GroupBatchesByLength;

    /// <summary>With <see cref="GroupBatchesByLength"/>: how many batches' worth of shuffled users are sorted by length together.</summary>
    /// <value>
    /// Positive. Default 32 (4,096 users at the default batch size): each epoch shuffles the users, cuts them into groups
    /// of this many batches, sorts each group by history length and cuts it into batches. Smaller groups give batches
    /// of more mixed lengths (closer to random batches) and more padding. Internal: no group size measured so far
    /// matches random batches (issue #19, docs/benchmarks.md).
    /// </value>
    internal int LengthGroupBatches = Jagged.LengthBucketedBatchSampler.DefaultBucketBatches;

    /// <summary>Whether every training token weighs the same in the gradient, whatever batch it falls in.</summary>
    /// <value>
    /// Default false: each batch's loss is the mean over its own tokens, the reference's formula. True scales each
    /// batch's mean loss by its token count over the epoch's mean tokens per batch, so a batch of short histories
    /// counts for what its tokens are worth. It matters with <see cref="GroupBatchesByLength"/>, whose batches hold
    /// very different token counts; there it trains HSTU and SASRec to better ranking metrics than the plain batch
    /// mean (docs/benchmarks.md). With random batches the two differ little, as their token counts are similar.
    /// </value>
    public bool WeighTokensEqually;

    /// <summary>The AdamW learning rate: constant over training, or where <see cref="LearningRateSchedule"/> starts.</summary>
    /// <value>Positive and finite. Default 1e-3 (hstu-spec.md §5.2).</value>
    public double LearningRate = SequentialRecommenderDefaults.LearningRate;

    /// <summary>How the learning rate changes over training.</summary>
    /// <value>
    /// Default <see cref="GenerativeRec.LearningRateSchedule.Constant"/>, the reference (hstu-spec.md §5.2).
    /// <see cref="GenerativeRec.LearningRateSchedule.Cosine"/> anneals it to 0 over <see cref="NumberOfEpochs"/> epochs;
    /// a checkpoint written with it resumes only with the same number of epochs.
    /// </value>
    public LearningRateSchedule LearningRateSchedule = LearningRateSchedule.Constant;

    /// <summary>The AdamW weight decay.</summary>
    /// <value>Zero or positive. Default 0 (hstu-spec.md §5.2).</value>
    public double WeightDecay;

    /// <summary>The AdamW β1.</summary>
    /// <value>In [0, 1). Default 0.9 (hstu-spec.md §5.2).</value>
    public double AdamBeta1 = SequentialRecommenderDefaults.AdamBeta1;

    /// <summary>The AdamW β2.</summary>
    /// <value>In [0, 1). Default 0.98 (hstu-spec.md §5.2).</value>
    public double AdamBeta2 = SequentialRecommenderDefaults.AdamBeta2;

    /// <summary>
    /// The number of sampled negatives R per supervised position (or per batch, see <see cref="NegativeSampling"/>); not
    /// used by <see cref="GenerativeRec.NegativeSampling.InBatch"/> and <see cref="GenerativeRec.NegativeSampling.AllItems"/>.
    /// </summary>
    /// <value>Positive. Default 128 (hstu-spec.md §5.1, MovieLens).</value>
    public int NumberOfNegatives = SequentialRecommenderDefaults.NumberOfNegatives;

    /// <summary>How negatives are drawn for the sampled softmax, or <see cref="GenerativeRec.NegativeSampling.AllItems"/> for the full softmax.</summary>
    /// <value>Default <see cref="GenerativeRec.NegativeSampling.PerPosition"/>, the reference (hstu-spec.md §5.3).</value>
    public NegativeSampling NegativeSampling = NegativeSampling.PerPosition;

    /// <summary>The softmax temperature τ dividing the cosine logits.</summary>
    /// <value>Positive and finite. Default 0.05 (hstu-spec.md §5.1).</value>
    public double Temperature = SequentialRecommenderDefaults.Temperature;

    /// <summary>With validation data: stop after this many epochs without a better validation NDCG@10.</summary>
    /// <value>Positive. Default 10. The returned model has the best validation weights.</value>
    public int EarlyStoppingPatience = SequentialRecommenderDefaults.EarlyStoppingPatience;

    /// <summary>With validation data: whether the returned model has the best validation epoch's weights or the last epoch's.</summary>
    /// <value>
    /// Default true. Set it to false (and <see cref="EarlyStoppingPatience"/> to at least <see cref="NumberOfEpochs"/>) to
    /// train a fixed number of epochs while still logging a validation metric after each one, as the reference scripts do.
    /// </value>
    public bool RestoreBestWeights = true;

    /// <summary>How many items the fitted model recommends per row (K).</summary>
    /// <value>Positive. Default 10.</value>
    public int NumberOfRecommendations = SequentialRecommenderDefaults.NumberOfRecommendations;

    /// <summary>The name of an extra output column holding each row's user vector, or null for none.</summary>
    /// <value>
    /// Default null. When set, the fitted model also appends this column: a vector of <see cref="EmbeddingDimension"/>
    /// Single values of unit L2 norm, the vector it scores items with (a row's score for an item is the dot product with
    /// the item's vector from <c>GetItemEmbeddings</c>). A row that gets the popularity fallback has a zero vector.
    /// </value>
    public string? UserEmbeddingColumnName;

    /// <summary>The random seed for initialisation, dropout, negatives and batch order.</summary>
    /// <value>
    /// Default null: the MLContext's seed, or 0 when it has none. Initialisation, dropout and negative sampling each draw
    /// from their own stream, seeded from this one by a fixed mix (SplitMix64), so none replays another. CPU runs with
    /// the same seed and thread count give identical weights.
    /// </value>
    public int? Seed;

    /// <summary>The number of CPU threads TorchSharp may use during <c>Fit</c>; restored afterwards.</summary>
    /// <value>Positive, or null (default) for TorchSharp's default (the number of cores).</value>
    /// <remarks>
    /// TorchSharp's thread count is process-wide, and libtorch fixes each thread's count at that thread's first
    /// TorchSharp call: a thread that first scores while a <c>Fit</c> with this option runs keeps this count after
    /// <c>Fit</c> has restored the old one. Scores computed with different thread counts can differ in the last bit.
    /// </remarks>
    public int? NumberOfThreads;

    /// <summary>Where to train and score.</summary>
    /// <value>
    /// Default <see cref="ComputeDevice.Auto"/>: follow <c>MLContext.GpuDeviceId</c> and <c>MLContext.FallbackToCpu</c>,
    /// as ML.NET's TorchSharp trainers do (the CPU unless a GPU is named). Set them before creating the trainer, which
    /// reads them then. <see cref="ComputeDevice.Cpu"/> and <see cref="ComputeDevice.Cuda"/> override the MLContext.
    /// </value>
    public ComputeDevice Device = ComputeDevice.Auto;

    /// <summary>The number format of the encoder's matrix products during training (mixed precision).</summary>
    /// <value>
    /// Default <see cref="TrainingPrecision.Float32"/>, as the reference. <see cref="TrainingPrecision.BFloat16"/> is meant
    /// for CUDA GPUs with bfloat16 matrix units and keeps float32 master weights; see <see cref="TrainingPrecision"/>.
    /// </value>
    public TrainingPrecision Precision = TrainingPrecision.Float32;

    /// <summary>Receives a report after every training step and at the end of every epoch.</summary>
    /// <value>Default null. Epoch summaries also go to the MLContext log.</value>
    public IProgress<TrainingProgress>? Progress;

    /// <summary>A folder for training checkpoints; when it holds a checkpoint of the same run, <c>Fit</c> resumes from it.</summary>
    /// <value>
    /// Default null: no checkpoints. A checkpoint holds the weights, the optimizer state, the random generators and the
    /// best validation weights, so a resumed CPU run ends with the same weights as an uninterrupted one. Files are written
    /// atomically (a temporary file, then a rename) and checked by SHA-256; the two newest are kept, so a damaged newest
    /// file falls back to the one before. A checkpoint of a different model, data set or setting is ignored with a
    /// warning; <see cref="NumberOfEpochs"/> may be raised to extend a finished run.
    /// </value>
    public string? CheckpointFolder;

    /// <summary>Write a checkpoint every this many epochs (and after the last one).</summary>
    /// <value>Positive. Default 1.</value>
    public int CheckpointFrequency = 1;

    /// <summary>Cancels training between steps; <c>Fit</c> then throws <see cref="OperationCanceledException"/>.</summary>
    /// <remarks>Cancelling the MLContext, as AutoML does, stops training the same way.</remarks>
    public CancellationToken CancellationToken;

    /// <summary>The padded length N actually used.</summary>
    internal int EffectivePaddedLength => PaddedLength ?? MaxSequenceLength + SequentialRecommenderDefaults.ReferenceExtraPadding;

    /// <summary>The encoder these options train.</summary>
    internal abstract EncoderKind Kind { get; }

    /// <summary>Whether the model should read timestamps when the data has them.</summary>
    internal virtual bool WantsTimestamps => false;

    /// <summary>The encoder these options describe, for a table of <paramref name="itemCount"/> rows (padding included).</summary>
    /// <param name="itemCount">V: the vocabulary's items plus the padding row.</param>
    /// <param name="useTimestamps">True when the model reads timestamps (<see cref="WantsTimestamps"/> and the data has them).</param>
    internal virtual EncoderShape Shape(long itemCount, bool useTimestamps)
        => new(itemCount, EmbeddingDimension, NumberOfBlocks, NumberOfHeads, MaxSequenceLength)
        {
            PaddedLength = EffectivePaddedLength,
            InputDropoutRate = DropoutRate,
            BlockDropoutRate = DropoutRate,
            UseTimeBias = useTimestamps,
        };

    internal virtual void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(HistoryColumnName, nameof(HistoryColumnName));
        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName, nameof(LabelColumnName));
        Positive(EmbeddingDimension, nameof(EmbeddingDimension));
        Positive(NumberOfBlocks, nameof(NumberOfBlocks));
        Positive(NumberOfHeads, nameof(NumberOfHeads));
        Positive(MaxSequenceLength, nameof(MaxSequenceLength));
        Positive(NumberOfEpochs, nameof(NumberOfEpochs));
        Positive(BatchSize, nameof(BatchSize));
        Positive(NumberOfNegatives, nameof(NumberOfNegatives));
        Positive(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        Positive(NumberOfRecommendations, nameof(NumberOfRecommendations));
        if (UserEmbeddingColumnName is { } userColumn && (userColumn.Length == 0 || userColumn is ColumnNames.PredictedItems or ColumnNames.Scores))
        {
            throw new ArgumentOutOfRangeException(nameof(UserEmbeddingColumnName), userColumn,
                $"Must be null (no user vectors) or a column name other than '{ColumnNames.PredictedItems}' and '{ColumnNames.Scores}'.");
        }
        Positive(CheckpointFrequency, nameof(CheckpointFrequency));
        Positive(LengthGroupBatches, nameof(LengthGroupBatches));
        // The bound EncoderShape.Validate applies at Fit, checked here so bad options fail when the trainer is created.
        if (PaddedLength is { } padded && padded <= MaxSequenceLength)
        {
            throw new ArgumentOutOfRangeException(nameof(PaddedLength), padded,
                $"Must be greater than {nameof(MaxSequenceLength)} ({MaxSequenceLength}): the request time needs a slot after the longest history. " +
                $"Use at least {MaxSequenceLength + 1}, or null for {nameof(MaxSequenceLength)} + {SequentialRecommenderDefaults.ReferenceExtraPadding}.");
        }

        InUnitInterval(DropoutRate, nameof(DropoutRate));
        InUnitInterval(AdamBeta1, nameof(AdamBeta1));
        InUnitInterval(AdamBeta2, nameof(AdamBeta2));
        PositiveFinite(LearningRate, nameof(LearningRate));
        PositiveFinite(Temperature, nameof(Temperature));
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Must be zero or positive, and finite.");
        }

        Known(LearningRateSchedule, nameof(LearningRateSchedule), "learning-rate schedule");
        Known(NegativeSampling, nameof(NegativeSampling), "negative sampling strategy");
        Known(Device, nameof(Device), "device");
        Known(Precision, nameof(Precision), "training precision");
        if (NumberOfThreads is { } threads && threads <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), threads, "Must be positive, or null for TorchSharp's default.");
        }
    }

    private protected static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
        }
    }

    // NaN fails every comparison, so each check tests finiteness first (docs/style.md §4).
    private static void InUnitInterval(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0 || value >= 1)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be in [0, 1).");
        }
    }

    private static void PositiveFinite(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
        }
    }

    private static void Known<TEnum>(TEnum value, string name, string what)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"Unknown {what}.");
        }
    }
}
