using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>A block of a <see cref="StackedEncoder{TBlock}"/>: a module with a chosen number format for its products.</summary>
internal interface IEncoderBlock
{
    /// <summary>Gets or sets the number format of the block's matrix products; parameters and everything else stay float32.</summary>
    /// <value>Float32 (default) or BFloat16; see <see cref="TorchOps"/>.</value>
    ScalarType ComputeType { get; set; }
}
