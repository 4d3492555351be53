using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>Full-ranking evaluation of an encoder on the rows of an arena (hstu-spec.md §2), in batches.</summary>
internal static class SequenceEvaluator
{
    /// <summary>The label rank of every row (0 = miss); rows without any known history item are misses.</summary>
    public static long[] Ranks(nn.Module model, ISequenceEncoder encoder, SequenceArena arena, int maxSequenceLength, Device device,
        ISet<long>? recommended = null, int topK = 0)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            int[] lengths = arena.InputLengths(maxSequenceLength);
            var ranks = new long[arena.RowCount];
            // Sorted by length so batches pad little; rows without history keep rank 0.
            int[] order = [.. Enumerable.Range(0, arena.RowCount).Where(r => lengths[r] > 0).OrderBy(r => lengths[r])];
            using (var scope = NewDisposeScope())
            {
                var items = L2Norm.Normalize(encoder.ItemEmbeddings);                      // [V, D]
                foreach (int[] rows in order.Chunk(TrainingSettings.EvaluationBatchSize))
                {
                    using var pause = FinalizerPause.Begin(finalizeOnEnd: true);
                    using var batchScope = NewDisposeScope();
                    using var batch = arena.BuildBatch(rows, maxSequenceLength, device);
                    var outputs = encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);  // [B, n, D]
                    var users = SequenceTensors.UserEmbeddings(outputs, batch.Lengths);        // [B, D]
                    var last = (batch.Lengths - 1).unsqueeze(1);                           // [B, 1]
                    var labels = batch.Targets.gather(1, last).squeeze(1);                 // [B]
                    long[] batchRanks = FullRanking.Ranks(users, items, batch.Ids, labels, recommended, topK);
                    for (int i = 0; i < rows.Length; i++)
                    {
                        ranks[rows[i]] = batchRanks[i];
                    }
                }
            }

            return ranks;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
