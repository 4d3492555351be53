using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Fused libtorch operations whose TorchSharp bindings need care.</summary>
internal static class TorchOps
{
    /// <summary>input + batch1 · batch2 in one kernel (<c>torch.baddbmm</c>), writing the [b, n, m] result once.</summary>
    /// <param name="input">Broadcastable to [b, n, m], e.g. [1, n, m].</param>
    /// <param name="batch1">[b, n, k].</param>
    /// <param name="batch2">[b, k, m].</param>
    /// <returns>[b, n, m].</returns>
    /// <remarks>
    /// TorchSharp 0.107's <c>Tensor.baddbmm(batch1, batch2)</c> passes (this, batch1, batch2) to a native function
    /// declared (batch1, batch2, mat), so <c>x.baddbmm(y, z)</c> computes z + x·y. This calls it in the order that
    /// gives input + batch1 · batch2; <c>TorchOpsTests</c> checks the result against the unfused expression, so a fixed
    /// binding fails that test instead of silently changing the model.
    /// </remarks>
    public static Tensor AddBatchMatMul(Tensor input, Tensor batch1, Tensor batch2) => batch1.baddbmm(batch2, input);
}
