using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>A block whose matrix products can run in a narrower number format than its float32 parameters.</summary>
internal interface IMixedPrecisionBlock
{
    /// <summary>Gets or sets the number format of the block's matrix products; parameters and everything else stay float32.</summary>
    /// <value>Float32 (default) or BFloat16; see <see cref="TorchOps"/>.</value>
    ScalarType ComputeType { get; set; }
}

/// <summary>Sets an encoder's compute type on all its blocks at once.</summary>
internal static class MixedPrecision
{
    /// <summary>Checks <paramref name="computeType"/> and gives it to every block.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="computeType"/> is neither Float32 nor BFloat16.</exception>
    public static void Apply(IEnumerable<IMixedPrecisionBlock> blocks, ScalarType computeType)
    {
        if (computeType is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(computeType), computeType, "Must be Float32 or BFloat16.");
        foreach (var block in blocks)
            block.ComputeType = computeType;
    }
}
