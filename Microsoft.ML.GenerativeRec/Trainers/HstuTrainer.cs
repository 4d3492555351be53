using Microsoft.ML.GenerativeRec.Modeling;
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
public sealed class HstuTrainer : SequentialRecommenderTrainer<HstuTransformer>
{
    internal HstuTrainer(IHostEnvironment env, Options options)
        : base(env, options, nameof(HstuTrainer), (host, recommender) => new HstuTransformer(host, recommender))
    {
    }

    /// <summary>Options of <see cref="HstuTrainer"/>; the defaults are the reference MovieLens-1M HSTU (hstu-spec.md §5.1).</summary>
    public sealed class Options : SequentialRecommenderTrainerOptions
    {
        /// <summary>The per-head width of queries and keys (dqk in hstu-spec.md §3.3).</summary>
        /// <value>
        /// Positive, or null (default) for <see cref="SequentialRecommenderTrainerOptions.EmbeddingDimension"/> /
        /// <see cref="SequentialRecommenderTrainerOptions.NumberOfHeads"/> (dqk = D / H in every reference configuration,
        /// hstu-spec.md §3.7: 50 for the default options, 25 for <see cref="Large"/>). Null needs D to be a multiple of H;
        /// set a width to use heads that do not divide D.
        /// </value>
        public int? AttentionDimension;

        /// <summary>The per-head width of values and of the gate U (dv in hstu-spec.md §3.3).</summary>
        /// <value>
        /// Positive, or null (default) for <see cref="SequentialRecommenderTrainerOptions.EmbeddingDimension"/> /
        /// <see cref="SequentialRecommenderTrainerOptions.NumberOfHeads"/> (dv = D / H, hstu-spec.md §3.7), with the same
        /// rule as <see cref="AttentionDimension"/>.
        /// </value>
        public int? ValueDimension;

        /// <summary>Whether to add the learned time-bucket bias to attention when the data has timestamps (hstu-spec.md §3.4).</summary>
        /// <value>Default true. Without timestamp columns the bias is off either way.</value>
        public bool UseTimeBias = true;

        /// <summary>The reference "HSTU-large" MovieLens-1M configuration: 8 blocks, 2 heads, dqk = dv = 25 (hstu-spec.md §5.1).</summary>
        /// <returns>
        /// New options with 8 blocks and 2 heads, <see cref="AttentionDimension"/> and <see cref="ValueDimension"/> left
        /// at D / H (25), and every other option at its default.
        /// </returns>
        public static Options Large() => new() { NumberOfBlocks = SequentialRecommenderDefaults.LargeNumberOfBlocks, NumberOfHeads = SequentialRecommenderDefaults.LargeNumberOfHeads };

        /// <summary>The dqk actually used: <see cref="AttentionDimension"/>, or D / H.</summary>
        internal int EffectiveAttentionDimension => AttentionDimension ?? EmbeddingDimension / NumberOfHeads;

        /// <summary>The dv actually used: <see cref="ValueDimension"/>, or D / H.</summary>
        internal int EffectiveValueDimension => ValueDimension ?? EmbeddingDimension / NumberOfHeads;

        internal override EncoderKind Kind => EncoderKind.Hstu;

        internal override bool WantsTimestamps => UseTimeBias;

        internal override EncoderShape Shape(long itemCount, bool useTimestamps) => base.Shape(itemCount, useTimestamps) with
        {
            QueryKeyDimension = EffectiveAttentionDimension,
            ValueDimension = EffectiveValueDimension,
        };

        internal override void Validate()
        {
            base.Validate();
            HeadWidth(AttentionDimension, nameof(AttentionDimension));
            HeadWidth(ValueDimension, nameof(ValueDimension));
        }

        // Runs after base.Validate(), so D and H are positive here.
        private void HeadWidth(int? width, string name)
        {
            if (width is { } set)
            {
                Positive(set, name);
            }
            else if (EmbeddingDimension % NumberOfHeads != 0)
            {
                throw new ArgumentOutOfRangeException(name, width,
                    $"Must be set when {nameof(NumberOfHeads)} ({NumberOfHeads}) does not divide {nameof(EmbeddingDimension)} ({EmbeddingDimension}): " +
                    $"null means {nameof(EmbeddingDimension)} / {nameof(NumberOfHeads)}. Give {nameof(AttentionDimension)} and {nameof(ValueDimension)} a positive width.");
            }
        }
    }
}
