using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Onnx;

[TestClass]
public sealed class RecommenderOnnxExporterTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ConvertToOnnx_HstuWithTimestamps_MatchesTorchSharpInOneBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var rows = OnnxFixtures.Histories();
        var (expectedItems, expectedScores) = OnnxFixtures.Recommend(mlContext, model, rows);

        using var session = OnnxRecommenderSession.Export(mlContext, model);
        var (items, scores) = session.Run([.. rows.Select(r => r.History)], OnnxFixtures.UnknownItem,
            [.. rows.Select(r => r.HistoryTimestamps)], [.. rows.Select(r => r.Timestamp)]);

        double largest = OnnxFixtures.AssertSameRecommendations(expectedItems, expectedScores, items, scores);
        TestContext.WriteLine($"max |score difference| = {largest:E2}");
    }
}
