using Microsoft.ML.GenerativeRec.Jagged;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Jagged;

[TestClass]
public sealed class JaggedTensorTests
{
    // Rows of 1-D int64 ids: lengths 3, 0 (empty), 5, 1.
    private static readonly long[][] s_idRows = [[11, 12, 13], [], [21, 22, 23, 24, 25], [31]];

    [TestMethod]
    public void Constructor_ValidOffsets_ExposesBatchShape()
    {
        using var jagged = new JaggedTensor(tensor(new long[] { 1, 2, 3, 4, 5 }), tensor(new long[] { 0, 2, 2, 5 }));

        using var lengths = jagged.Lengths;

        Assert.AreEqual(3L, jagged.BatchSize);
        Assert.AreEqual(5L, jagged.TotalLength);
        Assert.AreEqual(3L, jagged.MaxLength);
        CollectionAssert.AreEqual(new long[] { 2, 0, 3 }, lengths.data<long>().ToArray());
    }

    [TestMethod]
    public void Constructor_LastOffsetNotRowCount_ThrowsArgumentException()
    {
        using var values = tensor(new long[] { 1, 2, 3 });
        using var offsets = tensor(new long[] { 0, 2, 4 });

        var error = Assert.ThrowsExactly<ArgumentException>(() => new JaggedTensor(values, offsets));

        Assert.AreEqual("offsets", error.ParamName);
    }

    [TestMethod]
    public void Constructor_Int32Offsets_ThrowsArgumentException()
    {
        using var values = tensor(new long[] { 1, 2, 3 });
        using var offsets = tensor(new int[] { 0, 3 });

        var error = Assert.ThrowsExactly<ArgumentException>(() => new JaggedTensor(values, offsets));

        Assert.AreEqual("offsets", error.ParamName);
    }

    [TestMethod]
    public void FromLengths_ArrayWithEmptyRow_BuildsCompleteCumsum()
    {
        using var jagged = JaggedTensor.FromLengths(tensor(new long[] { 1, 2, 3, 4, 5 }), new long[] { 2, 0, 3 });

        var offsets = jagged.Offsets.data<long>().ToArray();

        CollectionAssert.AreEqual(new long[] { 0, 2, 2, 5 }, offsets);   // 0, then running sums of 2, 0, 3
    }

    [TestMethod]
    public void FromLengths_Int32Tensor_MatchesArrayOverload()
    {
        using var lengths = tensor(new int[] { 2, 0, 3 });
        using var expected = JaggedTensor.FromLengths(tensor(new long[] { 1, 2, 3, 4, 5 }), new long[] { 2, 0, 3 });

        using var jagged = JaggedTensor.FromLengths(tensor(new long[] { 1, 2, 3, 4, 5 }), lengths);

        Assert.AreEqual(ScalarType.Int64, jagged.Offsets.dtype);
        CollectionAssert.AreEqual(expected.Offsets.data<long>().ToArray(), jagged.Offsets.data<long>().ToArray());
    }

    [TestMethod]
    [DataRow(new long[] { 2, 2 })]       // sums to 4, values has 5 rows
    [DataRow(new long[] { 2, 4 })]       // sums to 6
    [DataRow(new long[] { 6, -1 })]      // sums to 5 but a length is negative
    public void FromLengths_BadArrayLengths_ThrowsArgumentException(long[] lengths)
    {
        using var values = zeros(5, 2);

        var error = Assert.ThrowsExactly<ArgumentException>(() => JaggedTensor.FromLengths(values, lengths));

        Assert.AreEqual("lengths", error.ParamName);
    }

    [TestMethod]
    [DataRow(new long[] { 2, 2 })]       // sums to 4, values has 5 rows
    [DataRow(new long[] { 6, -1 })]      // sums to 5 but a length is negative
    public void FromLengths_BadTensorLengths_ThrowsArgumentException(long[] lengths)
    {
        using var values = zeros(5, 2);
        using var lengthsTensor = tensor(lengths);

        var error = Assert.ThrowsExactly<ArgumentException>(() => JaggedTensor.FromLengths(values, lengthsTensor));

        Assert.AreEqual("lengths", error.ParamName);
    }

    [TestMethod]
    [DataRow(5)]    // N = max length: no truncation
    [DataRow(7)]    // N > max length: more padding
    [DataRow(2)]    // rows of 3 and 5 truncated
    [DataRow(0)]    // nothing kept
    public void ToPaddedDense_Int64Ids_MatchesReference(int maxLength)
    {
        using var jagged = CreateJagged(Widen(s_idRows), width: 0, ScalarType.Int64);

        using var dense = jagged.ToPaddedDense(maxLength);

        Assert.AreEqual(ScalarType.Int64, dense.dtype);
        CollectionAssert.AreEqual(new long[] { 4, maxLength }, dense.shape);
        CollectionAssert.AreEqual(PadReference(Widen(s_idRows), 1, maxLength, 0), ReadDoubles(dense));
    }

    [TestMethod]
    public void ToPaddedDense_RowLongerThanMaxLength_KeepsMostRecentItems()
    {
        using var jagged = JaggedTensor.FromLengths(tensor(new long[] { 1, 2, 3, 4, 5, 6, 7 }), new long[] { 5, 2 });

        using var dense = jagged.ToPaddedDense(3);

        CollectionAssert.AreEqual(new long[] { 3, 4, 5, 6, 7, 0 }, dense.data<long>().ToArray());  // last 3 of row 0
    }

    [TestMethod]
    public void ToPaddedDense_TrailingDimension_MatchesReference()
    {
        // Items are [10·b + i, -(10·b + i)] for row b, item i; lengths 2, 0, 4.
        double[][] rows = [[0, 0, 1, -1], [], [20, -20, 21, -21, 22, -22, 23, -23]];
        using var jagged = CreateJagged(rows, width: 2, ScalarType.Float32);

        using var dense = jagged.ToPaddedDense(3, paddingValue: -1);

        CollectionAssert.AreEqual(new long[] { 3, 3, 2 }, dense.shape);
        CollectionAssert.AreEqual(PadReference(rows, 2, 3, -1), ReadDoubles(dense));
    }

    [TestMethod]
    public void ToPaddedDense_SingleRow_MatchesReference()
    {
        double[][] rows = [[7, 8, 9]];
        using var jagged = CreateJagged(rows, width: 0, ScalarType.Int64);

        using var dense = jagged.ToPaddedDense(4);

        CollectionAssert.AreEqual(new double[] { 7, 8, 9, 0 }, ReadDoubles(dense));
    }

    [TestMethod]
    public void ToPaddedDense_AllRowsEmpty_ReturnsOnlyPadding()
    {
        using var jagged = JaggedTensor.FromLengths(zeros(0, 2), new long[] { 0, 0 });

        using var dense = jagged.ToPaddedDense(2, paddingValue: 5);

        CollectionAssert.AreEqual(Enumerable.Repeat(5.0, 8).ToArray(), ReadDoubles(dense));   // [2, 2, 2] of 5
    }

    [TestMethod]
    public void ToPaddedDense_NegativeMaxLength_ThrowsArgumentOutOfRange()
    {
        using var jagged = CreateJagged(Widen(s_idRows), width: 0, ScalarType.Int64);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => jagged.ToPaddedDense(-1));

        Assert.AreEqual("maxLength", error.ParamName);
    }

    [TestMethod]
    public void ToPaddedDense_RandomBatches_MatchReference()
    {
        var random = new Random(1);
        for (int trial = 0; trial < 20; trial++)
        {
            var rows = RandomRows(random, batchSize: random.Next(1, 9), width: 3);
            int maxLength = random.Next(0, 12);
            using var jagged = CreateJagged(rows, width: 3, ScalarType.Float64);
            if (trial % 2 == 0)
                Assert.AreEqual(rows.Max(r => r.Length / 3), jagged.MaxLength);   // cached: may size the output early

            using var dense = jagged.ToPaddedDense(maxLength, paddingValue: -7);

            CollectionAssert.AreEqual(PadReference(rows, 3, maxLength, -7), ReadDoubles(dense), $"trial {trial}");
        }
    }

    [TestMethod]
    public void FromPaddedDense_TrailingDimension_KeepsFirstLengthItems()
    {
        // dense[b, n] = [100·b + n, 100·b + n + 0.5], shape [3, 3, 2].
        var data = Enumerable.Range(0, 9).SelectMany(i => new float[] { 100 * (i / 3) + i % 3, 100 * (i / 3) + i % 3 + 0.5f });
        using var dense = tensor(data.ToArray(), 3, 3, 2);
        using var lengths = tensor(new long[] { 2, 0, 3 });

        using var jagged = JaggedTensor.FromPaddedDense(dense, lengths);

        CollectionAssert.AreEqual(new long[] { 5, 2 }, jagged.Values.shape);
        CollectionAssert.AreEqual(new long[] { 0, 2, 2, 5 }, jagged.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(
            new float[] { 0, 0.5f, 1, 1.5f, 200, 200.5f, 201, 201.5f, 202, 202.5f }, jagged.Values.data<float>().ToArray());
    }

    [TestMethod]
    [DataRow(new long[] { 1, 4 })]       // 4 > N = 3
    [DataRow(new long[] { -1, 2 })]      // negative
    [DataRow(new long[] { 1, 1, 1 })]    // 3 lengths for 2 rows
    public void FromPaddedDense_BadLengths_ThrowsArgumentException(long[] lengths)
    {
        using var dense = zeros(2, 3);
        using var lengthsTensor = tensor(lengths);

        var error = Assert.ThrowsExactly<ArgumentException>(() => JaggedTensor.FromPaddedDense(dense, lengthsTensor));

        Assert.AreEqual("lengths", error.ParamName);
    }

    [TestMethod]
    [DataRow(0)]    // 1-D int64 ids
    [DataRow(3)]    // [T, 3] float32
    public void FromPaddedDense_OfToPaddedDense_RoundTrips(int width)
    {
        var rows = RandomRows(new Random(2), batchSize: 6, width: Math.Max(width, 1));
        using var jagged = CreateJagged(rows, width, width == 0 ? ScalarType.Int64 : ScalarType.Float32);
        using var dense = jagged.ToPaddedDense(jagged.MaxLength);
        using var lengths = jagged.Lengths;

        using var roundTrip = JaggedTensor.FromPaddedDense(dense, lengths);

        CollectionAssert.AreEqual(jagged.Offsets.data<long>().ToArray(), roundTrip.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(jagged.Values.shape, roundTrip.Values.shape);
        CollectionAssert.AreEqual(ReadDoubles(jagged.Values), ReadDoubles(roundTrip.Values));
    }

    [TestMethod]
    public void ConcatRows_EmptyRowsOnEitherSide_MatchesReference()
    {
        double[][] left = [[1, -1], [], [3, -3, 4, -4], []];
        double[][] right = [[], [10, -10], [30, -30], []];
        using var leftJagged = CreateJagged(left, width: 2, ScalarType.Float32);
        using var rightJagged = CreateJagged(right, width: 2, ScalarType.Float32);

        using var concatenated = JaggedTensor.ConcatRows(leftJagged, rightJagged);

        double[][] expected = [.. left.Zip(right, (l, r) => l.Concat(r).ToArray())];
        CollectionAssert.AreEqual(new long[] { 0, 1, 2, 5, 5 }, concatenated.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(expected.SelectMany(r => r).ToArray(), ReadDoubles(concatenated.Values));
    }

    [TestMethod]
    public void ConcatRows_ThenSplitRows_GivesBackInputs()
    {
        var random = new Random(3);
        var left = RandomRows(random, batchSize: 7, width: 1);
        var right = RandomRows(random, batchSize: 7, width: 1);
        using var leftJagged = CreateJagged(left, width: 0, ScalarType.Int64);
        using var rightJagged = CreateJagged(right, width: 0, ScalarType.Int64);
        using var concatenated = JaggedTensor.ConcatRows(leftJagged, rightJagged);
        using var leftLengths = leftJagged.Lengths;

        var (first, second) = concatenated.SplitRows(leftLengths);
        using var firstScope = first;
        using var secondScope = second;

        CollectionAssert.AreEqual(leftJagged.Offsets.data<long>().ToArray(), first.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(leftJagged.Values.data<long>().ToArray(), first.Values.data<long>().ToArray());
        CollectionAssert.AreEqual(rightJagged.Offsets.data<long>().ToArray(), second.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(rightJagged.Values.data<long>().ToArray(), second.Values.data<long>().ToArray());
    }

    [TestMethod]
    public void ConcatRows_DifferentBatchSizes_ThrowsArgumentException()
    {
        using var left = JaggedTensor.FromLengths(zeros(3, 2), new long[] { 1, 2 });
        using var right = JaggedTensor.FromLengths(zeros(3, 2), new long[] { 3 });

        var error = Assert.ThrowsExactly<ArgumentException>(() => JaggedTensor.ConcatRows(left, right));

        Assert.AreEqual("right", error.ParamName);
    }

    [TestMethod]
    public void ConcatRows_DifferentTrailingShapes_ThrowsArgumentException()
    {
        using var left = JaggedTensor.FromLengths(zeros(3, 2), new long[] { 1, 2 });
        using var right = JaggedTensor.FromLengths(zeros(3, 4), new long[] { 1, 2 });

        var error = Assert.ThrowsExactly<ArgumentException>(() => JaggedTensor.ConcatRows(left, right));

        Assert.AreEqual("right", error.ParamName);
    }

    [TestMethod]
    public void SplitRows_Int64Ids_MatchesReference()
    {
        using var jagged = CreateJagged(Widen(s_idRows), width: 0, ScalarType.Int64);
        using var firstLengths = tensor(new long[] { 1, 0, 5, 0 });   // lengths are 3, 0, 5, 1

        var (first, second) = jagged.SplitRows(firstLengths);
        using var firstScope = first;
        using var secondScope = second;

        CollectionAssert.AreEqual(new long[] { 0, 1, 1, 6, 6 }, first.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 11, 21, 22, 23, 24, 25 }, first.Values.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 2, 2, 2, 3 }, second.Offsets.data<long>().ToArray());
        CollectionAssert.AreEqual(new long[] { 12, 13, 31 }, second.Values.data<long>().ToArray());
    }

    [TestMethod]
    [DataRow(new long[] { 4, 0, 0, 0 })]    // row 0 has 3 items
    [DataRow(new long[] { 0, 0, -1, 0 })]   // negative
    [DataRow(new long[] { 0, 0 })]          // 2 lengths for 4 rows
    public void SplitRows_BadFirstLengths_ThrowsArgumentException(long[] firstLengths)
    {
        using var jagged = CreateJagged(Widen(s_idRows), width: 0, ScalarType.Int64);
        using var lengths = tensor(firstLengths);

        var error = Assert.ThrowsExactly<ArgumentException>(() => jagged.SplitRows(lengths));

        Assert.AreEqual("firstLengths", error.ParamName);
    }

    [TestMethod]
    public void ToPaddedDense_RepeatedInDisposeScope_KeepsLiveTensorCount()
    {
        using var jagged = CreateJagged(RandomRows(new Random(4), batchSize: 8, width: 4), width: 4, ScalarType.Float32);
        using (NewDisposeScope())
        {
            jagged.ToPaddedDense(5);                     // warm-up: lazy natives are not leaks
        }
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 10; i++)
        {
            using var scope = NewDisposeScope();
            jagged.ToPaddedDense(5);
            JaggedTensor.FromPaddedDense(jagged.ToPaddedDense(3), jagged.Lengths.clamp_max(3));
        }

        Assert.AreEqual(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [TestMethod]
    public void AllOperations_ResultsDisposedWithoutScope_KeepLiveTensorCount()
    {
        using var jagged = CreateJagged(RandomRows(new Random(5), batchSize: 8, width: 4), width: 4, ScalarType.Float32);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var dense = jagged.ToPaddedDense(jagged.MaxLength))
        using (var lengths = jagged.Lengths)
        using (var fromDense = JaggedTensor.FromPaddedDense(dense, lengths))
        using (var concatenated = JaggedTensor.ConcatRows(jagged, fromDense))
        {
            var (first, second) = concatenated.SplitRows(lengths);
            first.Dispose();
            second.Dispose();
        }

        Assert.AreEqual(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [TestMethod]
    public void Dispose_ThenValues_ThrowsObjectDisposed()
    {
        var jagged = JaggedTensor.FromLengths(zeros(2), new long[] { 2 });

        jagged.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => jagged.Values);
    }

    private static JaggedTensor CreateJagged(double[][] rows, int width, ScalarType dtype)
    {
        long[] lengths = [.. rows.Select(r => (long)(r.Length / Math.Max(width, 1)))];
        long[] shape = width == 0 ? [lengths.Sum()] : [lengths.Sum(), width];
        var values = tensor(rows.SelectMany(r => r).ToArray(), shape).to(dtype, disposeAfter: true);
        return JaggedTensor.FromLengths(values, lengths);
    }

    // Naive jagged_to_padded_dense on flattened rows of `width` numbers per item: row b keeps its last N items.
    private static double[] PadReference(double[][] rows, int width, int maxLength, double padding)
    {
        var dense = Enumerable.Repeat(padding, rows.Length * maxLength * width).ToArray();
        for (int b = 0; b < rows.Length; b++)
        {
            int length = rows[b].Length / width;
            int kept = Math.Min(length, maxLength);
            Array.Copy(rows[b], (length - kept) * width, dense, b * maxLength * width, kept * width);
        }
        return dense;
    }

    // Rows of 0 to 10 items, a quarter of them empty, each item `width` distinct integers.
    private static double[][] RandomRows(Random random, int batchSize, int width)
    {
        var rows = new double[batchSize][];
        for (int b = 0; b < batchSize; b++)
        {
            int length = random.Next(4) == 0 ? 0 : random.Next(1, 11);
            rows[b] = [.. Enumerable.Range(0, length * width).Select(i => (double)(1000 * b + i + 1))];
        }
        return rows;
    }

    private static double[][] Widen(long[][] rows) => [.. rows.Select(r => r.Select(x => (double)x).ToArray())];

    // TensorAccessor.ToArray() throws ArgumentOutOfRangeException on an empty tensor (TorchSharp 0.107).
    private static double[] ReadDoubles(Tensor t)
    {
        if (t.numel() == 0)
            return [];
        using var asDouble = t.to(ScalarType.Float64);
        return asDouble.data<double>().ToArray();
    }
}
