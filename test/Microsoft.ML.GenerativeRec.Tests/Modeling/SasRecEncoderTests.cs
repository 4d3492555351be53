using Microsoft.ML.GenerativeRec.Modeling;
using static Microsoft.ML.GenerativeRec.Tests.Modeling.EncoderProperties;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class SasRecEncoderTests
{
    private static readonly long D = TinyShape.EmbeddingDimension;

    [TestMethod]
    public void Encode_LaterItemChanged_EarlierOutputsUnchanged()
    {
        using var encoder = NewEncoder(TinyShape);
        long[] changed = [.. Ids];
        changed[4] = 11;

        var before = Encode(encoder, [Ids], [6], null)[0];
        var after = Encode(encoder, [changed], [6], null)[0];

        AssertRowsEqual(before, after, rows: 4, D, "rows 0..3");
        AssertRowDiffers(before, after, row: 4, D);
    }

    [TestMethod]
    public void Encode_LongerPaddingWithGarbage_ValidRowsUnchangedAndPaddingZero()
    {
        using var encoder = NewEncoder(TinyShape);
        long[] paddedIds = [3, 5, 7, 9, 0, 0];          // position 3: a scattered target id at L_b = 3

        var alone = Encode(encoder, [[3, 5, 7]], [3], null)[0];
        var batched = Encode(encoder, [paddedIds, Ids], [3, 6], null);

        AssertRowsEqual(alone, batched[0], rows: 3, D, "valid rows");
        CollectionAssert.AreEqual(new float[3 * D], batched[0][(int)(3 * D)..]);
    }

    [TestMethod]
    public void Backward_WeightedOutputs_ReachesEveryParameter()
    {
        using var encoder = NewEncoder(TinyShape);

        ForwardBackward(encoder, encoder, withTimestamps: false);

        AssertGradients(encoder, _ => false);
    }

    [TestMethod]
    public void ForwardBackward_InScope_LeavesNoLiveTensor()
    {
        using var encoder = NewEncoder(TinyShape);

        AssertNoLeak(encoder, encoder, withTimestamps: false);
    }

    [TestMethod]
    public void ResetParameters_LargeShape_MatchesReferenceStatistics()
    {
        var shape = new EncoderShape(ItemCount: 1000, EmbeddingDimension: 64, NumberOfBlocks: 1, NumberOfHeads: 2,
            MaxSequenceLength: 189);
        using var encoder = NewEncoder(shape);

        // in_proj_weight [3D, D] under xavier_normal_: std √(2 / (64 + 192)) = 0.0884 ...
        double inStd = Math.Sqrt(2.0 / 256);
        Assert.AreEqual(inStd, Std(encoder, "blocks.0.in_proj_weight"), 0.002);
        // ... and normal, not uniform: a uniform with that std stops at √3·std; 8% of normal draws lie beyond.
        Assert.IsGreaterThan(Math.Sqrt(3) * inStd * 1.2, MaxAbs(encoder, "blocks.0.in_proj_weight"));
        // out_proj and the 1×1 convolutions: xavier_normal_ over 64 → 64, std √(2 / 128) = 0.125.
        Assert.AreEqual(0.125, Std(encoder, "blocks.0.out_proj.weight"), 0.005);
        Assert.AreEqual(0.125, Std(encoder, "blocks.0.conv1.weight"), 0.005);
        // MultiheadAttention biases start at 0; Conv1d biases at U(±1/√64).
        Assert.AreEqual(0.0, MaxAbs(encoder, "blocks.0.in_proj_bias"));
        Assert.AreEqual(0.0, MaxAbs(encoder, "blocks.0.out_proj.bias"));
        Assert.IsLessThanOrEqualTo(0.125, MaxAbs(encoder, "blocks.0.conv2.bias"));
        // P keeps its truncated normal std √(1/D) = 0.125, whose sample std is 0.880 × 0.125 = 0.110.
        Assert.AreEqual(0.110, Std(encoder, "input.pos_emb"), 0.004);
    }

    private static SasRecEncoder NewEncoder(EncoderShape shape)
    {
        manual_seed(1);
        var encoder = new SasRecEncoder(shape);
        encoder.eval();
        return encoder;
    }
}
