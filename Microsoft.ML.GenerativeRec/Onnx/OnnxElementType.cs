namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>The ONNX tensor element types (<c>TensorProto.DataType</c>) of the .NET value types a graph carries.</summary>
internal static class OnnxElementType
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int UInt16 = 4;
    public const int Int16 = 5;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int String = 8;
    public const int Bool = 9;
    public const int Double = 11;
    public const int UInt32 = 12;
    public const int UInt64 = 13;

    /// <summary>The element type of values of <paramref name="rawType"/>, as ML.NET's converter maps them (text is a string tensor).</summary>
    /// <exception cref="NotSupportedException">ONNX has no tensor of <paramref name="rawType"/> (for example DateTime).</exception>
    public static int Of(Type rawType)
        => rawType == typeof(float) ? Float
            : rawType == typeof(byte) ? UInt8
            : rawType == typeof(sbyte) ? Int8
            : rawType == typeof(ushort) ? UInt16
            : rawType == typeof(short) ? Int16
            : rawType == typeof(int) ? Int32
            : rawType == typeof(long) ? Int64
            : rawType == typeof(ReadOnlyMemory<char>) || rawType == typeof(string) ? String
            : rawType == typeof(bool) ? Bool
            : rawType == typeof(double) ? Double
            : rawType == typeof(uint) ? UInt32
            : rawType == typeof(ulong) ? UInt64
            : throw new NotSupportedException($"ONNX has no tensor of {rawType.Name} values.");

    /// <summary>The size in bytes of one element of <paramref name="elementType"/>; strings have none.</summary>
    public static int SizeOf(int elementType) => elementType switch
    {
        UInt8 or Int8 or Bool => 1,
        UInt16 or Int16 => 2,
        Float or Int32 or UInt32 => 4,
        Int64 or Double or UInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Not a fixed-size ONNX element type."),
    };
}
