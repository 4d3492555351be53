using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Jagged;

/// <summary>
/// Every row's item indices back to back in one host array (plus optional timestamps), from which a batch is
/// built with one tensor call per field.
/// </summary>
/// <remarks>
/// Row r holds the tokens <c>History + Label</c> as dense item indices, oldest first; the last token is the item
/// to predict. A batch takes each row's last <c>maxSequenceLength + 1</c> tokens: all but the last are the
/// model input, and token i + 1 is the target of input position i (hstu-spec.md §1.4, §5.3). The same batch
/// serves training (every target) and evaluation (the last target only). Timestamps follow the tokens, so
/// the last one is the label's time, the request time that HSTU's time bias reads at index L (§1.5).
/// </remarks>
internal sealed class SequenceArena
{
    private readonly long[] _items;
    private readonly long[]? _times;
    private readonly int[] _offsets;

    /// <param name="items">All rows' tokens back to back, dense item indices (0 = unknown item).</param>
    /// <param name="times">Unix seconds, one per token, or null when the data has no timestamps.</param>
    /// <param name="offsets">[rows + 1] where each row starts in <paramref name="items"/>, then the total.</param>
    public SequenceArena(long[] items, long[]? times, int[] offsets)
    {
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != items.Length)
        {
            throw new ArgumentException($"Offsets must start at 0 and end at the token count {items.Length}.", nameof(offsets));
        }

        if (times is not null && times.Length != items.Length)
        {
            throw new ArgumentException($"There are {times.Length} timestamps for {items.Length} tokens.", nameof(times));
        }

        _items = items;
        _times = times;
        _offsets = offsets;
    }

    public int RowCount => _offsets.Length - 1;

    public bool HasTimestamps => _times is not null;

    public long TokenTotal => _items.Length;

    /// <summary>The same rows without timestamps (shares the item array).</summary>
    public SequenceArena WithoutTimestamps() => _times is null ? this : new SequenceArena(_items, null, _offsets);

    public ReadOnlySpan<long> Tokens(int row) => _items.AsSpan(_offsets[row], _offsets[row + 1] - _offsets[row]);

    /// <summary>The number of input positions of each row in a batch: min(tokens − 1, max length), never negative.</summary>
    public int[] InputLengths(int maxSequenceLength)
        => [.. Enumerable.Range(0, RowCount).Select(r => InputLength(r, maxSequenceLength))];

    /// <summary>Builds the batch of <paramref name="rows"/>, padded to the longest input among them (or to <paramref name="minimumWidth"/>).</summary>
    /// <param name="rows">The rows, in batch order.</param>
    /// <param name="maxSequenceLength">The most recent input positions kept per row.</param>
    /// <param name="device">Where the tensors go.</param>
    /// <param name="minimumWidth">Pads to at least this width: the padded-to-N comparison of the benchmarks; 0 in training.</param>
    public SequenceBatch BuildBatch(IReadOnlyList<int> rows, int maxSequenceLength, Device device, int minimumWidth = 0)
    {
        int batchSize = rows.Count;
        var lengths = new long[batchSize];
        int width = minimumWidth;
        for (int b = 0; b < batchSize; b++)
        {
            lengths[b] = InputLength(rows[b], maxSequenceLength);
            width = Math.Max(width, (int)lengths[b]);
        }

        // The padded fields are written straight into native tensors: managed arrays of this size (hundreds of KB) would
        // land on the large object heap at every step (400 MB of such garbage after 12 epochs once: docs/benchmarks.md,
        // memory history).
        var ids = zeros([batchSize, width], ScalarType.Int64);
        var targets = zeros([batchSize, width], ScalarType.Int64);
        var times = _times is null ? null : zeros([batchSize, width + 1], ScalarType.Int64);
        var idValues = HostValues(ids);
        var targetValues = HostValues(targets);
        Span<long> timeValues = times is null ? default : HostValues(times);
        for (int b = 0; b < batchSize; b++)
        {
            int length = (int)lengths[b];
            int end = _offsets[rows[b] + 1];
            int start = end - length - 1;                 // the window: length inputs + the final target
            if (length == 0)
            {
                continue;
            }

            _items.AsSpan(start, length).CopyTo(idValues.Slice(b * width, length));
            _items.AsSpan(start + 1, length).CopyTo(targetValues.Slice(b * width, length));
            _times?.AsSpan(start, length + 1).CopyTo(timeValues.Slice(b * (width + 1), length + 1));
        }

        return new SequenceBatch(
            OnDevice(ids, device),
            tensor(lengths, [batchSize], device: device),
            OnDevice(targets, device),
            times is null ? null : OnDevice(times, device),
            lengths);
    }

    private int InputLength(int row, int maxSequenceLength)
        => Math.Clamp(_offsets[row + 1] - _offsets[row] - 1, 0, maxSequenceLength);

    // An empty tensor may have no storage to point at; its values are an empty span either way.
    private static Span<long> HostValues(Tensor hostTensor)
        => hostTensor.NumberOfElements == 0 ? Span<long>.Empty : MemoryMarshal.Cast<byte, long>(hostTensor.bytes);

    private static Tensor OnDevice(Tensor hostTensor, Device device)
    {
        if (device.type == TorchSharp.DeviceType.CPU)
        {
            return hostTensor;
        }

        using (hostTensor)
        {
            return hostTensor.to(device);
        }
    }
}
