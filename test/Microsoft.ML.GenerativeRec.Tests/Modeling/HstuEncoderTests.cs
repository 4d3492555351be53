using Microsoft.ML.GenerativeRec.Modeling;
using static Microsoft.ML.GenerativeRec.Tests.Modeling.EncoderProperties;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class HstuEncoderTests
{
    private static readonly long D = TinyShape.EmbeddingDimension;

    [TestMethod]
    public void Encode_LaterItemChanged_EarlierOutputsUnchanged()
    {
        using var encoder = NewEncoder(TinyShape);
        long[] changed = [.. Ids];
        changed[4] = 11;

        var before = Encode(encoder, [Ids], [6], [Timestamps])[0];
        var after = Encode(encoder, [changed], [6], [Timestamps])[0];

        AssertRowsEqual(before, after, rows: 4, D, "rows 0..3");
        AssertRowDiffers(before, after, row: 4, D);
    }

    [TestMethod]
    public void Encode_LaterTimestampChanged_OnlyItsPredecessorAndLaterRowsChange()
    {
        using var encoder = NewEncoder(TinyShape);
        long[] changed = [.. Timestamps];
        changed[5] = 100000;                     // t_5 is the "next" time of row 4 (Δ = t_{i+1} − t_j), a key time of row 5

        var before = Encode(encoder, [Ids], [6], [Timestamps])[0];
        var after = Encode(encoder, [Ids], [6], [changed])[0];

        AssertRowsEqual(before, after, rows: 4, D, "rows 0..3");
        AssertRowDiffers(before, after, row: 4, D);
    }

    [TestMethod]
    public void Encode_LongerPaddingWithGarbage_ValidRowsUnchangedAndPaddingZero()
    {
        using var encoder = NewEncoder(TinyShape);
        long[] shortIds = [3, 5, 7];
        long[] shortTimes = [100, 200, 400, 800];
        // The same user padded to n = 6 beside a full row; position 3 holds a scattered target id and position 4 a
        // stray timestamp: both sit at or after L_b = 3 and must not matter.
        long[] paddedIds = [3, 5, 7, 9, 0, 0];
        long[] paddedTimes = [100, 200, 400, 800, 12345, 0, 0];

        var alone = Encode(encoder, [shortIds], [3], [shortTimes])[0];
        var batched = Encode(encoder, [paddedIds, Ids], [3, 6], [paddedTimes, Timestamps]);

        AssertRowsEqual(alone, batched[0], rows: 3, D, "valid rows");
        CollectionAssert.AreEqual(new float[3 * D], batched[0][(int)(3 * D)..]);
    }

    [TestMethod]
    public void Encode_TimeBiasOff_IgnoresTimestamps()
    {
        using var encoder = NewEncoder(TinyShape with { UseTimeBias = false });
        long[] otherTimes = [1, 2, 3, 4, 5, 6, 7];

        var withoutTimes = Encode(encoder, [Ids], [6], null)[0];
        var withTimes = Encode(encoder, [Ids], [6], [otherTimes])[0];

        AssertRowsEqual(withoutTimes, withTimes, rows: 6, D, "all rows");
    }

    [TestMethod]
    public void Encode_TimeBiasOnWithoutTimestamps_ThrowsNamingTimestamps()
    {
        using var encoder = NewEncoder(TinyShape);
        using var ids = tensor(Ids, 1, 6);
        using var lengths = tensor(new long[] { 6 });

        var error = Assert.ThrowsExactly<ArgumentException>(() => encoder.Encode(ids, lengths, null));

        Assert.AreEqual("timestamps", error.ParamName);
    }

    [TestMethod]
    public void Encode_TimestampsWithoutRequestColumn_ThrowsNamingTimestamps()
    {
        using var encoder = NewEncoder(TinyShape);
        using var ids = tensor(Ids, 1, 6);
        using var lengths = tensor(new long[] { 6 });
        using var timestamps = tensor(Timestamps[..6], 1, 6);      // [B, n], missing the extra request column

        var error = Assert.ThrowsExactly<ArgumentException>(() => encoder.Encode(ids, lengths, timestamps));

        Assert.AreEqual("timestamps", error.ParamName);
    }

    [TestMethod]
    public void Backward_TimeBias_ReachesEveryParameter()
    {
        using var encoder = NewEncoder(TinyShape);

        ForwardBackward(encoder, encoder, withTimestamps: true);

        AssertGradients(encoder, _ => false);
    }

    [TestMethod]
    public void Backward_TimeBiasOff_ReachesEveryParameterButTimeWeights()
    {
        using var encoder = NewEncoder(TinyShape with { UseTimeBias = false });

        ForwardBackward(encoder, encoder, withTimestamps: false);

        AssertGradients(encoder, name => name.EndsWith(".ts_w", StringComparison.Ordinal));
    }

    [TestMethod]
    public void ForwardBackward_InScope_LeavesNoLiveTensor()
    {
        using var encoder = NewEncoder(TinyShape);

        AssertNoLeak(encoder, encoder, withTimestamps: true);
    }

    [TestMethod]
    public void Constructor_Shape_NamesParametersLikeTheReference()
    {
        using var encoder = NewEncoder(TinyShape);

        var names = encoder.named_parameters().Select(p => p.name).ToArray();

        CollectionAssert.AreEqual(new[]
        {
            "input.item_emb", "input.pos_emb",
            "blocks.0.uvqk", "blocks.0.rel_attn_bias.pos_w", "blocks.0.rel_attn_bias.ts_w", "blocks.0.o.weight", "blocks.0.o.bias",
            "blocks.1.uvqk", "blocks.1.rel_attn_bias.pos_w", "blocks.1.rel_attn_bias.ts_w", "blocks.1.o.weight", "blocks.1.o.bias",
        }, names);
    }

    [TestMethod]
    public void ResetParameters_LargeShape_MatchesReferenceStatistics()
    {
        var shape = new EncoderShape(ItemCount: 1000, EmbeddingDimension: 64, NumberOfBlocks: 1, NumberOfHeads: 2,
            MaxSequenceLength: 189);                                                   // N = 200
        using var encoder = NewEncoder(shape);

        // W_uvqk ~ N(0, 0.02): 64 × 256 draws.
        Assert.AreEqual(0.02, Std(encoder, "blocks.0.uvqk"), 0.0005);
        // P: xavier_normal_ std √(2 / (N + D)) = √(2 / 264) = 0.0870.
        Assert.AreEqual(Math.Sqrt(2.0 / 264), Std(encoder, "input.pos_emb"), 0.003);
        // Linear_o: xavier_uniform_ over 64 → 64, bound √(6 / 128) = 0.2165, std bound/√3 = 0.125.
        Assert.IsLessThanOrEqualTo(Math.Sqrt(6.0 / 128), MaxAbs(encoder, "blocks.0.o.weight"));
        Assert.AreEqual(0.125, Std(encoder, "blocks.0.o.weight"), 0.005);
        // Linear_o bias: PyTorch default U(±1/√64).
        Assert.IsLessThanOrEqualTo(0.125, MaxAbs(encoder, "blocks.0.o.bias"));
        // pos_w, 2N − 1 = 399 draws of N(0, 0.02): a loose bound.
        Assert.AreEqual(0.02, Std(encoder, "blocks.0.rel_attn_bias.pos_w"), 0.004);
    }

    private static HstuEncoder NewEncoder(EncoderShape shape)
    {
        manual_seed(1);
        var encoder = new HstuEncoder(shape);
        encoder.eval();
        return encoder;
    }
}
