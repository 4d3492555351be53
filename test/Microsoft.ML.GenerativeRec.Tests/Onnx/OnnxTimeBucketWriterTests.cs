using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Onnx;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Onnx;

[TestClass]
public sealed class OnnxTimeBucketWriterTests
{
    public TestContext TestContext { get; set; } = null!;

    // log, floor and clamp in ONNX Runtime put every gap in TorchSharp's bucket except where the two float32 logarithms
    // round differently right at a bucket boundary e^(0.301·b): the graph's ln is correctly rounded (computed in double),
    // libtorch's vectorised logf is within one ulp. Those gaps land one bucket apart; they are few and all at boundaries.
    [TestMethod]
    public void Bucketize_GapsAroundEveryBucketBoundary_MatchTorchSharpExceptOneUlpTiesAtABoundary()
    {
        long[] deltas = [.. Gaps()];
        long[] expected;
        using (var scope = NewDisposeScope())
        {
            expected = RelativeAttentionBias.Bucketize(tensor(deltas)).data<long>().ToArray();
        }

        long[] actual = RunBucketGraph(deltas);

        var mismatches = Enumerable.Range(0, deltas.Length).Where(i => expected[i] != actual[i]).ToList();
        TestContext.WriteLine($"{mismatches.Count} of {deltas.Length} gaps in another bucket: " +
            string.Join(", ", mismatches.Take(12).Select(i => $"Δ={deltas[i]} ({expected[i]} vs {actual[i]})")));
        Assert.IsTrue(mismatches.All(i => Math.Abs(expected[i] - actual[i]) == 1), "one bucket apart at most");
        Assert.IsTrue(mismatches.All(i => AtABoundary(deltas[i])), "only gaps whose ln(|Δ|) / 0.301 is a whole number to float32 precision");
        Assert.IsLessThanOrEqualTo(100, mismatches.Count, "a handful of boundary gaps");
        Assert.IsTrue(mismatches.All(i => Math.Abs((double)deltas[i]) > 1 << 20), "every gap up to 2^20 s (12 days) lands in the same bucket");
        Assert.AreEqual(RelativeAttentionBias.NumberOfBuckets, expected.Max(), "the gaps reach the clamp at 128");
        Assert.IsGreaterThan(120, expected.Distinct().Count(), "the gaps cover nearly every bucket (bucket 1 holds no whole second)");
    }

    // ln(|Δ|) / 0.301 within 1e-5 of an integer: there a one-ulp difference in float32 ln decides the bucket.
    private static bool AtABoundary(long delta)
    {
        double ratio = Math.Log((float)Math.Max(Math.Abs((double)delta), 1)) / RelativeAttentionBias.TimeBucketLogDivisor;
        return Math.Abs(ratio - Math.Round(ratio)) < 1e-5;
    }

    // Every gap up to 2^20 s (12 days), ±4096 s around each boundary, their negatives, and the int64 extremes.
    private static IEnumerable<long> Gaps()
    {
        for (long delta = 0; delta <= 1 << 20; delta++)
        {
            yield return delta;
        }

        for (int bucket = 1; bucket <= RelativeAttentionBias.NumberOfBuckets + 16; bucket++)
        {
            double boundary = Math.Exp(RelativeAttentionBias.TimeBucketLogDivisor * bucket);
            if (boundary > 9e18)
            {
                break;
            }

            long centre = (long)boundary;
            for (long offset = -4096; offset <= 4096; offset++)
            {
                yield return centre + offset;
                yield return -(centre + offset);
            }
        }

        yield return long.MaxValue;
        yield return long.MinValue;
        yield return long.MinValue + 1;
    }

    private static long[] RunBucketGraph(long[] deltas)
    {
        var context = new OnnxModelContext();
        OnnxDimension[] shape = [OnnxDimension.Named("n")];
        string input = context.AddInput("Delta", OnnxElementType.Int64, shape);
        string buckets = new OnnxTimeBucketWriter(new OnnxGraph(context, "test/")).Bucketize(input);
        context.AddOutput(buckets, OnnxElementType.Int64, shape);
        using var model = new MemoryStream();
        OnnxModelSerializer.Write(context, "buckets", "time buckets only", model);

        using var session = new InferenceSession(model.ToArray());
        using var value = OrtValue.CreateTensorValueFromMemory(deltas, [deltas.Length]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, new Dictionary<string, OrtValue> { ["Delta"] = value }, [buckets]);
        return outputs[0].GetTensorDataAsSpan<long>().ToArray();
    }
}
