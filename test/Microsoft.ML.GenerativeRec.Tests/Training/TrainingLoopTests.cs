using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class TrainingLoopTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Fit_Hstu_LeavesFewScalarsToTheFinalizerPerStep()
    {
        var perStep = ScalarsPerStep(epochs => SyntheticSequences.HstuOptions(epochs), (ml, o) => ml.Recommendation().Trainers.Hstu(o), withTimestamps: true);

        TestContext.WriteLine($"HSTU: {perStep:F2} finalized Scalars per step");
        Assert.IsLessThanOrEqualTo(MaxScalarsPerStep, perStep);
    }

    [TestMethod]
    public void Fit_SasRec_LeavesFewScalarsToTheFinalizerPerStep()
    {
        var perStep = ScalarsPerStep(epochs => SyntheticSequences.SasRecOptions(epochs), (ml, o) => ml.Recommendation().Trainers.SasRec(o), withTimestamps: false);

        TestContext.WriteLine($"SASRec: {perStep:F2} finalized Scalars per step");
        Assert.IsLessThanOrEqualTo(MaxScalarsPerStep, perStep);
    }

    private const double MaxScalarsPerStep = 1000;

    // Finalized Scalars of a 3-epoch Fit minus those of a 1-epoch Fit, over the difference in steps: what construction,
    // initialisation and the end of Fit leave cancels out.
    private static double ScalarsPerStep<TOptions>(Func<int, TOptions> options, Func<MLContext, TOptions, IEstimator<ITransformer>> trainer, bool withTimestamps)
        where TOptions : SequentialRecommenderTrainerOptions
    {
        var (shortScalars, shortSteps) = Run(1);
        var (longScalars, longSteps) = Run(3);
        return (double)(longScalars - shortScalars) / (longSteps - shortSteps);

        (long Scalars, int Steps) Run(int epochs)
        {
            var mlContext = new MLContext(seed: 1);
            var split = SyntheticSequences.Split(mlContext, withTimestamps);
            var o = options(epochs);
            int steps = 0;
            o.Progress = new SynchronousProgress<TrainingProgress>(p => { if (!p.IsEpochEnd) steps++; });
            var estimator = trainer(mlContext, o);
            using var counter = new ScalarFinalizationCounter();
            long before = counter.Collect();
            var model = estimator.Fit(split.Train);
            (model as IDisposable)?.Dispose();
            return (counter.Collect() - before, steps);
        }
    }
}
