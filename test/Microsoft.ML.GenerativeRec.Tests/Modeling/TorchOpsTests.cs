using Microsoft.ML.GenerativeRec.Modeling;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

[TestClass]
public sealed class TorchOpsTests
{
    [TestMethod]
    public void AddBatchMatMul_EqualsInputPlusBmm_WithBroadcastInputAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var input = randn(1, 3, 4).requires_grad_(true);       // broadcast over the batch of 2
        var a = randn(2, 3, 5).requires_grad_(true);
        var b = randn(2, 5, 4).requires_grad_(true);
        var probe = randn(2, 3, 4);

        var fused = TorchOps.AddBatchMatMul(input, a, b);
        fused.mul(probe).sum().backward();
        var grads = new[] { input.grad!.clone(), a.grad!.clone(), b.grad!.clone() };
        foreach (var t in new[] { input, a, b })
            t.grad!.zero_();
        var plain = input + a.bmm(b);
        plain.mul(probe).sum().backward();

        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, fused.shape);
        Assert.IsTrue(fused.allclose(plain, rtol: 1e-5, atol: 1e-6));
        Assert.IsTrue(grads[0].allclose(input.grad!, rtol: 1e-5, atol: 1e-6), "input gradient (summed over the broadcast batch)");
        Assert.IsTrue(grads[1].allclose(a.grad!, rtol: 1e-5, atol: 1e-6));
        Assert.IsTrue(grads[2].allclose(b.grad!, rtol: 1e-5, atol: 1e-6));
    }
}
