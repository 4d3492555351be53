using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>Copies a model's float32 weights into a graph as constants.</summary>
internal static class OnnxWeights
{
    /// <summary>Adds <paramref name="tensor"/> as a constant of the same shape.</summary>
    /// <returns>The constant's variable.</returns>
    public static string Add(OnnxGraph graph, string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var host = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous();
        return graph.Floats(name, host.data<float>().ToArray(), host.shape);
    }

    /// <summary>Adds the [out, in] weight of a linear layer transposed, [in, out], so that x · Wᵀ is one MatMul.</summary>
    public static string AddTransposed(OnnxGraph graph, string name, Tensor weight)
    {
        using var scope = NewDisposeScope();
        return Add(graph, name, weight.t());
    }
}
