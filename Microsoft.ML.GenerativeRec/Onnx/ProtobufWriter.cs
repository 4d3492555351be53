using System.Buffers.Binary;
using System.Text;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>Writes protocol-buffer messages: the wire format only (varints, fixed 32-bit values, length-delimited fields).</summary>
/// <remarks>
/// Enough of protobuf's encoding (protobuf.dev/programming-guides/encoding) for <see cref="OnnxModelSerializer"/>: a
/// nested message is written to its own buffer first, because its length prefix comes before its bytes.
/// </remarks>
internal sealed class ProtobufWriter
{
    private const int VarintWireType = 0;
    private const int LengthDelimitedWireType = 2;
    private const int Fixed32WireType = 5;

    private readonly MemoryStream _bytes = new();

    /// <summary>Gets the number of bytes written so far.</summary>
    public long Length => _bytes.Length;

    /// <summary>An int32, int64, enum or bool field (negative numbers take ten bytes, as protobuf's int64 does).</summary>
    public void Varint(int field, long value)
    {
        Tag(field, VarintWireType);
        WriteVarint((ulong)value);
    }

    /// <summary>A float field.</summary>
    public void Float(int field, float value)
    {
        Tag(field, Fixed32WireType);
        Span<byte> bytes = stackalloc byte[sizeof(float)];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _bytes.Write(bytes);
    }

    /// <summary>A string field, UTF-8 encoded.</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimitedWireType);
        WriteVarint((ulong)value.Length);
        _bytes.Write(value);
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedVarints(int field, IReadOnlyList<long> values)
    {
        var packed = new ProtobufWriter();
        foreach (long value in values)
        {
            packed.WriteVarint((ulong)value);
        }

        Bytes(field, packed.ToSpan());
    }

    /// <summary>A packed repeated float field.</summary>
    public void PackedFloats(int field, IReadOnlyList<float> values)
    {
        var bytes = new byte[values.Count * sizeof(float)];
        for (int i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        Bytes(field, bytes);
    }

    /// <summary>A nested message field, written by <paramref name="write"/>.</summary>
    public void Message(int field, Action<ProtobufWriter> write)
    {
        var nested = new ProtobufWriter();
        write(nested);
        Bytes(field, nested.ToSpan());
    }

    /// <summary>Copies everything written to <paramref name="stream"/>.</summary>
    public void CopyTo(Stream stream)
    {
        _bytes.Position = 0;
        _bytes.CopyTo(stream);
    }

    private ReadOnlySpan<byte> ToSpan() => _bytes.GetBuffer().AsSpan(0, (int)_bytes.Length);

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.WriteByte((byte)value);
    }
}
