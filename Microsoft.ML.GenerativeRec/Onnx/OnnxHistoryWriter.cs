namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>
/// Turns raw history rows into the encoder's batch in ONNX operators: unknown items skipped, the last MaxSequenceLength
/// known items kept, right-padded, with their times and the request time, exactly as <c>BatchRecommender</c> builds its
/// arena and <c>SequenceArena.BuildBatch</c> its batch.
/// </summary>
/// <remarks>
/// <para>
/// A row's known items keep their order. Item j with known-rank r_j (1-based, a cumulative sum) among the row's c
/// known items goes to position r_j − 1 − (c − L), where L = min(c, MaxSequenceLength); unknown items and the c − L
/// oldest known ones go to a spare column W, which is cut off. One ScatterElements moves the ids and one the times,
/// so rows of any length share one batch: padding a row with ids the model does not know is the same as not sending them.
/// </para>
/// <para>
/// The width W is min(n, MaxSequenceLength) but at least 1, so a batch of empty histories still runs; those rows have
/// L = 0 and get the popularity fallback.
/// </para>
/// </remarks>
internal sealed class OnnxHistoryWriter(OnnxGraph graph, long maxSequenceLength)
{
    /// <summary>Writes the batch.</summary>
    /// <param name="indices">[B, n] int64 item indices, 0 for unknown ids.</param>
    /// <param name="historyTimestamps">[B, n] int64 seconds of each history item, or null for a model without times.</param>
    /// <param name="requestTime">[B, 1] int64 request time, or null for a model without times.</param>
    public OnnxHistory Write(string indices, string? historyTimestamps, string? requestTime)
    {
        var g = graph;
        var shape = g.Shape(indices);                                                        // [2] int64: B, n
        var batchSize = g.Gather(shape, g.Int64s(0));                                        // [1] int64
        var inputLength = g.Gather(shape, g.Scalar(1L));                                     // [] int64
        var width = g.Max(g.Min(inputLength, g.Scalar(maxSequenceLength)), g.Scalar(1L));   // [] int64 W
        var widthVector = g.Unsqueeze(width, 0);                                             // [1] int64

        var known = g.Greater(indices, g.Scalar(0L));                                        // [B, n] bool
        var knownCount = g.Cast(known, typeof(long));                                        // [B, n] int64
        var count = g.ReduceSum(knownCount, 1, keepDims: true);                              // [B, 1] int64 c
        var lengths = g.Min(count, g.Scalar(maxSequenceLength));                            // [B, 1] int64 L
        var dropped = g.Sub(count, lengths);                                                 // [B, 1] int64 c − L
        var rank = g.CumSum(knownCount, 1);                                                  // [B, n] int64, 1-based among known
        var kept = g.And(known, g.Greater(rank, dropped));                                   // [B, n] bool
        var target = g.Where(kept, g.Sub(g.Sub(rank, g.Scalar(1L)), dropped), width);       // [B, n] int64, W = spare column

        var bufferShape = g.Concat(0, batchSize, g.Add(widthVector, g.Int64s(1)));          // [2] int64: B, W + 1
        var zeros = g.Cast(g.Zeros(bufferShape), typeof(long));                              // [B, W + 1] int64
        var ids = g.Slice(g.ScatterElements(zeros, target, indices, axis: 1), g.Int64s(0), widthVector, axis: 1);  // [B, W] int64

        var positions = g.Range(g.Scalar(0L), width);                                        // [W] int64
        var rowPositions = g.Unsqueeze(positions, 0);                                        // [1, W] int64
        var validMask = g.Unsqueeze(g.Cast(g.Less(rowPositions, lengths), typeof(float)), 2);  // [B, W, 1]
        var last = g.Max(g.Sub(lengths, g.Scalar(1L)), g.Scalar(0L));                        // [B, 1] int64
        var lastPosition = g.Unsqueeze(g.Cast(g.Equal(rowPositions, last), typeof(float)), 2);  // [B, W, 1]
        var hasKnownItem = g.Greater(count, g.Scalar(0L));                                   // [B, 1] bool

        string? timestamps = null;
        if (historyTimestamps is not null && requestTime is not null)
        {
            // The kept items' times, then the request time at column L: the layout of SequenceBatch.Timestamps. Column W
            // may keep a skipped item's time when L < W; no valid position reads it.
            var times = g.ScatterElements(zeros, target, historyTimestamps, axis: 1);       // [B, W + 1] int64
            timestamps = g.ScatterElements(times, lengths, requestTime, axis: 1);            // [B, W + 1] int64
        }

        return new OnnxHistory(ids, lengths, width, widthVector, positions, validMask, lastPosition, hasKnownItem, timestamps);
    }
}
