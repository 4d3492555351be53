namespace Microsoft.ML.GenerativeRec.Tests.Data;

/// <summary>The data pipeline on the real MovieLens-1M sequences (../shared/data).</summary>
[TestClass]
public sealed class MovieLens1MSplitTests
{
    private static IDataView LoadSequences(MLContext mlContext)
        => MovieLens.LoadSequences(mlContext, Path.Combine(TestData.RequireMovieLens1M(), "sequences.all-users.txt.gz"));

    [TestMethod]
    public void LeaveOneOutSplit_MovieLens1M_HoldsOutTheLastTwoItemsOfEveryUser()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = LoadSequences(mlContext);
        int[] user1 = sequences.GetColumn<int[]>(ColumnNames.History).First();

        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences);

        Assert.AreEqual(6040, split.UserCount);
        Assert.AreEqual(0, split.DroppedUserCount);
        Assert.AreEqual(user1[^1], split.Test.GetColumn<int>(ColumnNames.Label).First());
        Assert.AreEqual(user1[^2], split.Validation!.GetColumn<int>(ColumnNames.Label).First());
        Assert.AreEqual(user1[^3], split.Train.GetColumn<int>(ColumnNames.Label).First());
        CollectionAssert.AreEqual(user1[..^1], split.Test.GetColumn<int[]>(ColumnNames.History).First());
        long trainTokens = split.Train.GetColumn<int[]>(ColumnNames.History).Sum(h => (long)h.Length + 1);
        Assert.AreEqual(1_000_209L - 2 * 6040, trainTokens);
    }

    // Expected values: shared/data/README.md "Known figures for checking an evaluator", computed there with an
    // independent script (count descending, then id ascending; the last 200 history items excluded).
    [TestMethod]
    [DataRow(LeaveOneOutProtocol.Reference, 0.0336, 0.0164, 0.1333, 0.3257)]
    [DataRow(LeaveOneOutProtocol.Validation, 0.0339, 0.0165, 0.1331, 0.3253)]
    public void MostPopular_MovieLens1M_MatchesTheIndependentlyComputedFigures(
        LeaveOneOutProtocol protocol, double hr10, double ndcg10, double hr50, double hr200)
    {
        var mlContext = new MLContext(seed: 1);
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(LoadSequences(mlContext), protocol);

        var model = mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 200).Fit(split.Train);
        var scored = model.Transform(split.Test);
        int[] labels = scored.GetColumn<int>(ColumnNames.Label).ToArray();
        int[] ranks = scored.GetColumn<int[]>(ColumnNames.PredictedItems).Select((p, i) => Array.IndexOf(p, labels[i]) + 1).ToArray();

        // The README rounds to 4 decimals.
        Assert.AreEqual(hr10, ranks.Average(r => r is > 0 and <= 10 ? 1.0 : 0.0), 5e-5);
        Assert.AreEqual(ndcg10, ranks.Average(r => r is > 0 and <= 10 ? 1 / Math.Log2(r + 1) : 0.0), 5e-5);
        Assert.AreEqual(hr50, ranks.Average(r => r is > 0 and <= 50 ? 1.0 : 0.0), 5e-5);
        Assert.AreEqual(hr200, ranks.Average(r => r > 0 ? 1.0 : 0.0), 5e-5);
    }
}
