using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Fused libtorch operations whose TorchSharp bindings need care, and matrix products in a chosen number format.</summary>
/// <remarks>
/// TorchSharp 0.107 has no autocast, so mixed precision is done per product: the operands are cast to the compute type
/// and the result back to the input's type. Autograd differentiates through both casts, so the gradients reach the
/// float32 parameters in float32 (the "master weights"), and everything between products (norms, SiLU, softmax, the
/// loss) stays float32. With a compute type equal to the input's type the product runs unchanged, with no copies.
/// </remarks>
internal static class TorchOps
{
    /// <summary>input + batch1 · batch2 in one kernel (<c>torch.baddbmm</c>), writing the [b, n, m] result once.</summary>
    /// <param name="input">Broadcastable to [b, n, m], e.g. [1, n, m].</param>
    /// <param name="batch1">[b, n, k].</param>
    /// <param name="batch2">[b, k, m].</param>
    /// <param name="computeType">The number format of the product; the result has <paramref name="batch1"/>'s type.</param>
    /// <returns>[b, n, m].</returns>
    /// <remarks>
    /// TorchSharp 0.107's <c>Tensor.baddbmm(batch1, batch2)</c> passes (this, batch1, batch2) to a native function
    /// declared (batch1, batch2, mat), so <c>x.baddbmm(y, z)</c> computes z + x·y. This calls it in the order that
    /// gives input + batch1 · batch2; <c>TorchOpsTests</c> checks the result against the unfused expression, so a fixed
    /// binding fails that test instead of silently changing the model.
    /// </remarks>
    public static Tensor AddBatchMatMul(Tensor input, Tensor batch1, Tensor batch2, ScalarType computeType = ScalarType.Float32)
        => batch1.dtype == computeType
            ? batch1.baddbmm(batch2, input)
            : batch1.to(computeType).baddbmm(batch2.to(computeType), input.to(computeType)).to(batch1.dtype);

    /// <summary>a · b (<c>torch.matmul</c>) computed in <paramref name="computeType"/>.</summary>
    /// <returns>The product, with <paramref name="a"/>'s type.</returns>
    public static Tensor MatMul(Tensor a, Tensor b, ScalarType computeType)
        => a.dtype == computeType ? a.matmul(b) : a.to(computeType).matmul(b.to(computeType)).to(a.dtype);

    /// <summary>x · Wᵀ + bias (<c>torch.nn.functional.linear</c>) computed in <paramref name="computeType"/>.</summary>
    /// <returns>The projection, with <paramref name="x"/>'s type.</returns>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, ScalarType computeType)
        => x.dtype == computeType
            ? TorchSharp.torch.nn.functional.linear(x, weight, bias)
            : TorchSharp.torch.nn.functional.linear(x.to(computeType), weight.to(computeType), bias?.to(computeType)).to(x.dtype);
}
