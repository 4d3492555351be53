using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class EncoderShapeTests
{
    [TestMethod]
    public void Constructor_MovieLensConfig_DerivesReferenceDefaults()
    {
        var shape = new EncoderShape(ItemCount: 3953, EmbeddingDimension: 50, NumberOfBlocks: 8, NumberOfHeads: 2, MaxSequenceLength: 200);

        Assert.AreEqual(211L, shape.PaddedLength);          // 200 + 10 + 1 (hstu-spec.md §1.5)
        Assert.AreEqual(25L, shape.QueryKeyDimension);      // D / H = 50 / 2 (hstu-spec.md §3.7, HSTU-large)
        Assert.AreEqual(25L, shape.ValueDimension);
        Assert.AreEqual(50L, shape.FeedForwardDimension);   // ffn_hidden_dim = D in every config (§5.1)
        Assert.AreEqual(0.2, shape.InputDropoutRate);
        Assert.IsTrue(shape.UseTimeBias);
    }

    [TestMethod]
    public void Validate_PaddedLengthNotAboveMaxLength_ThrowsNamingIt()
    {
        var shape = new EncoderShape(10, 8, 1, 2, MaxSequenceLength: 5) { PaddedLength = 5 };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(shape.Validate);

        Assert.AreEqual(nameof(EncoderShape.PaddedLength), error.ParamName);
    }

    [TestMethod]
    public void ValidateForSasRec_DimensionNotMultipleOfHeads_ThrowsNamingIt()
    {
        var shape = new EncoderShape(10, EmbeddingDimension: 10, NumberOfBlocks: 1, NumberOfHeads: 4, MaxSequenceLength: 5);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(shape.ValidateForSasRec);

        Assert.AreEqual(nameof(EncoderShape.EmbeddingDimension), error.ParamName);
    }
}
