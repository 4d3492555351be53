using Microsoft.ML.GenerativeRec.Interop;
using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Tests.Interop;

[TestClass]
public sealed class ReferenceStateDictMappingTests
{
    [TestMethod]
    [DataRow((byte)EncoderKind.Hstu)]
    [DataRow((byte)EncoderKind.SasRec)]
    public void ForEncoder_TwoBlocks_CoversEveryTensorOfTheModuleOnce(byte kindCode)
    {
        var kind = (EncoderKind)kindCode;
        var shape = new EncoderShape(ItemCount: 7, EmbeddingDimension: 8, NumberOfBlocks: 2, NumberOfHeads: 2, MaxSequenceLength: 5) { FeedForwardDimension = 12 };
        using var module = EncoderFactory.Create(kind, shape);

        var mapping = ReferenceStateDictMapping.ForEncoder(kind, shape);

        CollectionAssert.AreEquivalent(module.state_dict().Keys.ToArray(), mapping.Tensors.Select(t => t.Key).ToArray());
        Assert.AreEqual(mapping.Tensors.Count, mapping.Tensors.Select(t => t.ReferenceKey).Distinct().Count());
    }

    [TestMethod]
    [DataRow((byte)EncoderKind.Hstu)]
    [DataRow((byte)EncoderKind.SasRec)]
    public void ForEncoder_ReferenceShapes_HoldOurTensorsAfterTheirLayoutChange(byte kindCode)
    {
        var kind = (EncoderKind)kindCode;
        var shape = new EncoderShape(ItemCount: 7, EmbeddingDimension: 8, NumberOfBlocks: 1, NumberOfHeads: 2, MaxSequenceLength: 5)
        {
            FeedForwardDimension = 12, QueryKeyDimension = 3, ValueDimension = 5,
        };
        using var module = EncoderFactory.Create(kind, shape);
        var ours = module.state_dict();

        var mapping = ReferenceStateDictMapping.ForEncoder(kind, shape);

        foreach (var tensor in mapping.Tensors)
        {
            long[] expected = tensor.Layout switch
            {
                ReferenceLayout.TrailingKernel => [.. ours[tensor.Key].shape, 1],
                ReferenceLayout.ItemTable => [-1, ours[tensor.Key].shape[1]],
                _ => ours[tensor.Key].shape,
            };
            CollectionAssert.AreEqual(expected, tensor.ReferenceShape, tensor.ReferenceKey);
        }
    }

    [TestMethod]
    public void ForEncoder_HstuWithoutRelativeBias_OmitsTheBiasTensors()
    {
        var shape = new EncoderShape(ItemCount: 7, EmbeddingDimension: 8, NumberOfBlocks: 1, NumberOfHeads: 1, MaxSequenceLength: 5);

        var mapping = ReferenceStateDictMapping.ForEncoder(EncoderKind.Hstu, shape, relativeBias: false);

        Assert.IsFalse(mapping.ReferenceKeys.Any(k => k.Contains("_rel_attn_bias", StringComparison.Ordinal)));
        Assert.AreEqual(ReferenceStateDictMapping.AttentionMaskKey, mapping.ReferenceKeys.First());
    }
}
