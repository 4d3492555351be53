namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>The kinds of node attribute a graph uses (<c>AttributeProto.AttributeType</c>).</summary>
internal enum OnnxAttributeKind
{
    Float = 1,
    Int = 2,
    String = 3,
    Floats = 6,
    Ints = 7,
    Strings = 8,
}

/// <summary>One attribute of a node of an <see cref="OnnxModelContext"/>: a name and a value of one <see cref="OnnxAttributeKind"/>.</summary>
internal sealed record OnnxAttribute(string Name, OnnxAttributeKind Kind, float Float = 0, long Int = 0, string? Text = null,
    IReadOnlyList<float>? Floats = null, IReadOnlyList<long>? Ints = null, IReadOnlyList<string>? Texts = null);
