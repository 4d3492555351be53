namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>What every block of one batch shares besides its input: the padding mask, the causal mask and HSTU's index tensors.</summary>
/// <param name="ValidMask">[B, W, 1] float32: 1 where position &lt; L_b.</param>
/// <param name="Causal">[W, W] bool: key j is visible from query i when j ≤ i.</param>
/// <param name="RelativePositions">[W, W] int64 (N − 1) + j − i, the index into HSTU's pos_w; null for SASRec.</param>
/// <param name="TimeBuckets">[B, W, W] int64 time buckets of HSTU with the time bias; else null.</param>
internal sealed record OnnxAttentionMasks(string ValidMask, string Causal, string? RelativePositions, string? TimeBuckets);
