using Microsoft.ML.GenerativeRec.Jagged;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Jagged;

[TestClass]
public sealed class SequenceArenaTests
{
    // Three rows of tokens (history + label): 4 tokens, 1 token (no input), 6 tokens; times are token × 10.
    private static readonly long[] s_items = [1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16];
    private static readonly int[] s_offsets = [0, 4, 5, 11];

    private static SequenceArena CreateArena(bool withTimes)
        => new(s_items, withTimes ? Array.ConvertAll(s_items, item => item * 10) : null, s_offsets);

    [TestMethod]
    public void BuildBatch_RowsInGivenOrder_PadsInputsAndShiftsTargetsByOne()
    {
        using var batch = CreateArena(withTimes: true).BuildBatch([2, 1, 0], maxSequenceLength: 4, CPU);

        // Row 2 keeps its last 4 inputs (12..15) and their next items; row 1 has no input; row 0 has 3.
        CollectionAssert.AreEqual(new long[] { 4, 0, 3 }, batch.HostLengths);
        CollectionAssert.AreEqual(new long[] { 4, 0, 3 }, batch.Lengths.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 4 }, batch.Ids.shape);
        CollectionAssert.AreEqual(new long[] { 12, 13, 14, 15, 0, 0, 0, 0, 1, 2, 3, 0 }, batch.Ids.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 13, 14, 15, 16, 0, 0, 0, 0, 2, 3, 4, 0 }, batch.Targets.data<long>().ToArray());
        CollectionAssert.AreEqual(
            new long[] { 120, 130, 140, 150, 160, 0, 0, 0, 0, 0, 10, 20, 30, 40, 0 },
            batch.Timestamps!.data<long>().ToArray());
        Assert.AreEqual(7L, batch.TokenCount);
    }

    [TestMethod]
    public void BuildBatch_MinimumWidth_PadsToThatWidthWithZeros()
    {
        using var batch = CreateArena(withTimes: false).BuildBatch([0], maxSequenceLength: 10, CPU, minimumWidth: 5);

        Assert.IsNull(batch.Timestamps);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 0, 0 }, batch.Ids.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4, 0, 0 }, batch.Targets.data<long>().ToArray());
    }

    [TestMethod]
    public void BuildBatch_OnlyRowsWithoutInput_GivesZeroWidthTensors()
    {
        using var batch = CreateArena(withTimes: true).BuildBatch([1, 1], maxSequenceLength: 4, CPU);

        CollectionAssert.AreEqual(new long[] { 2, 0 }, batch.Ids.shape);
        CollectionAssert.AreEqual(new long[] { 2, 1 }, batch.Timestamps!.shape);
        Assert.AreEqual(0L, batch.TokenCount);
    }

    [TestMethod]
    public void BuildBatch_LargeBatch_AllocatesNoManagedArraysOfBatchSize()
    {
        // 128 rows of 201 tokens: each padded field is 128 × 200 int64 = 200 KB. Built in managed arrays, they went to
        // the large object heap at every step and piled up there during training (docs/benchmarks.md, memory history).
        const int rows = 128, tokens = 201;
        var items = new long[rows * tokens];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = 1 + i % 1000;
        }

        var offsets = Enumerable.Range(0, rows + 1).Select(r => r * tokens).ToArray();
        var arena = new SequenceArena(items, items, offsets);
        var batchRows = Enumerable.Range(0, rows).ToArray();
        arena.BuildBatch(batchRows, tokens - 1, CPU).Dispose();          // warm-up: JIT and TorchSharp's first calls

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var batch = arena.BuildBatch(batchRows, tokens - 1, CPU);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(rows * (tokens - 1L), batch.TokenCount);
        Assert.IsLessThan(64 * 1024L, allocated, $"BuildBatch allocated {allocated:N0} managed bytes.");
    }
}
