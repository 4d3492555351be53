using System.Globalization;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

/// <summary>Progress lines go to logs that are parsed and compared across machines, so they must not follow the thread's culture.</summary>
[TestClass]
public sealed class ProgressTextTests
{
    [TestMethod]
    public void ToString_UnderACommaDecimalCulture_UsesInvariantNumbers()
    {
        var progress = new TrainingProgress(epoch: 2, numberOfEpochs: 10, step: 48, stepsPerEpoch: 48, loss: 5.25, tokensPerSecond: 12345.6,
            elapsed: TimeSpan.FromSeconds(40), estimatedRemaining: TimeSpan.FromSeconds(3725), isEpochEnd: true,
            validationNdcgAt10: 0.1234, validationHitRateAt10: 0.25, learningRate: 0.001);
        var summary = new EpochSummary(2, 5.25, 20.5, 12345.6, 0.1234, 0.25);

        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            Assert.AreEqual("epoch 2/10, step 48/48, loss 5.2500, lr 1e-3, 12,346 tokens/s, validation NDCG@10 0.1234, HR@10 0.2500, ETA 01:02:05",
                progress.ToString());
            Assert.AreEqual("epoch 2: loss 5.2500, 20.5 s, 12346 tokens/s, validation NDCG@10 0.1234, HR@10 0.2500", summary.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
