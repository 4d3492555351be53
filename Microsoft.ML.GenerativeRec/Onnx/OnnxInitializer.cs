namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>A constant tensor of an <see cref="OnnxModelContext"/>: fixed-size values as little-endian bytes, or strings.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="ElementType">An <see cref="OnnxElementType"/> code.</param>
/// <param name="Dims">The shape; empty for a scalar.</param>
/// <param name="RawData">The values of a fixed-size type, row-major, little-endian; null for strings.</param>
/// <param name="Strings">The values of a string tensor; null otherwise.</param>
internal sealed record OnnxInitializer(string Name, int ElementType, IReadOnlyList<long> Dims, byte[]? RawData, IReadOnlyList<string>? Strings);
