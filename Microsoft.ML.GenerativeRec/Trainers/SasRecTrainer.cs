using Microsoft.ML.GenerativeRec.Modeling;
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
public sealed class SasRecTrainer : SequentialRecommenderTrainer<SasRecTransformer>
{
    internal SasRecTrainer(IHostEnvironment env, Options options)
        : base(env, options, nameof(SasRecTrainer), (host, recommender) => new SasRecTransformer(host, recommender))
    {
    }

    /// <summary>Options of <see cref="SasRecTrainer"/>; the defaults are the reference MovieLens-1M SASRec (hstu-spec.md §5.1).</summary>
    public sealed class Options : SequentialRecommenderTrainerOptions
    {
        /// <summary>The hidden width of the position-wise feed-forward network.</summary>
        /// <value>Positive. Default 50 (hstu-spec.md §5.1, ML-1M).</value>
        public int FeedForwardDimension = SequentialRecommenderDefaults.FeedForwardDimension;

        internal override EncoderKind Kind => EncoderKind.SasRec;

        internal override EncoderShape Shape(long itemCount, bool useTimestamps)
            => base.Shape(itemCount, useTimestamps) with { FeedForwardDimension = FeedForwardDimension };

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
