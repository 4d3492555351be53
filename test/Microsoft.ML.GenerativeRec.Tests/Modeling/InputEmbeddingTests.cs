using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class InputEmbeddingTests
{
    [TestMethod]
    public void Forward_HandSetTables_ScalesItemsAddsPositionsZeroesPadding()
    {
        using var embedding = new InputEmbedding(itemCount: 3, dimension: 4, paddedLength: 3, dropoutRate: 0.5,
            PositionalInit.XavierNormal);
        embedding.eval();
        using (no_grad())
        {
            embedding.ItemEmbeddings.copy_(tensor(new float[] { 9, 9, 9, 9, 1, 2, 3, 4, -1, 0, 1, 0 }, 3, 4));
            embedding.PositionalEmbeddings.copy_(tensor(new float[] { 0.5f, 0, 0, 0, 0, 0.5f, 0, 0, 0, 0, 0.5f, 0 }, 3, 4));
        }
        using var ids = tensor(new long[] { 2, 1, 0 }, 1, 3);

        using var x = embedding.forward(ids);

        // √D = 2. Position 0: 2·E[2] + P[0] = [−2, 0, 2, 0] + [0.5, 0, 0, 0];
        // position 1: 2·E[1] + P[1] = [2, 4, 6, 8] + [0, 0.5, 0, 0]; position 2: id 0, zeroed.
        CollectionAssert.AreEqual(new float[] { -1.5f, 0, 2, 0, 2, 4.5f, 6, 8, 0, 0, 0, 0 }, x.data<float>().ToArray());
    }

    [TestMethod]
    public void ResetParameters_Xavier_MatchesReferenceStatistics()
    {
        const long N = 200, D = 64;
        using var embedding = new InputEmbedding(itemCount: 5000, dimension: D, paddedLength: N, dropoutRate: 0.2,
            PositionalInit.XavierNormal);

        double itemStd = embedding.ItemEmbeddings.std().item<float>();
        double itemMax = embedding.ItemEmbeddings.abs().max().item<float>();
        double positionStd = embedding.PositionalEmbeddings.std().item<float>();

        // Item table: N(0, 0.02) truncated at ±2σ has std 0.02·√(1 − 4φ(2)/(Φ(2) − Φ(−2))) = 0.02·0.880 = 0.0176.
        Assert.AreEqual(0.0176, itemStd, 0.0005);
        Assert.IsLessThanOrEqualTo(0.04, itemMax);
        // P: xavier_normal_, std √(2 / (N + D)) = √(2 / 264) = 0.0870 (hstu-spec.md §3.6).
        Assert.AreEqual(Math.Sqrt(2.0 / (N + D)), positionStd, 0.003);
    }

    [TestMethod]
    public void ResetParameters_TruncatedNormal_UsesInverseSqrtDimension()
    {
        const long D = 64;
        using var embedding = new InputEmbedding(itemCount: 10, dimension: D, paddedLength: 400, dropoutRate: 0.2,
            PositionalInit.TruncatedNormal);

        double positionStd = embedding.PositionalEmbeddings.std().item<float>();
        double positionMax = embedding.PositionalEmbeddings.abs().max().item<float>();

        // SASRec P: truncated normal std √(1/D) = 0.125, so the sample std is 0.880·0.125 = 0.110 and |P| ≤ 2·0.125.
        Assert.AreEqual(0.110, positionStd, 0.003);
        Assert.IsLessThanOrEqualTo(0.25, positionMax);
    }
}
