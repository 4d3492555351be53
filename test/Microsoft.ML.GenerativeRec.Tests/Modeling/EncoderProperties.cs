using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Tests.Modeling;

/// <summary>Property checks shared by the HSTU and SASRec encoder tests.</summary>
internal static class EncoderProperties
{
    /// <summary>A tiny shape: V = 20, D = 8, 2 blocks, 2 heads, max length 6 (N = 17).</summary>
    public static readonly EncoderShape TinyShape = new(ItemCount: 20, EmbeddingDimension: 8, NumberOfBlocks: 2, NumberOfHeads: 2,
        MaxSequenceLength: 6);

    public static readonly long[] Ids = [3, 5, 7, 2, 9, 4];
    public static readonly long[] Timestamps = [100, 200, 400, 800, 1600, 3200, 6400];   // n + 1: the last is the request time

    /// <summary>Encodes one or more rows in eval mode and returns the outputs as [B][n·D].</summary>
    public static float[][] Encode(ISequenceEncoder encoder, long[][] ids, long[] lengths, long[][]? timestamps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int batch = ids.Length, length = ids[0].Length;
        var idTensor = tensor(ids.SelectMany(r => r).ToArray(), batch, length);
        var timeTensor = timestamps is null ? null : tensor(timestamps.SelectMany(r => r).ToArray(), batch, length + 1);
        var outputs = encoder.Encode(idTensor, tensor(lengths), timeTensor);
        return Enumerable.Range(0, batch).Select(b => outputs[b].flatten().data<float>().ToArray()).ToArray();
    }

    public static void AssertRowsEqual(float[] expected, float[] actual, int rows, long dimension, string what)
    {
        for (int i = 0; i < rows * dimension; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"{what}: row {i / dimension}, column {i % dimension}");
    }

    public static void AssertRowDiffers(float[] a, float[] b, int row, long dimension)
    {
        double difference = 0;
        for (long d = row * dimension; d < (row + 1) * dimension; d++)
            difference += Math.Abs(a[d] - b[d]);
        Assert.IsGreaterThan(1e-4, difference, $"row {row} should change");
    }

    /// <summary>Runs forward and backward on a fixed weighted sum of the outputs in training mode.</summary>
    public static void ForwardBackward(Module encoder, ISequenceEncoder sequenceEncoder, bool withTimestamps)
    {
        using var scope = NewDisposeScope();
        encoder.train();
        var ids = tensor(Ids.Concat([6L, 8L, 0L, 0L, 0L, 0L]).ToArray(), 2, 6);             // row 1: L = 2
        var lengths = tensor(new long[] { 6, 2 });
        var timestamps = withTimestamps
            ? tensor(Timestamps.Concat([50L, 90L, 130L, 0L, 0L, 0L, 0L]).ToArray(), 2, 7)
            : null;
        var outputs = sequenceEncoder.Encode(ids, lengths, timestamps);                        // [B, n, D]
        var weights = randn(outputs.shape, generator: new Generator(7));
        var users = SequenceTensors.UserEmbeddings(outputs, lengths);                          // [B, D]
        var items = L2Norm.Normalize(sequenceEncoder.ItemEmbeddings.narrow(0, 1, 4));          // [4, D]
        var loss = (outputs * weights).sum() + users.matmul(items.t()).sum();
        loss.backward();
    }

    /// <summary>Asserts every parameter but the excluded ones has a non-zero gradient, and the excluded ones none.</summary>
    public static void AssertGradients(Module encoder, Func<string, bool> expectNoGradient)
    {
        foreach (var (name, parameter) in encoder.named_parameters())
        {
            using var grad = parameter.grad;
            if (expectNoGradient(name))
            {
                Assert.IsNull(grad, $"{name} should get no gradient");
                continue;
            }
            Assert.IsNotNull(grad, $"{name} has no gradient");
            using var magnitude = grad.abs().sum();
            Assert.IsGreaterThan(0f, magnitude.item<float>(), $"{name} has a zero gradient");
        }
    }

    /// <summary>Asserts a forward and backward pass inside a scope leaves no live tensor behind.</summary>
    public static void AssertNoLeak(Module encoder, ISequenceEncoder sequenceEncoder, bool withTimestamps)
    {
        ForwardBackward(encoder, sequenceEncoder, withTimestamps);                              // warm up lazy state
        encoder.zero_grad();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        ForwardBackward(encoder, sequenceEncoder, withTimestamps);

        Assert.AreEqual(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    public static double Std(Module module, string name)
    {
        using var scope = NewDisposeScope();
        return module.named_parameters().Single(p => p.name == name).parameter.std().item<float>();
    }

    public static double MaxAbs(Module module, string name)
    {
        using var scope = NewDisposeScope();
        return module.named_parameters().Single(p => p.name == name).parameter.abs().max().item<float>();
    }
}
