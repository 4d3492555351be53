using Microsoft.ML.GenerativeRec.Evaluation;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Evaluation;

[TestClass]
public sealed class CandidateScorerTests
{
    // Items 1..4 on the unit circle at angles 0°, 30°, 60°, 90°; the user vector points at 0°,
    // so cosine scores are 1, 0.866, 0.5, 0 for items 1, 2, 3, 4 (row 0 is padding).
    private static Tensor Items() => tensor(new float[]
    {
        0, 0,
        1, 0,
        MathF.Cos(MathF.PI / 6), MathF.Sin(MathF.PI / 6),
        0.5f, MathF.Sin(MathF.PI / 3),
        0, 1,
    }, 5, 2);

    [TestMethod]
    [DataRow(1L, 1L)]
    [DataRow(3L, 3L)]
    [DataRow(4L, 4L)]
    public void Ranks_NoHistory_RankByCosine(long label, long expectedRank)
    {
        using var scope = NewDisposeScope();
        using var scorer = new CandidateScorer(Items());

        long[] ranks = scorer.Ranks(tensor(new float[] { 1, 0 }, 1, 2), zeros(1, 0, dtype: ScalarType.Int64), tensor(new[] { label }));

        Assert.AreEqual(expectedRank, ranks[0]);
    }

    [TestMethod]
    public void Ranks_HistoryItemsAbove_AreExcluded()
    {
        using var scope = NewDisposeScope();
        // Items 1 and 2 are in the history (with padding 0): item 3 moves from rank 3 to rank 1.
        using var scorer = new CandidateScorer(Items());

        long[] ranks = scorer.Ranks(tensor(new float[] { 1, 0 }, 1, 2), tensor(new long[] { 1, 2, 0 }, 1, 3), tensor(new long[] { 3 }));

        Assert.AreEqual(1L, ranks[0]);
    }

    [TestMethod]
    public void Ranks_LabelInHistoryOrUnknown_IsAMiss()
    {
        using var scope = NewDisposeScope();
        var users = tensor(new float[] { 1, 0, 1, 0 }, 2, 2);
        using var scorer = new CandidateScorer(Items());

        long[] ranks = scorer.Ranks(users, tensor(new long[] { 2, 0 }, 2, 1), tensor(new long[] { 2, 0 }));

        CollectionAssert.AreEqual(new long[] { 0, 0 }, ranks);
    }

    [TestMethod]
    public void Ranks_TiedScores_LowerIndexRanksFirst()
    {
        using var scope = NewDisposeScope();
        // Four identical item vectors: every score ties, so a label ranks by its index.
        var items = tensor(new float[] { 0, 0, 1, 0, 1, 0, 1, 0, 1, 0 }, 5, 2);
        using var scorer = new CandidateScorer(items);

        long[] ranks = scorer.Ranks(tensor(new float[] { 1, 0, 1, 0 }, 2, 2), zeros(2, 0, dtype: ScalarType.Int64), tensor(new long[] { 1, 3 }));

        CollectionAssert.AreEqual(new long[] { 1, 3 }, ranks);
    }
}
