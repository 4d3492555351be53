using Microsoft.ML.GenerativeRec.Tests.Infrastructure;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

[TestClass]
public sealed class SequentialRecommenderTrainerOptionsTests
{
    // The reference ML-1M configurations, written out from hstu-spec.md rather than from our Defaults class:
    // §5.1 table rows configs/ml-1m/{hstu,hstu-…-large,sasrec}-sampled-softmax-n128-final.gin (max_seq_len, D, blocks,
    // heads, dqk = dv or ffn_hidden, dropout, #neg, epochs) and their common settings (learning_rate 1e-3,
    // weight_decay 0, temperature 0.05, local_batch_size 128); §1.5 N = max_seq_len + gr_output_length 10 + 1 = 211;
    // §3.7 dqk = dv = D / h; §5.2 AdamW betas (0.9, 0.98), constant rate; §5.3 one negative set per position, each
    // batch's loss the mean over its tokens; batches of users drawn at random (DistributedSampler(shuffle=True)).
    private static readonly Reference Hstu = new(MaxSequenceLength: 200, PaddedLength: 211, EmbeddingDimension: 50, NumberOfBlocks: 2,
        NumberOfHeads: 1, AttentionDimension: 50, ValueDimension: 50, FeedForwardDimension: null, DropoutRate: 0.2, NumberOfNegatives: 128,
        NumberOfEpochs: 101, BatchSize: 128, LearningRate: 1e-3, WeightDecay: 0, AdamBeta1: 0.9, AdamBeta2: 0.98, Temperature: 0.05,
        LearningRateSchedule.Constant, NegativeSampling.PerPosition, GroupBatchesByLength: false, WeighTokensEqually: false);

    private static readonly Reference HstuLarge = Hstu with { NumberOfBlocks = 8, NumberOfHeads = 2, AttentionDimension = 25, ValueDimension = 25 };

    private static readonly Reference SasRec = Hstu with { AttentionDimension = null, ValueDimension = null, FeedForwardDimension = 50 };

    [TestMethod]
    public void HstuOptions_Default_EqualTheReferenceHstuConfiguration()
    {
        var options = new HstuTrainer.Options();

        Assert.AreEqual(Hstu, Reference.Of(options));
    }

    [TestMethod]
    public void HstuOptionsLarge_Default_EqualTheReferenceHstuLargeConfiguration()
    {
        var options = HstuTrainer.Options.Large();

        Assert.AreEqual(HstuLarge, Reference.Of(options));
    }

    [TestMethod]
    public void SasRecOptions_Default_EqualTheReferenceSasRecConfiguration()
    {
        var options = new SasRecTrainer.Options();

        Assert.AreEqual(SasRec, Reference.Of(options));
    }

    [TestMethod]
    [DataRow(50, 1, 50)]     // ML-1M HSTU (hstu-spec.md §5.1)
    [DataRow(50, 2, 25)]     // ML-1M HSTU-large
    [DataRow(256, 8, 32)]    // ML-20M HSTU-large
    [DataRow(64, 8, 8)]      // Books HSTU-large
    public void HstuOptions_HeadWidthsUnset_AreEmbeddingDimensionOverHeads(int embeddingDimension, int heads, int expected)
    {
        var options = new HstuTrainer.Options { EmbeddingDimension = embeddingDimension, NumberOfHeads = heads };

        Assert.AreEqual(expected, options.EffectiveAttentionDimension);
        Assert.AreEqual(expected, options.EffectiveValueDimension);
    }

    [TestMethod]
    public void HstuFit_TwoHeadsAndNoHeadWidths_BuildsHeadsOfHalfTheEmbeddingDimension()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.NumberOfHeads = 2;                      // D = 8

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);

        Assert.AreEqual(4L, model.Recommender.Shape.QueryKeyDimension);
        Assert.AreEqual(4L, model.Recommender.Shape.ValueDimension);
    }

    [TestMethod]
    public void HstuOptions_HeadsNotDividingDimensionAndNoHeadWidths_ThrowsNamingAttentionDimension()
    {
        var options = new HstuTrainer.Options { EmbeddingDimension = 50, NumberOfHeads = 3 };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.Hstu(options));

        Assert.AreEqual(nameof(HstuTrainer.Options.AttentionDimension), error.ParamName);
        StringAssert.Contains(error.Message, "NumberOfHeads (3) does not divide EmbeddingDimension (50)");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-1)]
    public void HstuOptions_NonPositiveValueDimension_ThrowsNamingIt(int width)
    {
        var options = new HstuTrainer.Options { ValueDimension = width };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.Hstu(options));

        Assert.AreEqual(nameof(HstuTrainer.Options.ValueDimension), error.ParamName);
        Assert.AreEqual(width, error.ActualValue);
    }

    [TestMethod]
    [DataRow(10, 10)]        // N = L leaves no slot for the request time: EncoderShape.Validate rejects it at Fit
    [DataRow(10, 3)]
    public void Options_PaddedLengthNotAboveMaxSequenceLength_ThrowsWhenTheTrainerIsCreated(int maxSequenceLength, int paddedLength)
    {
        var options = new SasRecTrainer.Options { MaxSequenceLength = maxSequenceLength, PaddedLength = paddedLength };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Recommendation().Trainers.SasRec(options));

        Assert.AreEqual(nameof(SasRecTrainer.Options.PaddedLength), error.ParamName);
        Assert.AreEqual(paddedLength, error.ActualValue);
        StringAssert.Contains(error.Message, $"Must be greater than MaxSequenceLength ({maxSequenceLength})");
    }

    [TestMethod]
    public void Fit_PaddedLengthOneAboveMaxSequenceLength_Trains()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.PaddedLength = options.MaxSequenceLength + 1;  // the smallest N the options accept is one Fit accepts

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);

        Assert.AreEqual(11L, model.Recommender.Shape.PaddedLength);
    }

    /// <summary>The settings a reference configuration fixes, in a record so a mismatch prints every field.</summary>
    private sealed record Reference(int MaxSequenceLength, int PaddedLength, int EmbeddingDimension, int NumberOfBlocks, int NumberOfHeads,
        int? AttentionDimension, int? ValueDimension, int? FeedForwardDimension, double DropoutRate, int NumberOfNegatives, int NumberOfEpochs,
        int BatchSize, double LearningRate, double WeightDecay, double AdamBeta1, double AdamBeta2, double Temperature,
        LearningRateSchedule LearningRateSchedule, NegativeSampling NegativeSampling, bool GroupBatchesByLength, bool WeighTokensEqually)
    {
        public static Reference Of(SequentialRecommenderTrainerOptions o) => new(o.MaxSequenceLength, o.EffectivePaddedLength,
            o.EmbeddingDimension, o.NumberOfBlocks, o.NumberOfHeads, (o as HstuTrainer.Options)?.EffectiveAttentionDimension,
            (o as HstuTrainer.Options)?.EffectiveValueDimension, (o as SasRecTrainer.Options)?.FeedForwardDimension, o.DropoutRate,
            o.NumberOfNegatives, o.NumberOfEpochs, o.BatchSize, o.LearningRate, o.WeightDecay, o.AdamBeta1, o.AdamBeta2, o.Temperature,
            o.LearningRateSchedule, o.NegativeSampling, o.GroupBatchesByLength, o.WeighTokensEqually);
    }
}
