using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Onnx;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Tests.Onnx;

[TestClass]
public sealed class OnnxTimeBucketWriterTests
{
    // log, floor and clamp estimate the bucket; the boundaries found with TorchSharp's own Bucketize settle the gaps right
    // at a boundary e^(0.301·b), where one ulp of float32 ln decides: every swept gap lands in TorchSharp's bucket.
    [TestMethod]
    public void Bucketize_GapsAroundEveryBucketBoundary_MatchTorchSharp()
    {
        long[] deltas = [.. Gaps()];
        long[] expected;
        using (var scope = NewDisposeScope())
        {
            expected = RelativeAttentionBias.Bucketize(tensor(deltas)).data<long>().ToArray();
        }

        long[] actual = RunBucketGraph(deltas);

        var mismatches = Enumerable.Range(0, deltas.Length).Where(i => expected[i] != actual[i]).Select(i => $"Δ={deltas[i]}: {expected[i]} vs {actual[i]}").ToList();
        Assert.IsEmpty(mismatches, string.Join("; ", mismatches.Take(20)));
        Assert.AreEqual(RelativeAttentionBias.NumberOfBuckets, expected.Max(), "the gaps reach the clamp at 128");
        Assert.IsGreaterThan(120, expected.Distinct().Count(), "the gaps cover nearly every bucket (bucket 1 holds no whole second)");
    }

    [TestMethod]
    public void Boundaries_EachIsTheFirstGapOfItsBucket()
    {
        long[] boundaries = OnnxTimeBucketWriter.Boundaries();

        Assert.HasCount((int)RelativeAttentionBias.NumberOfBuckets + 2, boundaries);
        Assert.AreEqual(1L, boundaries[0]);
        Assert.AreEqual(long.MaxValue, boundaries[^1]);
        long[] firsts = boundaries[1..^1];
        long[] before = [.. firsts.Select(m => Math.Max(m - 1, 1))];
        using var scope = NewDisposeScope();
        long[] atFirst = RelativeAttentionBias.Bucketize(tensor(firsts)).data<long>().ToArray();
        long[] justBefore = RelativeAttentionBias.Bucketize(tensor(before)).data<long>().ToArray();
        for (int b = 1; b <= RelativeAttentionBias.NumberOfBuckets; b++)
        {
            Assert.IsGreaterThanOrEqualTo(b, atFirst[b - 1], $"bucket {b} starts at {firsts[b - 1]}");
            Assert.IsTrue(firsts[b - 1] == 1 || justBefore[b - 1] < b, $"the gap before {firsts[b - 1]} is below bucket {b}");
            Assert.IsTrue(b == 1 || firsts[b - 1] >= firsts[b - 2], "non-decreasing");
        }
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
