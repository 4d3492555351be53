namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Builds the encoder of a kind: the one place that maps <see cref="EncoderKind"/> to a module type.</summary>
internal static class EncoderFactory
{
    /// <summary>A new, initialised encoder on the CPU; move it with <c>.to(device)</c>.</summary>
    /// <exception cref="InvalidDataException"><paramref name="kind"/> is not a known encoder (a damaged zip).</exception>
    public static TorchSharp.torch.nn.Module Create(EncoderKind kind, EncoderShape shape) => kind switch
    {
        EncoderKind.Hstu => new HstuEncoder(shape),
        EncoderKind.SasRec => new SasRecEncoder(shape),
        _ => throw new InvalidDataException($"Unknown encoder kind {(byte)kind}."),
    };
}
