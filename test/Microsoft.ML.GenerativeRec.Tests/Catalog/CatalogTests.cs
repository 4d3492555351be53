using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Catalog;

[TestClass]
public sealed class CatalogTests
{
    private static readonly IntTrainingRow[] Training =
    [
        new() { History = [1, 2, 3], Label = 4 },
        new() { History = [2, 3], Label = 4 },
        new() { History = [3], Label = 5 },
    ];

    [TestMethod]
    public void GenerativeRecommendation_Alias_TrainsAndEvaluatesLikeRecommendation()
    {
        // The alias exists for projects that also reference Microsoft.ML.Recommender, whose Recommendation() makes
        // ours ambiguous (docs/troubleshooting.md); it must be the same catalog under another name.
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Training);

        var viaAlias = mlContext.GenerativeRecommendation().Trainers.MostPopular(numberOfRecommendations: 3).Fit(data);
        var viaMain = mlContext.Recommendation().Trainers.MostPopular(numberOfRecommendations: 3).Fit(data);

        var aliasMetrics = mlContext.GenerativeRecommendation().Evaluate(viaAlias.Transform(data));
        var mainMetrics = mlContext.Recommendation().Evaluate(viaMain.Transform(data));
        CollectionAssert.AreEqual(
            viaMain.Transform(data).GetColumn<int[]>(ColumnNames.PredictedItems).SelectMany(items => items).ToArray(),
            viaAlias.Transform(data).GetColumn<int[]>(ColumnNames.PredictedItems).SelectMany(items => items).ToArray());
        Assert.AreEqual(mainMetrics.MeanReciprocalRank, aliasMetrics.MeanReciprocalRank);
        Assert.AreEqual(3L, aliasMetrics.EvaluatedCount);
    }

    [TestMethod]
    public void Recommendation_NullContext_ThrowsArgumentNullException()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => GenerativeRecommendationMLContextExtensions.Recommendation(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => GenerativeRecommendationMLContextExtensions.GenerativeRecommendation(null!));
    }
}
