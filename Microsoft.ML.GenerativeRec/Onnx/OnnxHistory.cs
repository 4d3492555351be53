namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>A batch of histories as the encoder reads them, in graph variables; written by <see cref="OnnxHistoryWriter"/>.</summary>
/// <param name="Ids">[B, W] int64: each row's last known items (at most MaxSequenceLength), oldest first, right-padded with 0.</param>
/// <param name="Lengths">[B, 1] int64 L_b, the number of those items.</param>
/// <param name="Width">[] int64 W = max(min(n, MaxSequenceLength), 1), the padded width.</param>
/// <param name="WidthVector">[1] int64 W, for shapes and slices.</param>
/// <param name="Positions">[W] int64 0, 1, ..., W − 1.</param>
/// <param name="ValidMask">[B, W, 1] float32: 1 where position &lt; L_b.</param>
/// <param name="LastPosition">[B, W, 1] float32: 1 at position L_b − 1 (at 0 when L_b = 0), else 0.</param>
/// <param name="HasKnownItem">[B, 1] bool: L_b &gt; 0, the rows the encoder serves (the others get the popularity fallback).</param>
/// <param name="Timestamps">[B, W + 1] int64 seconds of the kept items with the request time at column L_b; null for a model without times.</param>
internal sealed record OnnxHistory(string Ids, string Lengths, string Width, string WidthVector, string Positions, string ValidMask,
    string LastPosition, string HasKnownItem, string? Timestamps);
