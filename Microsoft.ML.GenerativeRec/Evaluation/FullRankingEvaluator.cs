using Microsoft.ML.GenerativeRec.Jagged;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Evaluation;

/// <summary>Full-ranking evaluation of the rows of an arena (hstu-spec.md §2), in batches: validation and <c>rec.Evaluate</c>.</summary>
internal static class FullRankingEvaluator
{
    /// <summary>Rows per evaluation batch (hstu-spec.md §2.5: eval_batch_size = 128).</summary>
    public const int BatchSize = 128;

    /// <summary>The label rank of every row (0 = miss); each row's label is its last token.</summary>
    /// <param name="encoder">The encoder, switched to evaluation mode for the pass and back afterwards.</param>
    /// <param name="scorer">The candidate scorer over the encoder's current item table.</param>
    /// <param name="arena">The rows: history tokens, then the label.</param>
    /// <param name="maxSequenceLength">The most recent history items the encoder reads.</param>
    /// <param name="device">Where the batches go.</param>
    /// <param name="recommended">When given, receives every item of each row's top <paramref name="topK"/> (for coverage).</param>
    /// <param name="topK">The list length that <paramref name="recommended"/> collects.</param>
    /// <remarks>Rows without any known history item are misses; rows are batched by length so batches pad little.</remarks>
    public static long[] Ranks(nn.Module encoder, CandidateScorer scorer, SequenceArena arena, int maxSequenceLength, Device device,
        ISet<long>? recommended = null, int topK = 0)
    {
        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var noGrad = no_grad();
            int[] lengths = arena.InputLengths(maxSequenceLength);
            var ranks = new long[arena.RowCount];
            int[] order = [.. Enumerable.Range(0, arena.RowCount).Where(r => lengths[r] > 0).OrderBy(r => lengths[r])];
            foreach (int[] rows in order.Chunk(BatchSize))
            {
                using var batch = arena.BuildBatch(rows, maxSequenceLength, device);
                long[] batchRanks = scorer.Ranks(batch, Array.ConvertAll(rows, r => arena.Tokens(r)[^1]), recommended, topK);
                for (int i = 0; i < rows.Length; i++)
                {
                    ranks[rows[i]] = batchRanks[i];
                }
            }

            return ranks;
        }
        finally
        {
            encoder.train(wasTraining);
        }
    }
}
