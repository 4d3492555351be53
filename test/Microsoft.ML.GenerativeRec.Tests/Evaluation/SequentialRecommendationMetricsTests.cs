namespace Microsoft.ML.GenerativeRec.Tests.Evaluation;

[TestClass]
public sealed class SequentialRecommendationMetricsTests
{
    [TestMethod]
    [DataRow(1L, 1.0)]          // 1 / log2(1 + 1)
    [DataRow(3L, 0.5)]          // 1 / log2(3 + 1)
    [DataRow(11L, 0.0)]         // outside the top 10
    [DataRow(0L, 0.0)]          // a label that could not be ranked
    public void Ndcg_SingleRow_MatchesClosedForm(long rank, double expected)
    {
        var metrics = SequentialRecommendationMetrics.FromRanks([rank], maxK: 10);

        Assert.AreEqual(expected, metrics.Ndcg(10), 1e-12);
    }

    [TestMethod]
    public void FromRanks_FourRows_AveragesOverAllRows()
    {
        // Ranks 1, 3, absent, 12: HR@1 = 1/4, HR@3 = 2/4, HR@12 = 3/4; MRR = (1 + 1/3 + 0 + 1/12) / 4.
        var metrics = SequentialRecommendationMetrics.FromRanks([1, 3, 0, 12], maxK: 12);

        Assert.AreEqual(0.25, metrics.HitRate(1), 1e-12);
        Assert.AreEqual(0.25, metrics.HitRate(2), 1e-12);
        Assert.AreEqual(0.5, metrics.HitRate(3), 1e-12);
        Assert.AreEqual(0.75, metrics.HitRate(12), 1e-12);
        Assert.AreEqual((1 + 0.5 + 1 / Math.Log2(13)) / 4, metrics.Ndcg(12), 1e-12);
        Assert.AreEqual((1 + 1.0 / 3 + 1.0 / 12) / 4, metrics.MeanReciprocalRank, 1e-12);
        Assert.AreEqual(4L, metrics.EvaluatedCount);
        Assert.AreEqual(metrics.HitRate(3), metrics.HitRates[2]);
        Assert.AreEqual(metrics.HitRate(3), metrics.Recall(3));
    }

    [TestMethod]
    public void HitRate_KOutsideRange_ThrowsNamingK()
    {
        var metrics = SequentialRecommendationMetrics.FromRanks([1], maxK: 10);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => metrics.HitRate(11));

        Assert.AreEqual("k", error.ParamName);
    }

    [TestMethod]
    public void FromRanks_NoRows_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => SequentialRecommendationMetrics.FromRanks([], maxK: 10));
    }
}
