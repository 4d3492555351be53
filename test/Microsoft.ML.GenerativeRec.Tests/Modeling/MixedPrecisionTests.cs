using Microsoft.ML.GenerativeRec.Modeling;
using static Microsoft.ML.GenerativeRec.Tests.Modeling.EncoderProperties;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

/// <summary>bfloat16 matrix products with float32 master weights (TrainingPrecision.BFloat16), checked on the CPU.</summary>
[TestClass]
public sealed class MixedPrecisionTests
{
    [TestMethod]
    public void MatMul_InBFloat16_ReturnsFloat32NearTheFloat32ProductWithFloat32Gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var a = randn(6, 16).requires_grad_(true);
        var b = randn(16, 5).requires_grad_(true);

        var mixed = TorchOps.MatMul(a, b, ScalarType.BFloat16);
        mixed.sum().backward();
        var exact = a.detach().matmul(b.detach());

        Assert.AreEqual(ScalarType.Float32, mixed.dtype);
        Assert.AreEqual(ScalarType.Float32, a.grad!.dtype, "the gradient lands on the float32 leaf");
        Assert.IsFalse(mixed.detach().eq(exact).all().item<bool>(), "bfloat16 keeps 8 significant bits, so the products must differ a little");
        // Each operand is rounded to 8 bits (relative error ≤ 2⁻⁸), so 16 terms of size ~1 differ by well under 0.25.
        Assert.IsTrue(mixed.detach().allclose(exact, rtol: 0, atol: 0.25), "bfloat16 product far from float32");
        // d(sum)/da = 1 · bᵀ, rounded to bfloat16.
        Assert.IsTrue(a.grad!.allclose(ones(6, 5).matmul(b.detach().t()), rtol: 1e-2, atol: 1e-2));
    }

    [TestMethod]
    public void AddBatchMatMul_InFloat32_IsTheUnchangedKernel()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var input = randn(1, 3, 4);
        var a = randn(2, 3, 5);
        var b = randn(2, 5, 4);

        Assert.IsTrue(TorchOps.AddBatchMatMul(input, a, b, ScalarType.Float32).eq(a.baddbmm(b, input)).all().item<bool>());
    }

    [TestMethod]
    [DataRow("hstu")]
    [DataRow("sasrec")]
    public void Encoder_BFloat16Products_StayCloseToFloat32AndSwitchBackExactly(string kind)
    {
        using var module = NewEncoder(kind);
        var encoder = (ISequenceEncoder)module;
        var reference = Encode(encoder, [Ids], [6], [Timestamps])[0];

        encoder.ComputeType = ScalarType.BFloat16;
        var mixed = Encode(encoder, [Ids], [6], [Timestamps])[0];
        encoder.ComputeType = ScalarType.Float32;
        var again = Encode(encoder, [Ids], [6], [Timestamps])[0];

        CollectionAssert.AreEqual(reference, again, "back in float32 the encoder computes exactly as before");
        double largest = reference.Max(Math.Abs);
        double worst = reference.Zip(mixed, (r, m) => Math.Abs(r - m)).Max();
        Assert.IsGreaterThan(0.0, worst, "the bfloat16 products should change the outputs a little");
        Assert.IsLessThan(0.05 * largest, worst, $"bfloat16 moved an output by {worst} (largest output {largest})");
    }

    [TestMethod]
    [DataRow("hstu")]
    [DataRow("sasrec")]
    public void Encoder_BFloat16Products_GiveEveryFloat32ParameterAFloat32Gradient(string kind)
    {
        using var module = NewEncoder(kind);
        var encoder = (ISequenceEncoder)module;
        encoder.ComputeType = ScalarType.BFloat16;

        ForwardBackward(module, encoder, withTimestamps: kind == "hstu");

        foreach (var (name, parameter) in module.named_parameters())
        {
            Assert.AreEqual(ScalarType.Float32, parameter.dtype, name);
            Assert.AreEqual(ScalarType.Float32, parameter.grad?.dtype, $"{name} gradient");
        }
    }

    [TestMethod]
    public void ComputeType_OtherThanFloat32OrBFloat16_Throws()
    {
        using var module = NewEncoder("hstu");

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ((ISequenceEncoder)module).ComputeType = ScalarType.Float16);
        StringAssert.Contains(error.Message, "Float32 or BFloat16");
    }

    private static TorchSharp.torch.nn.Module NewEncoder(string kind)
    {
        manual_seed(11);
        TorchSharp.torch.nn.Module module = kind == "hstu" ? new HstuEncoder(TinyShape) : new SasRecEncoder(TinyShape);
        module.eval();
        return module;
    }
}
