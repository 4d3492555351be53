using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

/// <summary>End-to-end learning on a real MovieLens-1M slice: the neural models must beat popularity.</summary>
/// <remarks>
/// 1,000 users, batches of 32 (more steps than the reference's 128 on so few users) and negatives shared across the
/// batch, which keeps each model under a minute on 2 cores; the reference per-position loss is checked on hand-computed
/// cases in SampledSoftmaxLossTests and at full scale by the benchmarks.
/// </remarks>
[TestClass]
public sealed class LearningTests
{
    private const int Users = 1000;
    private const int Epochs = 12;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("Slow")]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Hstu_MovieLensSlice_BeatsMostPopularOnValidation()
    {
        var (mlContext, split, popularHitRate) = Prepare();
        var options = new HstuTrainer.Options { NumberOfEpochs = Epochs, BatchSize = 32, NegativeSampling = NegativeSampling.SharedAcrossBatch, Seed = 1,
            CancellationToken = TestContext.CancellationToken,
            Progress = new SynchronousProgress<TrainingProgress>(p => { if (p.IsEpochEnd) TestContext.WriteLine(p.ToString()); }) };

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train, split.Validation);
        var metrics = mlContext.Recommendation().Evaluate(model, split.Validation!);

        TestContext.WriteLine($"HSTU validation: {metrics}\nmost popular HR@10 {popularHitRate:F4}");
        Assert.IsGreaterThan(1.5 * popularHitRate, metrics.HitRate(10));
    }

    [TestMethod]
    [TestCategory("Slow")]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void SasRec_MovieLensSlice_BeatsMostPopularOnValidation()
    {
        var (mlContext, split, popularHitRate) = Prepare();
        var options = new SasRecTrainer.Options { NumberOfEpochs = Epochs, BatchSize = 32, NegativeSampling = NegativeSampling.SharedAcrossBatch, Seed = 1,
            CancellationToken = TestContext.CancellationToken,
            Progress = new SynchronousProgress<TrainingProgress>(p => { if (p.IsEpochEnd) TestContext.WriteLine(p.ToString()); }) };

        using var model = mlContext.Recommendation().Trainers.SasRec(options).Fit(split.Train, split.Validation);
        var metrics = mlContext.Recommendation().Evaluate(model, split.Validation!);

        TestContext.WriteLine($"SASRec validation: {metrics}\nmost popular HR@10 {popularHitRate:F4}");
        Assert.IsGreaterThan(1.5 * popularHitRate, metrics.HitRate(10));
    }

    private static (MLContext MLContext, SequenceSplit Split, double PopularHitRate) Prepare()
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(TestData.RequireMovieLens1M(), "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(mlContext.Data.TakeRows(sequences, Users));
        var popular = mlContext.Recommendation().Trainers.MostPopular().Fit(split.Train).Transform(split.Validation!);
        int[] labels = popular.GetColumn<int>(ColumnNames.Label).ToArray();
        double hitRate = popular.GetColumn<int[]>(ColumnNames.PredictedItems).Select((p, i) => p.Contains(labels[i]) ? 1.0 : 0.0).Average();
        return (mlContext, split, hitRate);
    }
}
