namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>One dimension of a graph input or output: a fixed size, or a named size chosen per call.</summary>
/// <param name="Size">The size, when fixed.</param>
/// <param name="Parameter">The name of a size chosen per call (a <c>dim_param</c>, e.g. "batch"), or null.</param>
internal readonly record struct OnnxDimension(long Size, string? Parameter = null)
{
    /// <summary>A dimension whose size each call chooses.</summary>
    public static OnnxDimension Named(string parameter) => new(0, parameter);
}

/// <summary>A graph input or output: its variable name, element type and shape.</summary>
internal sealed record OnnxValueInfo(string Name, int ElementType, IReadOnlyList<OnnxDimension> Shape);
